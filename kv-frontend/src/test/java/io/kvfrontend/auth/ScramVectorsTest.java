package io.kvfrontend.auth;

import static io.kvfrontend.auth.AuthFixtures.b64;
import static io.kvfrontend.auth.AuthFixtures.text;
import static io.kvfrontend.auth.AuthFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The server side replays the published SCRAM vectors byte for byte (RFC 5802 section 5 for SHA-1,
 * RFC 7677 section 3 for SHA-256), and SHA-512, which has no published vector, is checked against a
 * computation written out here from the RFC's definitions.
 */
class ScramVectorsTest {

    /** A server whose only user has a fixed salt and whose server nonce is fixed, as in the vectors. */
    private static SaslServer vectorServer(String salt, String serverNonce) {
        UserStore users = UserStore.builder()
                .iterations(4096)
                .saltSource((user, mechanism) -> b64(salt))
                .addUser(new User("user", false, BucketAccess.all()), "pencil")
                .build();
        return SaslServer.builder(users).nonceSource(() -> serverNonce).build();
    }

    @Test
    void replaysRfc5802Sha1Vector() {
        SaslExchange exchange =
                vectorServer("QSXCR+Q6sek8bf92", "3rfcNHYJY1ZVvWVs7j").newExchange();

        SaslOutcome first = exchange.start("SCRAM-SHA1", utf8("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
        assertThat(first.kind()).isEqualTo(SaslOutcome.Kind.CONTINUE);
        assertThat(first.mcbpStatus()).isEqualTo(0x21);
        assertThat(text(first.serverMessage()))
                .isEqualTo("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");

        SaslOutcome last = exchange.step(
                "SCRAM-SHA1",
                utf8("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="));
        assertThat(last.kind()).isEqualTo(SaslOutcome.Kind.SUCCESS);
        assertThat(last.mcbpStatus()).isZero();
        assertThat(text(last.serverMessage())).isEqualTo("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
        assertThat(last.user()).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("user"));
    }

    @Test
    void replaysRfc7677Sha256Vector() {
        SaslExchange exchange = vectorServer("W22ZaJ0SNY7soEsUEjb6gQ==", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
                .newExchange();

        SaslOutcome first = exchange.start("SCRAM-SHA256", utf8("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertThat(text(first.serverMessage()))
                .isEqualTo("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");

        SaslOutcome last = exchange.step(
                "SCRAM-SHA256",
                utf8("c=biws,r=rOprNGfwEbeRWgbNEkqO"
                        + "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        assertThat(last.kind()).isEqualTo(SaslOutcome.Kind.SUCCESS);
        assertThat(text(last.serverMessage())).isEqualTo("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    @Test
    void testClientReproducesRfc5802ProofSoItIsAFairJudgeForSha512() {
        TestScramClient client = new TestScramClient(ScramMechanism.SHA1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        byte[] clientFinal =
                client.clientFinal(utf8("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
        assertThat(text(clientFinal))
                .isEqualTo("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
        assertThat(client.expectedServerFinal()).isEqualTo("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    }

    @Test
    void sha512ExchangeMatchesIndependentComputation() throws Exception {
        String salt = "c2FsdC1mb3ItdGhlLXNoYTUxMi10ZXN0";
        String clientNonce = "rOprNGfwEbeRWgbNEkqO";
        String serverNonce = "3rfcNHYJY1ZVvWVs7j";
        SaslExchange exchange = vectorServer(salt, serverNonce).newExchange();

        // Written out from RFC 5802 section 3, with SHA-512 throughout.
        byte[] saltedPassword = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                .generateSecret(new PBEKeySpec("pencil".toCharArray(), b64(salt), 4096, 512))
                .getEncoded();
        byte[] clientKey = TestScramClient.hmac(ScramMechanism.SHA512, saltedPassword, utf8("Client Key"));
        byte[] storedKey = MessageDigest.getInstance("SHA-512").digest(clientKey);
        byte[] serverKey = TestScramClient.hmac(ScramMechanism.SHA512, saltedPassword, utf8("Server Key"));
        String clientFirstBare = "n=user,r=" + clientNonce;
        String serverFirst = "r=" + clientNonce + serverNonce + ",s=" + salt + ",i=4096";
        String withoutProof = "c=biws,r=" + clientNonce + serverNonce;
        byte[] authMessage = utf8(clientFirstBare + "," + serverFirst + "," + withoutProof);
        byte[] proof =
                TestScramClient.xor(clientKey, TestScramClient.hmac(ScramMechanism.SHA512, storedKey, authMessage));
        String serverSignature =
                Base64.getEncoder().encodeToString(TestScramClient.hmac(ScramMechanism.SHA512, serverKey, authMessage));

        SaslOutcome first = exchange.start("SCRAM-SHA512", utf8("n,," + clientFirstBare));
        assertThat(text(first.serverMessage())).isEqualTo(serverFirst);
        SaslOutcome last = exchange.step(
                "SCRAM-SHA512", utf8(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)));
        assertThat(last.kind()).isEqualTo(SaslOutcome.Kind.SUCCESS);
        assertThat(text(last.serverMessage())).isEqualTo("v=" + serverSignature);
    }

    @Test
    void storedSecretsAreStoredKeyAndServerKeyOfRfc5802() {
        UserStore users = UserStore.builder()
                .iterations(4096)
                .saltSource((user, mechanism) -> b64("QSXCR+Q6sek8bf92"))
                .addUser(new User("user", false, BucketAccess.all()), "pencil")
                .build();
        for (ScramMechanism m : ScramMechanism.values()) {
            byte[] saltedPassword = TestScramClient.hi(m, utf8("pencil"), b64("QSXCR+Q6sek8bf92"), 4096);
            ScramSecret secret = users.scramSecret("user", m).orElseThrow();
            assertThat(secret.iterations()).isEqualTo(4096);
            assertThat(secret.salt()).isEqualTo(b64("QSXCR+Q6sek8bf92"));
            assertThat(secret.storedKey())
                    .isEqualTo(TestScramClient.digest(m, TestScramClient.hmac(m, saltedPassword, utf8("Client Key"))));
            assertThat(secret.serverKey()).isEqualTo(TestScramClient.hmac(m, saltedPassword, utf8("Server Key")));
        }
    }

    @Test
    void mechanismsCarryMcbpNamesAndHashLengths() {
        assertThat(ScramMechanism.SHA512.mechanismName()).isEqualTo("SCRAM-SHA512");
        assertThat(ScramMechanism.SHA256.mechanismName()).isEqualTo("SCRAM-SHA256");
        assertThat(ScramMechanism.SHA1.mechanismName()).isEqualTo("SCRAM-SHA1");
        assertThat(ScramMechanism.SHA512.hashLength()).isEqualTo(64);
        assertThat(ScramMechanism.SHA256.hashLength()).isEqualTo(32);
        assertThat(ScramMechanism.SHA1.hashLength()).isEqualTo(20);
        assertThat(ScramMechanism.fromMechanismName("SCRAM-SHA256")).contains(ScramMechanism.SHA256);
        assertThat(ScramMechanism.fromMechanismName("SCRAM-SHA-256")).isEmpty();
        assertThat(ScramMechanism.fromMechanismName("scram-sha256")).isEmpty();
    }
}
