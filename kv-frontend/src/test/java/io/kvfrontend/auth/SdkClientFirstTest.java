package io.kvfrontend.auth;

import static io.kvfrontend.auth.AuthFixtures.FAST_ITERATIONS;
import static io.kvfrontend.auth.AuthFixtures.store;
import static io.kvfrontend.auth.AuthFixtures.text;
import static io.kvfrontend.auth.AuthFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.auth.SaslOutcome.Kind;
import io.kvfrontend.auth.SaslOutcome.Refusal;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SCRAM with the client-first messages real SDKs send, captured from the wire (a logging TCP proxy
 * between the SDK and this server, SASL_AUTH values as sent): accepted where Couchbase Server accepts
 * them, and every check that protects the exchange still applied to them.
 */
class SdkClientFirstTest {
    /** An official SDK's first SCRAM message, byte for byte. */
    enum Fixture {
        /** Java SDK 3.12.1 (core-io): a 28-character base64-alphabet nonce, as RFC 5802 wants. */
        JAVA_SDK_3_12_1("n,,n=Administrator,r=74DIsJLMYRgei9KqBuNu8SGWgzt8"),
        /**
         * Node.js SDK 4.7.1 (the Couchbase C++ core, as in the Python, C++, Ruby and PHP SDKs): the
         * nonce is eight random bytes printed as sign-extended hex numbers separated by spaces, which
         * RFC 5802's "printable" (no space) does not allow and kv_engine accepts.
         */
        NODE_SDK_4_7_1("n,,n=Administrator,r=0x54 0xffffffb7 0x54 0x7b 0xffffffc8 0xffffffcd 0xffffffce 0x20"),
        /** The same SDK, another connection: a nonce that ends in a space-separated value. */
        NODE_SDK_4_7_1_B("n,,n=Administrator,r=0x16 0xfffffffd 0xffffffda 0x77 0xffffff92 0xffffffd2 0x6f 0x29");

        final String clientFirst;

        Fixture(String clientFirst) {
            this.clientFirst = clientFirst;
        }

        String nonce() {
            return clientFirst.substring(clientFirst.indexOf(",r=") + 3);
        }

        TestScramClient client(String password) {
            return new TestScramClient(ScramMechanism.SHA512, "Administrator", password, nonce());
        }
    }

    private final UserStore users = store(FAST_ITERATIONS, "Administrator", "password");
    private final SaslServer server = SaslServer.create(users);

    @ParameterizedTest
    @EnumSource(Fixture.class)
    void theSdkClientFirstIsAcceptedAndTheServerNonceExtendsItsNonce(Fixture f) {
        SaslOutcome first = server.newExchange().start("SCRAM-SHA512", utf8(f.clientFirst));
        assertThat(first.kind()).as(first.reason()).isEqualTo(Kind.CONTINUE);
        String serverFirst = text(first.serverMessage());
        assertThat(serverFirst).startsWith("r=" + f.nonce()).contains(",s=").endsWith(",i=" + FAST_ITERATIONS);
        // The test client sends exactly the fixture's bytes.
        assertThat(text(f.client("password").clientFirst())).isEqualTo(f.clientFirst);
    }

    @ParameterizedTest
    @EnumSource(Fixture.class)
    void aWholeExchangeWithTheSdkNonceAuthenticates(Fixture f) {
        SaslExchange ex = server.newExchange();
        TestScramClient client = f.client("password");
        SaslOutcome first = ex.start("SCRAM-SHA512", client.clientFirst());
        SaslOutcome last = ex.step("SCRAM-SHA512", client.clientFinal(first.serverMessage()));
        assertThat(last.kind()).as(last.reason()).isEqualTo(Kind.SUCCESS);
        assertThat(text(last.serverMessage())).isEqualTo(client.expectedServerFinal());
    }

    @ParameterizedTest
    @EnumSource(Fixture.class)
    void aWrongPasswordIsStillRefusedAndSaysWhyToTheOperatorOnly(Fixture f) {
        SaslExchange ex = server.newExchange();
        TestScramClient client = f.client("not-the-password");
        SaslOutcome first = ex.start("SCRAM-SHA512", client.clientFirst());
        SaslOutcome last = ex.step("SCRAM-SHA512", client.clientFinal(first.serverMessage()));
        assertThat(last.kind()).isEqualTo(Kind.FAILURE);
        assertThat(last.reason()).isEqualTo("Authentication failed");
        assertThat(last.refusal()).hasValue(Refusal.WRONG_PASSWORD);
        assertThat(last.claimedUser()).isEqualTo("Administrator");
        assertThat(last.logReason()).isEqualTo("wrong password").doesNotContain(f.nonce());
    }

    @ParameterizedTest
    @EnumSource(Fixture.class)
    void theNonceEchoIsStillChecked(Fixture f) {
        SaslExchange ex = server.newExchange();
        SaslOutcome first = ex.start("SCRAM-SHA512", utf8(f.clientFirst));
        String combined = text(first.serverMessage()).split(",")[0].substring(2);
        // The client-final message echoes only the client's part of the nonce.
        String bad = "c=biws,r=" + f.nonce() + ",p=" + Base64.getEncoder().encodeToString(new byte[64]);
        SaslOutcome last = ex.step("SCRAM-SHA512", utf8(bad));
        assertThat(combined).isNotEqualTo(f.nonce());
        assertThat(last.kind()).isEqualTo(Kind.INVALID);
        assertThat(last.reason()).contains("nonce does not match");
        assertThat(last.refusal()).hasValue(Refusal.MALFORMED);
    }

    @ParameterizedTest
    @EnumSource(Fixture.class)
    void channelBindingIsStillRefused(Fixture f) {
        SaslOutcome first =
                server.newExchange().start("SCRAM-SHA512", utf8("p=tls-unique" + f.clientFirst.substring(1)));
        assertThat(first.kind()).isEqualTo(Kind.INVALID);
        assertThat(first.reason()).contains("channel binding");
        assertThat(first.claimedUser()).isEqualTo("Administrator");
    }

    @ParameterizedTest
    @EnumSource(Fixture.class)
    void aChannelBindingFlagThatDoesNotMatchTheHeaderIsRefused(Fixture f) {
        SaslExchange ex = server.newExchange();
        SaslOutcome first = ex.start("SCRAM-SHA512", utf8(f.clientFirst));
        String nonce = text(first.serverMessage()).split(",")[0].substring(2);
        // c= must be base64("n,,"), the GS2 header sent: "y,," here.
        String bad = "c=eSws,r=" + nonce + ",p=" + Base64.getEncoder().encodeToString(new byte[64]);
        SaslOutcome last = ex.step("SCRAM-SHA512", utf8(bad));
        assertThat(last.kind()).isEqualTo(Kind.INVALID);
        assertThat(last.reason()).contains("channel binding c= does not match");
    }
}
