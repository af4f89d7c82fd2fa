package io.kvfrontend.dispatch;

import io.kvfrontend.codec.FrameInfos;
import io.kvfrontend.codec.McbpRequest;
import io.kvfrontend.connection.CommandRunner;
import io.kvfrontend.connection.Session;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.protocol.Leb128;
import io.kvfrontend.protocol.Opcode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Validates a request against its opcode's {@link CommandSpec} and runs the executor: a table
 * indexed by opcode, not a switch (architecture.md, "The flow of one request", step 3). Validation
 * failures are answered with the request's opaque and the connection stays open.
 *
 * <p><b>Immutable</b> after construction; used from every event loop.
 */
public final class Dispatcher {
    /** Longest logical key (mcbp-protocol.md 3.3). */
    public static final int MAX_KEY_LENGTH = 250;
    /** Longest logical key in a collection other than the default one. */
    public static final int MAX_COLLECTION_KEY_LENGTH = 246;

    private final CommandSpec[] table = new CommandSpec[256];

    /**
     * @param specs     the commands; two for one opcode is an error
     * @param overrides commands that replace (or add to) {@code specs}, e.g. an engine's own
     *                  commands or a test's
     */
    public Dispatcher(List<CommandSpec> specs, List<CommandSpec> overrides) {
        for (CommandSpec s : specs) {
            if (table[s.opcode.code()] != null) {
                throw new IllegalArgumentException("two executors for " + s.opcode);
            }
            table[s.opcode.code()] = s;
        }
        for (CommandSpec s : overrides) {
            table[s.opcode.code()] = s;
        }
    }

