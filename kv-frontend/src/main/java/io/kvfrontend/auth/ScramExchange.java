package io.kvfrontend.auth;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;
import java.util.Base64;

/**
 * The server side of one SCRAM exchange (RFC 5802 section 5, without channel binding) after the
 * client-first message was accepted: it remembers what the final step needs (the GS2 header, the
 * client-first-bare and server-first messages, the combined nonce, the user's secret).
 *
 * <p>Message shapes, as the Couchbase SDK sends and expects them (sdk-compat.md 1.5):
 * <pre>
 * client-first  n,,n=user,r=cnonce
 * server-first  r=cnonce+snonce,s=base64(salt),i=iterations      (exactly these, in this order)
 * client-final  c=biws,r=cnonce+snonce,p=base64(ClientProof)
 * server-final  v=base64(ServerSignature)
 * </pre>
 *
 * <p>Confined to the thread driving its {@link SaslExchange}; immutable once built.
 */
final class ScramExchange {
    private final ScramMechanism mechanism;
    private final UserStore.ScramLookup lookup;
    private final String gs2Header;
    private final String clientFirstBare;
    private final String serverFirst;
    private final String nonce;
    private final String userName;

    private ScramExchange(
            ScramMechanism mechanism,
            UserStore.ScramLookup lookup,
            String gs2Header,
            String clientFirstBare,
            String serverFirst,
            String nonce,
            String userName) {
        this.userName = userName;
        this.mechanism = mechanism;
        this.lookup = lookup;
        this.gs2Header = gs2Header;
        this.clientFirstBare = clientFirstBare;
        this.serverFirst = serverFirst;
        this.nonce = nonce;
    }

    /**
     * Parses the client-first message and prepares the server-first one. An unknown user gets a
     * fake secret and the same kind of answer; the exchange then fails at {@link #finish}.
     */
    static ScramExchange start(ScramMechanism mechanism, UserStore users, String serverNonce, byte[] clientFirst)
            throws SaslSyntaxException {
        String msg = SaslSyntaxException.utf8(clientFirst, "client-first message");
        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        if (msg.startsWith("p=")) {
            throw new SaslSyntaxException("channel binding is not supported (no -PLUS mechanism is offered)");
        }
        if (!msg.startsWith("n,") && !msg.startsWith("y,")) {
            throw new SaslSyntaxException("client-first message must start with a GS2 header 'n,,'");
        }
        int headerEnd = msg.indexOf(',', 2);
        if (headerEnd < 0) {
            throw new SaslSyntaxException("client-first message has an incomplete GS2 header");
        }
        if (headerEnd != 2) {
            // The SDK never sends one; acting for another user is not something this server grants.
            throw new SaslSyntaxException("an authorization identity (a=) is not supported");
        }
        String gs2Header = msg.substring(0, headerEnd + 1);
        String bare = msg.substring(headerEnd + 1);

        String[] attrs = bare.split(",", -1);
        if (attrs[0].startsWith("m=")) {
            throw new SaslSyntaxException("mandatory extension m= is not supported");
        }
        if (!attrs[0].startsWith("n=")) {
            throw new SaslSyntaxException("client-first message: expected n=<user> first");
        }
        if (attrs[0].length() == 2) {
            throw new SaslSyntaxException("client-first message: empty user name");
        }
        if (attrs.length < 2 || !attrs[1].startsWith("r=")) {
            throw new SaslSyntaxException("client-first message: expected r=<nonce> after the user name");
        }
        String clientNonce = attrs[1].substring(2);
        checkClientNonce(clientNonce);
        checkExtensions(attrs, 2, "client-first message");

        String name = userName(users, attrs[0].substring(2));
        UserStore.ScramLookup lookup = users.scramSecretOrFake(name, mechanism);
        checkServerNonce(serverNonce);
        String nonce = clientNonce + serverNonce;
        ScramSecret secret = lookup.secret();
        String serverFirst =
                "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(secret.salt()) + ",i=" + secret.iterations();
        return new ScramExchange(mechanism, lookup, gs2Header, bare, serverFirst, nonce, name);
    }

    /** The user name this exchange is for (as the client gave it, decoded). */
    String userName() {
        return userName;
    }

    /**
     * The user name in a client-first message that did not parse, best effort, for the log: the
     * value of the first {@code n=} attribute, or "" if there is none or it is not UTF-8.
     */
    static String claimedUser(byte[] clientFirst) {
        String msg = new String(clientFirst, UTF_8);
        int at = msg.indexOf(",n=");
        if (at < 0 || msg.indexOf('\uFFFD') >= 0) {
            return "";
        }
        int end = msg.indexOf(',', at + 3);
        return msg.substring(at + 3, end < 0 ? msg.length() : end);
    }

    /**
     * The user name of {@code n=}. The SDK sends it unescaped, so the value runs to the next comma;
     * RFC 5802 clients escape ',' and '=' as {@code =2C} and {@code =3D}, which are decoded. Any
     * other '=' is kept as is (an SDK user name may contain one). If the decoded name is not a user
     * but the raw text is, the raw text wins: an SDK user literally named {@code a=2Cb} can log in.
     */
    private static String userName(UserStore users, String raw) {
        if (raw.indexOf('=') < 0) {
            return raw;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            if (raw.startsWith("=2C", i)) {
                sb.append(',');
                i += 2;
            } else if (raw.startsWith("=3D", i)) {
                sb.append('=');
                i += 2;
            } else {
                sb.append(raw.charAt(i));
            }
        }
        String decoded = sb.toString();
        if (!decoded.equals(raw)
                && users.user(decoded).isEmpty()
                && users.user(raw).isPresent()) {
            return raw;
        }
        return decoded;
    }

