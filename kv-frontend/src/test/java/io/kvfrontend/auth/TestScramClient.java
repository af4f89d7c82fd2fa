package io.kvfrontend.auth;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A test-side SCRAM client written from RFC 5802 alone, in the shape of the Couchbase SDK's client
 * (sdk-compat.md 1.5): Hi() is its own HMAC loop (not the JDK's PBKDF2, which the server uses), and
 * the server-first message is parsed as strictly as the SDK does: exactly r=, s=, i=, nothing else.
 * Confined to one test.
 */
final class TestScramClient {
    private final ScramMechanism mechanism;
    private final String userAsSent;
    private final byte[] password;
    private final String clientNonce;
    private final String gs2Header;
    private String firstExtension = "";
    private String authMessage;
    private byte[] saltedPassword;

    /** @param userAsSent the n= value exactly as it goes on the wire (escaped or not) */
    TestScramClient(ScramMechanism mechanism, String userAsSent, String password, String clientNonce) {
        this(mechanism, userAsSent, password, clientNonce, "n,,");
    }

    TestScramClient(
            ScramMechanism mechanism, String userAsSent, String password, String clientNonce, String gs2Header) {
        this.mechanism = mechanism;
        this.userAsSent = userAsSent;
        this.password = password.getBytes(UTF_8);
        this.clientNonce = clientNonce;
        this.gs2Header = gs2Header;
    }

    /** Appends an optional extension attribute ({@code x=value}) to the client-first message. */
    TestScramClient withFirstExtension(String attribute) {
        firstExtension = "," + attribute;
        return this;
    }

    String clientFirstBare() {
        return "n=" + userAsSent + ",r=" + clientNonce + firstExtension;
    }

    byte[] clientFirst() {
        return (gs2Header + clientFirstBare()).getBytes(UTF_8);
    }

    /** Parses the server-first message as the SDK would, and answers with proof. */
    byte[] clientFinal(byte[] serverFirstBytes) {
        String serverFirst = new String(serverFirstBytes, UTF_8);
        String[] tokens = serverFirst.split(",");
        if (tokens.length != 3
                || !tokens[0].startsWith("r=")
                || !tokens[1].startsWith("s=")
                || !tokens[2].startsWith("i=")) {
            throw new AssertionError("server-first must be exactly r=,s=,i=: " + serverFirst);
        }
        String nonce = tokens[0].substring(2);
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new AssertionError("server nonce must extend the client nonce: " + serverFirst);
        }
        byte[] salt = Base64.getDecoder().decode(tokens[1].substring(2));
        int iterations = Integer.parseInt(tokens[2].substring(2));
        saltedPassword = hi(mechanism, password, salt, iterations);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(gs2Header.getBytes(UTF_8)) + ",r=" + nonce;
        authMessage = clientFirstBare() + "," + serverFirst + "," + withoutProof;
        byte[] clientKey = hmac(mechanism, saltedPassword, "Client Key".getBytes(UTF_8));
        byte[] storedKey = digest(mechanism, clientKey);
        byte[] signature = hmac(mechanism, storedKey, authMessage.getBytes(UTF_8));
        byte[] proof = xor(clientKey, signature);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(UTF_8);
    }

    /** The server-final message this client expects: {@code v=base64(ServerSignature)}. */
    String expectedServerFinal() {
        byte[] serverKey = hmac(mechanism, saltedPassword, "Server Key".getBytes(UTF_8));
        return "v=" + Base64.getEncoder().encodeToString(hmac(mechanism, serverKey, authMessage.getBytes(UTF_8)));
    }

    /** Hi() as the SDK computes it: U1 = HMAC(pw, salt || INT(1)), Ui = HMAC(pw, Ui-1), XOR of all. */
    static byte[] hi(ScramMechanism m, byte[] password, byte[] salt, int iterations) {
        byte[] u = hmac(m, password, concat(salt, new byte[] {0, 0, 0, 1}));
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = hmac(m, password, u);
            result = xor(result, u);
        }
        return result;
    }

    static byte[] hmac(ScramMechanism m, byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(m.macAlgorithm());
            mac.init(new SecretKeySpec(key, m.macAlgorithm()));
            return mac.doFinal(data);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] digest(ScramMechanism m, byte[] data) {
        try {
            return MessageDigest.getInstance(m.digestAlgorithm()).digest(data);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