    /** The specs this dispatcher serves. */
    public List<CommandSpec> specs() {
        List<CommandSpec> out = new ArrayList<>();
        for (CommandSpec s : table) {
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** The runner of one connection's commands, on this command table, with these services. */
    public CommandRunner runnerFor(Session session, Services services) {
        return new ConnectionCommands(this, services, session);
    }

    public void dispatch(Command cmd) {
        McbpRequest r = cmd.request();
        CommandSpec spec = table[r.opcode()];
        if (spec == null) {
            cmd.respondError(
                    cmd.opcode() == null ? Status.UNKNOWN_COMMAND : Status.NOT_SUPPORTED,
                    cmd.opcode() == null ? "Unknown command" : cmd.opcode() + " is not supported");
            return;
        }
        Session conn = cmd.connection();
        FrameInfos fi = r.framingExtrasLength() == 0 ? FrameInfos.NONE : FrameInfos.parse(r.framingExtras());
        cmd.validated(spec, fi, null);
        String problem = checkShape(spec, r, fi, conn);
        if (problem != null) {
            cmd.respondError(fi.isValid() ? Status.EINVAL : fi.error(), problem);
            return;
        }
        if (!spec.preserveTtl && fi.preserveTtl()) {
            cmd.respondError(Status.NOT_SUPPORTED, "PreserveTtl is not supported for " + spec.opcode);
            return;
        }
        if (!conn.isAuthenticated() && !spec.beforeAuth) {
            cmd.respondError(Status.EACCESS, "Authentication required");
            return;
        }
        DocKey docKey = null;
        if (spec.needsBucket) {
            Bucket bucket = conn.bucket();
            if (bucket == null) {
                cmd.respondError(Status.NO_BUCKET, "No bucket selected");
                return;
            }
            if (spec.documentKey) {
                // The key is validated first, as kv_engine's validators do: a malformed request is
                // Einval wherever it was sent, not a reason to refresh the cluster map.
                docKey = decodeKey(cmd, r, conn);
                if (docKey == null) {
                    return;
                }
                if (r.vbucket() >= bucket.config().numVBuckets()) {
                    cmd.respondError(Status.NOT_MY_VBUCKET, null);
                    return;
                }
            }
        }
        cmd.validated(spec, fi, docKey);
        spec.executor.execute(cmd);
    }

    /** The first rule the request breaks, or {@code null}. */
    private static String checkShape(CommandSpec spec, McbpRequest r, FrameInfos fi, Session conn) {
        if (!fi.isValid()) {
            return fi.errorContext();
        }
        if (fi.durabilityLevel() != 0 && !spec.durability) {
            return "Durability is not supported for " + spec.opcode;
        }
        if (!spec.extrasAllowed(r.extrasLength())) {
            return "Request must include extras of length " + spec.extrasDescription();
        }
        if (spec.key == CommandSpec.Presence.REQUIRED && r.keyLength() == 0) {
            return "Request must include key";
        }
        if (spec.key == CommandSpec.Presence.FORBIDDEN && r.keyLength() != 0) {
            return "Request must not include key";
        }
        if (spec.value == CommandSpec.Presence.FORBIDDEN && r.valueLength() != 0) {
            return "Request must not include value";
        }
        if (spec.value == CommandSpec.Presence.REQUIRED && r.valueLength() == 0) {
            return "Request must include value";
        }
        if (spec.cas == CommandSpec.Cas.ZERO && r.cas() != 0) {
            return "Request CAS must be 0";
        }
        if (spec.cas == CommandSpec.Cas.NON_ZERO && r.cas() == 0) {
            return "Request CAS must be set";
        }
        int dt = r.datatype();
        if ((dt & ~Datatype.ALL) != 0) {
            return "Invalid datatype " + dt;
        }
        switch (spec.datatype) {
            case RAW -> {
                if (dt != Datatype.RAW) {
                    return "Request datatype must be raw";
                }
            }
            case JSON -> {
                if (dt != Datatype.JSON || !conn.has(Feature.JSON)) {
                    return "Request datatype must be JSON (negotiated with HELLO)";
                }
            }
            case RAW_OR_JSON -> {
                if (dt != Datatype.RAW && (dt != Datatype.JSON || !conn.has(Feature.JSON))) {
                    return "Request datatype must be raw or (negotiated) JSON";
                }
            }
            case DOCUMENT -> {
                if ((dt & Datatype.XATTR) != 0) {
                    return "Xattr datatype is not accepted here";
                }
                if ((dt & Datatype.JSON) != 0 && !conn.has(Feature.JSON)) {
                    return "JSON datatype was not negotiated";
                }
                if ((dt & Datatype.SNAPPY) != 0 && !conn.has(Feature.SNAPPY)) {
                    return "Snappy datatype was not negotiated";
                }
            }
            default -> throw new IllegalStateException();
        }
        return null;
    }

    /**
     * The document key, with the LEB128 collection prefix decoded when collections were negotiated
     * (mcbp-protocol.md 10). Answers EINVAL and returns {@code null} if the key is malformed.
     */
    private static DocKey decodeKey(Command cmd, McbpRequest r, Session conn) {
        int collection = DocKey.DEFAULT_COLLECTION;
        int prefix = 0;
        if (conn.has(Feature.COLLECTIONS)) {
            long packed = Leb128.decode(r.key());
            if (packed < 0) {
                cmd.respondError(Status.EINVAL, "Invalid collection id encoding in key");
                return null;
            }
            prefix = Leb128.consumed(packed);
            collection = Leb128.value(packed);
            if (r.keyLength() - prefix < 1) {
                cmd.respondError(Status.EINVAL, "Key has no logical key after the collection id");
                return null;
            }
            if (collection >= 1 && collection <= 7) {
                cmd.respondError(Status.EINVAL, "Collection ids 1-7 are reserved");
                return null;
            }
        }
        int length = r.keyLength() - prefix;
        int max = collection == DocKey.DEFAULT_COLLECTION ? MAX_KEY_LENGTH : MAX_COLLECTION_KEY_LENGTH;
        if (length > max) {
            cmd.respondError(Status.EINVAL, "Key is longer than " + max + " bytes");
            return null;
        }
        // One copy: the logical key only, straight from the request (the engine keeps the array).
        ByteBuf key = r.key();
        return new DocKey(collection, ByteBufUtil.getBytes(key, key.readerIndex() + prefix, length));
    }

    /** The opcodes with an executor. */
    public Set<Opcode> servedOpcodes() {
        Set<Opcode> out = EnumSet.noneOf(Opcode.class);
        for (CommandSpec s : table) {
            if (s != null) {
                out.add(s.opcode);
            }
        }
        return out;
    }

    /** Whether an opcode has an executor. */
    public boolean handles(Opcode op) {
        return table[op.code()] != null;
    }
}