    /**
     * The client nonce as Couchbase Server checks it: present and non-empty (a ',' cannot be in it,
     * it ends the attribute). RFC 5802 asks for printable ASCII, but the SDKs built on the Couchbase
     * C++ core (Node.js, Python, C++, Ruby, PHP) send a nonce of hex numbers separated by spaces,
     * e.g. {@code r=0x16 0xfffffffd 0xffffffda ...}, and kv_engine's cbsasl accepts any value. What
     * protects the exchange is that the combined nonce is echoed and signed, which {@link #finish}
     * checks.
     */
    private static void checkClientNonce(String nonce) throws SaslSyntaxException {
        if (nonce.isEmpty()) {
            throw new SaslSyntaxException("client nonce is empty");
        }
    }

    /** RFC 5802: printable = %x21-2B / %x2D-7E, i.e. visible ASCII but ','. */
    private static void checkNonce(String nonce, String what) throws SaslSyntaxException {
        if (nonce.isEmpty()) {
            throw new SaslSyntaxException(what + " is empty");
        }
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ',') {
                throw new SaslSyntaxException(what + " has a character outside printable ASCII");
            }
        }
    }

    /** A bad server nonce is a broken {@link SaslServer.NonceSource}, not the client's fault. */
    private static void checkServerNonce(String serverNonce) {
        try {
            checkNonce(serverNonce, "server nonce");
        } catch (SaslSyntaxException e) {
            throw new IllegalStateException("nonce source returned an unusable nonce: " + e.getMessage());
        }
    }

    /** Optional extensions (attr-val = ALPHA "=" value) are allowed and ignored. */
    private static void checkExtensions(String[] attrs, int from, String where) throws SaslSyntaxException {
        for (int i = from; i < attrs.length; i++) {
            String a = attrs[i];
            if (a.length() < 2 || a.charAt(1) != '=' || !isAlpha(a.charAt(0))) {
                throw new SaslSyntaxException(where + ": malformed attribute #" + (i + 1));
            }
        }
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    ScramMechanism mechanism() {
        return mechanism;
    }

    /** The server-first message to send with AuthContinue. */
    String serverFirst() {
        return serverFirst;
    }

    /**
     * Checks the client-final message: SUCCESS with {@code v=ServerSignature} for a correct proof,
     * FAILURE for a wrong one or an unknown user.
     *
     * @throws SaslSyntaxException when the message is malformed, the channel binding is not the GS2
     *                             header, or the nonce is not this exchange's
     */
    SaslOutcome finish(byte[] clientFinal) throws SaslSyntaxException {
        String msg = SaslSyntaxException.utf8(clientFinal, "client-final message");
        // client-final-message = client-final-message-without-proof "," proof; the proof comes last.
        int proofAt = msg.lastIndexOf(",p=");
        if (proofAt < 0) {
            throw new SaslSyntaxException("client-final message: missing proof p=");
        }
        String withoutProof = msg.substring(0, proofAt);
        String[] attrs = withoutProof.split(",", -1);
        if (!attrs[0].startsWith("c=")) {
            throw new SaslSyntaxException("client-final message: expected c=<channel binding> first");
        }
        byte[] binding = base64(attrs[0].substring(2), "channel binding c=");
        if (!Arrays.equals(binding, gs2Header.getBytes(UTF_8))) {
            throw new SaslSyntaxException("client-final message: channel binding c= does not match the GS2 header"
                    + " (expected c=" + Base64.getEncoder().encodeToString(gs2Header.getBytes(UTF_8)) + ")");
        }
        if (attrs.length < 2 || !attrs[1].startsWith("r=")) {
            throw new SaslSyntaxException("client-final message: expected r=<nonce> after c=");
        }
        if (!attrs[1].substring(2).equals(nonce)) {
            throw new SaslSyntaxException("client-final message: nonce does not match the server-first message");
        }
        checkExtensions(attrs, 2, "client-final message");
        byte[] proof = base64(msg.substring(proofAt + 3), "proof p=");
        if (proof.length != mechanism.hashLength()) {
            throw new SaslSyntaxException("client-final message: proof must be " + mechanism.hashLength()
                    + " bytes for " + mechanism.mechanismName() + ", got " + proof.length);
        }

        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(UTF_8);
        ScramSecret secret = lookup.secret();
        // Verify even for a fake secret, so an unknown user costs the same work as a wrong password.
        boolean proofOk = secret.verifyProof(authMessage, proof);
        if (!proofOk || lookup.user() == null) {
            return SaslOutcome.failure(
                    SaslOutcome.AUTH_FAILED,
                    lookup.user() == null ? SaslOutcome.Refusal.UNKNOWN_USER : SaslOutcome.Refusal.WRONG_PASSWORD,
                    userName);
        }
        String serverFinal = "v=" + Base64.getEncoder().encodeToString(secret.serverSignature(authMessage));
        return SaslOutcome.success(serverFinal.getBytes(UTF_8), lookup.user());
    }

    private static byte[] base64(String text, String what) throws SaslSyntaxException {
        if (text.isEmpty()) {
            throw new SaslSyntaxException(what + " is empty");
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new SaslSyntaxException(what + " is not valid base64");
        }
    }

    @Override
    public String toString() {
        return "ScramExchange[" + mechanism.mechanismName() + "]";
    }
}
