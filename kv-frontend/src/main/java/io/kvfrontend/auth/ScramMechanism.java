package io.kvfrontend.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.spec.KeySpec;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The three SCRAM variants the Couchbase SDKs speak (RFC 5802 with SHA-1, RFC 7677 with SHA-256, and
 * SHA-512 by the same construction), with their MCBP mechanism names and the JCA algorithms behind
 * them. The derived key length of Hi() is the hash length (sdk-compat.md 1.5).
 *
 * <p>Immutable and thread-safe: each primitive gets a fresh JCA instance, so no state is shared.
 */
public enum ScramMechanism {
    SHA512("SCRAM-SHA512", "SHA-512", "HmacSHA512", "PBKDF2WithHmacSHA512", 64),
    SHA256("SCRAM-SHA256", "SHA-256", "HmacSHA256", "PBKDF2WithHmacSHA256", 32),
    SHA1("SCRAM-SHA1", "SHA-1", "HmacSHA1", "PBKDF2WithHmacSHA1", 20);

    private final String mechanismName;
    private final String digestAlgorithm;
    private final String macAlgorithm;
    private final String pbkdf2Algorithm;
    private final int hashLength;

    ScramMechanism(
            String mechanismName, String digestAlgorithm, String macAlgorithm, String pbkdf2Algorithm, int hashLength) {
        this.mechanismName = mechanismName;
        this.digestAlgorithm = digestAlgorithm;
        this.macAlgorithm = macAlgorithm;
        this.pbkdf2Algorithm = pbkdf2Algorithm;
        this.hashLength = hashLength;
    }

    /** The SASL name on the wire, e.g. {@code SCRAM-SHA512} (no dash before the digits: sdk-compat.md 1.5). */
    public String mechanismName() {
        return mechanismName;
    }

    /** JCA {@link MessageDigest} name: H() of RFC 5802. */
    public String digestAlgorithm() {
        return digestAlgorithm;
    }

    /** JCA {@link Mac} name: HMAC() of RFC 5802. */
    public String macAlgorithm() {
        return macAlgorithm;
    }

    /** JCA {@link SecretKeyFactory} name: Hi() of RFC 5802 is PBKDF2 with this HMAC. */
    public String pbkdf2Algorithm() {
        return pbkdf2Algorithm;
    }

    /** Output length of the hash in bytes; also the length of every key and of the proof. */
    public int hashLength() {
        return hashLength;
    }

    /** The mechanism with this exact SASL name; names are matched case-sensitively, as the SDK sends them. */
    public static Optional<ScramMechanism> fromMechanismName(String name) {
        for (ScramMechanism m : values()) {
            if (m.mechanismName.equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /**
     * Hi(password, salt, i) = PBKDF2 with this HMAC and a derived key as long as the hash. The password
     * is used as its UTF-8 bytes without SASLprep, which is what the Couchbase SDK and kv_engine do.
     * Costs {@code iterations} HMACs (milliseconds at 4096): not for a hot path.
     */
    byte[] saltedPassword(char[] password, byte[] salt, int iterations) {
        KeySpec spec = new PBEKeySpec(password, salt, iterations, hashLength * 8);
        try {
            return SecretKeyFactory.getInstance(pbkdf2Algorithm)
                    .generateSecret(spec)
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            // Every Java 17 runtime must provide these algorithms; failing here is a broken JRE.
            throw new IllegalStateException(pbkdf2Algorithm + " unavailable", e);
        } finally {
            ((PBEKeySpec) spec).clearPassword();
        }
    }

    /** HMAC(key, data). */
    byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(macAlgorithm);
            mac.init(new SecretKeySpec(key, macAlgorithm));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(macAlgorithm + " unavailable", e);
        }
    }

    /** H(data). */
    byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance(digestAlgorithm).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(digestAlgorithm + " unavailable", e);
        }
    }
}
