package io.kvfrontend.dispatch;

import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Opcode;

/**
 * What a request of one opcode must look like and who executes it: the validator rules of
 * mcbp-protocol.md 4.1 (extras sizes, key/value presence, CAS rule, datatype rule), the frame
 * infos it accepts (2.2), whether it needs authentication or a bucket, and its quiet rule (3.5).
 *
 * <p><b>Immutable</b> once built.
 */
public final class CommandSpec {

    /** Whether a request part must, may, or must not be present. */
    public enum Presence {
        REQUIRED,
        OPTIONAL,
        FORBIDDEN
    }

    /** The request CAS rule. */
    public enum Cas {
        ZERO,
        ANY,
        NON_ZERO
    }

    /** Which outcome a quiet variant does not report. */
    public enum Quiet {
        NONE,
        MISS,
        SUCCESS;

        boolean suppresses(Status status) {
            return (this == MISS && status == Status.KEY_ENOENT) || (this == SUCCESS && status == Status.SUCCESS);
        }
    }

    /** The datatype the request may carry. */
    public enum DatatypeRule {
        /** Must be raw (0). */
        RAW,
        /** A document value: JSON and Snappy bits allowed if negotiated; never Xattr. */
        DOCUMENT,
        /** Exactly JSON (e.g. RangeScanCreate). */
        JSON,
        /** Raw, or JSON if negotiated (optional JSON parameters, e.g. Stat, DeleteBucket). */
        RAW_OR_JSON
    }

    final Opcode opcode;
    final CommandExecutor executor;
    final long extrasMask;
    final Presence key;
    final Presence value;
    final Cas cas;
    final DatatypeRule datatype;
    final boolean documentKey;
    final boolean needsBucket;
    final boolean beforeAuth;
    final Quiet quiet;
    final boolean durability;
    final boolean preserveTtl;

    private CommandSpec(Builder b) {
        this.opcode = b.opcode;
        this.executor = b.executor;
        this.extrasMask = b.extrasMask;
        this.key = b.key;
        this.value = b.value;
        this.cas = b.cas;
        this.datatype = b.datatype;
        this.documentKey = b.documentKey;
        this.needsBucket = b.needsBucket;
        this.beforeAuth = b.beforeAuth;
        this.quiet = b.quiet;
        this.durability = b.durability;
        this.preserveTtl = b.preserveTtl;
    }

    public Opcode opcode() {
        return opcode;
    }

    public Quiet quiet() {
        return quiet;
    }

    boolean extrasAllowed(int length) {
        return length < 64 && (extrasMask & (1L << length)) != 0;
    }

    String extrasDescription() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            if ((extrasMask & (1L << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : " or ").append(i);
            }
        }
        return sb.toString();
    }

    /** A spec for a non-document command: no extras, key or value, CAS 0, raw datatype. */
    public static Builder of(Opcode opcode, CommandExecutor executor) {
        return new Builder(opcode, executor);
    }

    /** Builder; starts as "no extras, no key, no value, CAS 0, raw, needs auth, no bucket". */
    public static final class Builder {
        private final Opcode opcode;
        private final CommandExecutor executor;
        private long extrasMask = 1L;
        private Presence key = Presence.FORBIDDEN;
        private Presence value = Presence.FORBIDDEN;
        private Cas cas = Cas.ZERO;
        private DatatypeRule datatype = DatatypeRule.RAW;
        private boolean documentKey;
        private boolean needsBucket;
        private boolean beforeAuth;
        private Quiet quiet = Quiet.NONE;
        private boolean durability;
        private boolean preserveTtl;

        private Builder(Opcode opcode, CommandExecutor executor) {
            this.opcode = opcode;
            this.executor = executor;
        }

        /** The allowed extras lengths. */
        public Builder extras(int... lengths) {
            extrasMask = 0;
            for (int l : lengths) {
                extrasMask |= 1L << l;
            }
            return this;
        }

        public Builder key(Presence p) {
            key = p;
            return this;
        }

        public Builder value(Presence p) {
            value = p;
            return this;
        }

        public Builder cas(Cas c) {
            cas = c;
            return this;
        }

        public Builder datatype(DatatypeRule d) {
            datatype = d;
            return this;
        }

        /**
         * A document command: key required, collection-prefixed when negotiated, bucket required,
         * vBucket checked.
         */
        public Builder document() {
            documentKey = true;
            key = Presence.REQUIRED;
            needsBucket = true;
            return this;
        }

        public Builder needsBucket() {
            needsBucket = true;
            return this;
        }

        public Builder beforeAuth() {
            beforeAuth = true;
            return this;
        }

        public Builder quiet(Quiet q) {
            quiet = q;
            return this;
        }

        public Builder durability() {
            durability = true;
            return this;
        }

        public Builder preserveTtl() {
            preserveTtl = true;
            return this;
        }

        public CommandSpec build() {
            return new CommandSpec(this);
        }
    }
}
