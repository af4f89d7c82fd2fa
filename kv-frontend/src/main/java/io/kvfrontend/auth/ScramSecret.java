package io.kvfrontend.auth;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * What the server keeps of a password for one SCRAM mechanism (RFC 5802 section 3 and 9): the salt,
 * the iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
 * ServerKey = HMAC(SaltedPassword, "Server Key"). Neither the password nor SaltedPassword is kept.
 *
 * <p>Immutable: arrays are copied in and out. The keys are secrets (StoredKey plus one observed
 * exchange lets an attacker impersonate the client; ServerKey lets one impersonate the server), so
 * {@link #toString()} shows neither.
 */
final class ScramSecret {
    private static final byte[] CLIENT_KEY = "Client Key".getBytes(UTF_8);
    private static final byte[] SERVER_KEY = "Server Key".getBytes(UTF_8);

    private final ScramMechanism mechanism;
    private final byte[] salt;
    private final int iterations;
    private final byte[] storedKey;
    private final byte[] serverKey;

    ScramSecret(ScramMechanism mechanism, byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
        if (iterations < 2) {
            // The SDK's Hi() always folds U2 in, so i=1 would not match standard PBKDF2 (sdk-compat.md 1.5).
            throw new IllegalArgumentException("SCRAM iteration count must be >= 2, got " + iterations);
        }
        if (salt.length == 0) {
            throw new IllegalArgumentException("SCRAM salt must not be empty");
        }
        if (storedKey.length != mechanism.hashLength() || serverKey.length != mechanism.hashLength()) {
            throw new IllegalArgumentException(
                    "SCRAM keys must be " + mechanism.hashLength() + " bytes for " + mechanism.mechanismName());
        }
        this.mechanism = mechanism;
        this.salt = salt.clone();
        this.iterations = iterations;
        this.storedKey = storedKey.clone();
        this.serverKey = serverKey.clone();
    }

    /** Derives the secret from a password: one PBKDF2 run of {@code iterations} HMACs. */
    static ScramSecret derive(ScramMechanism mechanism, char[] password, byte[] salt, int iterations) {
        byte[] saltedPassword = mechanism.saltedPassword(password, salt, iterations);
        try {
            return new ScramSecret(
                    mechanism,
                    salt,
                    iterations,
                    storedKey(mechanism, saltedPassword),
                    mechanism.hmac(saltedPassword, SERVER_KEY));
        } finally {
            Arrays.fill(saltedPassword, (byte) 0);
        }
    }

    private static byte[] storedKey(ScramMechanism mechanism, byte[] saltedPassword) {
        byte[] clientKey = mechanism.hmac(saltedPassword, CLIENT_KEY);
        try {
            return mechanism.digest(clientKey);
        } finally {
            Arrays.fill(clientKey, (byte) 0);
        }
    }

    /**
     * Whether {@code password} is the password this secret was derived from: recomputes StoredKey with
     * the same salt and iterations (one PBKDF2 run) and compares in constant time.
     */
    boolean matchesPassword(char[] password) {
        byte[] saltedPassword = mechanism.saltedPassword(password, salt, iterations);
        try {
            return MessageDigest.isEqual(storedKey(mechanism, saltedPassword), storedKey);
        } finally {
            Arrays.fill(saltedPassword, (byte) 0);
        }
    }

    /**
     * Verifies a client proof (RFC 5802 section 3): ClientKey = proof XOR HMAC(StoredKey, AuthMessage)
     * must hash to StoredKey. Constant time in the comparison.
     */
    boolean verifyProof(byte[] authMessage, byte[] clientProof) {
        if (clientProof.length != mechanism.hashLength()) {
            return false;
        }
        byte[] clientKey = mechanism.hmac(storedKey, authMessage);
        for (int i = 0; i < clientKey.length; i++) {
            clientKey[i] ^= clientProof[i];
        }
        return MessageDigest.isEqual(mechanism.digest(clientKey), storedKey);
    }

    /** ServerSignature = HMAC(ServerKey, AuthMessage), sent as {@code v=} in the server-final message. */
    byte[] serverSignature(byte[] authMessage) {
        return mechanism.hmac(serverKey, authMessage);
    }

    ScramMechanism mechanism() {
        return mechanism;
    }

    byte[] salt() {
        return salt.clone();
    }

    int iterations() {
        return iterations;
    }

    byte[] storedKey() {
        return storedKey.clone();
    }

    byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public String toString() {
        return "ScramSecret[" + mechanism.mechanismName() + ", salt " + salt.length + " bytes, i=" + iterations
                + ", keys redacted]";
    }
}
