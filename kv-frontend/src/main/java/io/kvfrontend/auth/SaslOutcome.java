package io.kvfrontend.auth;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of one SASL_AUTH or SASL_STEP, with the MCBP status it maps to (mcbp-protocol.md 7):
 *
 * <table>
 *   <caption>Outcome to response</caption>
 *   <tr><th>{@link Kind}</th><th>status</th><th>response value</th></tr>
 *   <tr><td>CONTINUE</td><td>AuthContinue 0x21</td><td>{@link #serverMessage()} (SCRAM server-first)</td></tr>
 *   <tr><td>SUCCESS</td><td>Success 0x00</td><td>{@link #serverMessage()} (SCRAM {@code v=...}; empty for PLAIN);
 *       the connection is now {@link #user()}</td></tr>
 *   <tr><td>FAILURE</td><td>AuthError 0x20</td><td>error context {@link #reason()}</td></tr>
 *   <tr><td>INVALID</td><td>Einval 0x04</td><td>error context {@link #reason()}</td></tr>
 * </table>
 *
 * <p>A reason never holds a password, a key, a proof or whether a user exists; it may be sent to the
 * client as the error context and logged.
 *
 * <p>Immutable.
 */
public final class SaslOutcome {
    /** What happened, and the MCBP response status for it. */
    public enum Kind {
        /** The exchange goes on: send the challenge with AuthContinue. */
        CONTINUE(0x21),
        /** Authenticated. */
        SUCCESS(0x00),
        /** Bad credentials or a mechanism not offered: AuthError, the exchange is over. */
        FAILURE(0x20),
        /** Malformed or out-of-sequence input: Einval, the exchange is over. */
        INVALID(0x04);

        private final int mcbpStatus;

        Kind(int mcbpStatus) {
            this.mcbpStatus = mcbpStatus;
        }

        /** The MCBP response status code. */
        public int mcbpStatus() {
            return mcbpStatus;
        }
    }

    /**
     * Why an authentication was refused, for the operator: the log line and the {@code reason} tag of
     * {@code kv.auth.failures} (a bounded set). The client's answer never says which.
     */
    public enum Refusal {
        /** A mechanism the server does not offer. */
        UNKNOWN_MECHANISM("unknown mechanism"),
        /** A message that does not parse, or fails a check that protects the exchange. */
        MALFORMED("malformed message"),
        /** SASL_STEP without a started exchange, or for another mechanism. */
        OUT_OF_SEQUENCE("out of sequence"),
        /** No such user. */
        UNKNOWN_USER("unknown user"),
        /** The user exists; the password (PLAIN) or proof (SCRAM) is wrong. */
        WRONG_PASSWORD("wrong password");

        private final String description;

        Refusal(String description) {
            this.description = description;
        }

        /** The metric tag value: {@code unknown_mechanism}, {@code malformed}, ... */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public String description() {
            return description;
        }
    }

    /**
     * The one reason for bad credentials, whether the user is unknown or the password wrong, so the
     * answer does not tell an attacker which user names exist (RFC 5802 section 5.1).
     */
    static final String AUTH_FAILED = "Authentication failed";

    private static final byte[] EMPTY = new byte[0];

    private final Kind kind;
    private final byte[] serverMessage;
    private final User user;
    private final String reason;
    private final Refusal refusal;
    private final String claimedUser;

    private SaslOutcome(
            Kind kind, byte[] serverMessage, User user, String reason, Refusal refusal, String claimedUser) {
        this.kind = kind;
        this.serverMessage = serverMessage;
        this.user = user;
        this.reason = reason;
        this.refusal = refusal;
        this.claimedUser = claimedUser == null ? "" : claimedUser;
    }

    static SaslOutcome continueWith(String serverMessage) {
        return new SaslOutcome(Kind.CONTINUE, serverMessage.getBytes(UTF_8), null, "", null, "");
    }

    static SaslOutcome success(byte[] serverMessage, User user) {
        return new SaslOutcome(
                Kind.SUCCESS, serverMessage.clone(), Objects.requireNonNull(user, "user"), "", null, user.name());
    }

    /** Refused credentials or mechanism (AuthError); {@code claimedUser} the name the client gave, or "". */
    static SaslOutcome failure(String reason, Refusal refusal, String claimedUser) {
        return new SaslOutcome(Kind.FAILURE, EMPTY, null, reason, Objects.requireNonNull(refusal), claimedUser);
    }

    /** Malformed or out-of-sequence input (Einval). */
    static SaslOutcome invalid(String reason, Refusal refusal, String claimedUser) {
        return new SaslOutcome(Kind.INVALID, EMPTY, null, reason, Objects.requireNonNull(refusal), claimedUser);
    }

    public Kind kind() {
        return kind;
    }

    /** Shorthand for {@code kind().mcbpStatus()}. */
    public int mcbpStatus() {
        return kind.mcbpStatus();
    }

    /** The response value: a copy, empty for FAILURE and INVALID (and for PLAIN's SUCCESS). */
    public byte[] serverMessage() {
        return serverMessage.clone();
    }

    /** The authenticated user on SUCCESS; empty otherwise. */
    public Optional<User> user() {
        return Optional.ofNullable(user);
    }

    /** Why FAILURE or INVALID, fit for the error context and logs; empty for CONTINUE and SUCCESS. */
    public String reason() {
        return reason;
    }

    /** Why FAILURE or INVALID, for the operator; empty for CONTINUE and SUCCESS. */
    public Optional<Refusal> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** The user name the client gave (as sent, for logs), or "" if it gave none or it did not parse. */
    public String claimedUser() {
        return claimedUser;
    }

    /**
     * What the log says about a refusal: the refusal, and for malformed or out-of-sequence input the
     * parser's reason. Never a password, proof or client message.
     */
    public String logReason() {
        if (refusal == null) {
            return "";
        }
        return switch (refusal) {
            case UNKNOWN_USER, WRONG_PASSWORD -> refusal.description();
            default -> refusal.description() + ": " + reason;
        };
    }

    @Override
    public String toString() {
        switch (kind) {
            case SUCCESS:
                return "SaslOutcome[SUCCESS, user=" + user.name() + "]";
            case CONTINUE:
                return "SaslOutcome[CONTINUE]";
            default:
                return "SaslOutcome[" + kind + ", " + reason + "]";
        }
    }
}
