package io.kvfrontend.auth;

import java.util.Arrays;

/**
 * SASL PLAIN (RFC 4616) as kv_engine accepts it (mcbp-protocol.md 7): the SASL_AUTH value is
 * {@code [authzid] NUL authcid NUL passwd}, the authzid is ignored, one trailing NUL is tolerated,
 * and the answer comes in that one round trip: Success with an empty value, or AuthError.
 *
 * <p>Costs one PBKDF2 run ({@link UserStore#authenticatePlain}), about a millisecond at 4096
 * iterations, on the calling thread. Stateless and thread-safe.
 */
public final class PlainMechanism {
    /** The SASL mechanism name. */
    public static final String NAME = "PLAIN";

    private static final byte[] EMPTY = new byte[0];

    private PlainMechanism() {}

    /** The user and password of a PLAIN message. */
    record Credentials(String user, byte[] password) {
        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password redacted]";
        }
    }

    /**
     * Authenticates one PLAIN message against {@code users}: SUCCESS (empty server message),
     * FAILURE for an unknown user or a wrong password (the same reason for both), or INVALID when
     * the message is not {@code [authzid] NUL user NUL password [NUL]}.
     */
    public static SaslOutcome authenticate(UserStore users, byte[] message) {
        Credentials creds;
        try {
            creds = parse(message);
        } catch (SaslSyntaxException e) {
            return SaslOutcome.invalid(e.getMessage(), SaslOutcome.Refusal.MALFORMED, "");
        }
        try {
            return users.authenticatePlain(creds.user(), creds.password())
                    .map(u -> SaslOutcome.success(EMPTY, u))
                    .orElseGet(() -> SaslOutcome.failure(
                            SaslOutcome.AUTH_FAILED,
                            users.user(creds.user()).isPresent()
                                    ? SaslOutcome.Refusal.WRONG_PASSWORD
                                    : SaslOutcome.Refusal.UNKNOWN_USER,
                            creds.user()));
        } finally {
            Arrays.fill(creds.password(), (byte) 0);
        }
    }

    /** Splits a PLAIN message into user and password. */
    static Credentials parse(byte[] message) throws SaslSyntaxException {
        int first = indexOf(message, 0);
        int second = first < 0 ? -1 : indexOf(message, first + 1);
        if (second < 0) {
            throw new SaslSyntaxException("PLAIN: expected [authzid] NUL user NUL password");
        }
        int end = message.length;
        int third = indexOf(message, second + 1);
        if (third >= 0) {
            if (third != message.length - 1) {
                // RFC 4616 forbids NUL in a password; only a lone trailing one is tolerated (kv_engine).
                throw new SaslSyntaxException("PLAIN: unexpected NUL after the password");
            }
            end = third;
        }
        if (second == first + 1) {
            throw new SaslSyntaxException("PLAIN: empty user name");
        }
        String user = SaslSyntaxException.utf8(message, first + 1, second - first - 1, "PLAIN user name");
        return new Credentials(user, Arrays.copyOfRange(message, second + 1, end));
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
