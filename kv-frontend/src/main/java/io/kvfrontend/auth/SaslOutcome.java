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
     * The one reason for bad credentials, whether the user is unknown or the password wrong, so the
     * answer does not tell an attacker which user names exist (RFC 5802 section 5.1).
     */
    static final String AUTH_FAILED = "Authentication failed";

    private static final byte[] EMPTY = new byte[0];

    private final Kind kind;
    private final byte[] serverMessage;
    private final User user;
    private final String reason;

    private SaslOutcome(Kind kind, byte[] serverMessage, User user, String reason) {
        this.kind = kind;
        this.serverMessage = serverMessage;
        this.user = user;
        this.reason = reason;
    }

    static SaslOutcome continueWith(String serverMessage) {
        return new SaslOutcome(Kind.CONTINUE, serverMessage.getBytes(UTF_8), null, "");
    }

    static SaslOutcome success(byte[] serverMessage, User user) {
        return new SaslOutcome(Kind.SUCCESS, serverMessage.clone(), Objects.requireNonNull(user, "user"), "");
    }

    static SaslOutcome failure(String reason) {
        return new SaslOutcome(Kind.FAILURE, EMPTY, null, reason);
    }

    static SaslOutcome invalid(String reason) {
        return new SaslOutcome(Kind.INVALID, EMPTY, null, reason);
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
