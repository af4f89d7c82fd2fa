package io.kvfrontend.auth;

import static io.kvfrontend.auth.AuthFixtures.FAST_ITERATIONS;
import static io.kvfrontend.auth.AuthFixtures.store;
import static io.kvfrontend.auth.AuthFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.auth.SaslOutcome.Kind;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed SCRAM message is Einval (INVALID) with a reason naming the problem, and ends the exchange. */
class ScramMalformedMessagesTest {
    private static final String CLIENT_NONCE = "cNonce";
    private static final String SERVER_NONCE = "sNonce";
    private static final String NONCE = CLIENT_NONCE + SERVER_NONCE;

    private final SaslServer server = SaslServer.builder(store(FAST_ITERATIONS, "alice", "pw"))
            .nonceSource(() -> SERVER_NONCE)
            .build();

    static Stream<Arguments> badClientFirst() {
        return Stream.of(
                Arguments.of("empty", utf8(""), "GS2 header"),
                Arguments.of("unknown gs2 flag", utf8("x,,n=alice,r=abc"), "GS2 header"),
                Arguments.of("no gs2 header", utf8("n=alice,r=abc"), "GS2 header"),
                Arguments.of("channel binding requested", utf8("p=tls-unique,,n=alice,r=abc"), "channel binding"),
                Arguments.of("incomplete gs2 header", utf8("n,n=alice"), "incomplete GS2 header"),
                Arguments.of("authzid", utf8("n,a=admin,n=alice,r=abc"), "authorization identity"),
                Arguments.of("mandatory extension", utf8("n,,m=ext,n=alice,r=abc"), "mandatory extension"),
                Arguments.of("nonce before user", utf8("n,,r=abc,n=alice"), "expected n=<user>"),
                Arguments.of("empty user", utf8("n,,n=,r=abc"), "empty user name"),
                Arguments.of("missing nonce", utf8("n,,n=alice"), "expected r=<nonce>"),
                Arguments.of("other attribute for nonce", utf8("n,,n=alice,x=abc"), "expected r=<nonce>"),
                Arguments.of("empty nonce", utf8("n,,n=alice,r="), "client nonce is empty"),
                Arguments.of("malformed extension", utf8("n,,n=alice,r=abc,1=x"), "malformed attribute"),
                Arguments.of("empty trailing attribute", utf8("n,,n=alice,r=abc,"), "malformed attribute"),
                Arguments.of(
                        "not utf-8",
                        new byte[] {'n', ',', ',', 'n', '=', (byte) 0xC3, ',', 'r', '=', 'a'},
                        "not valid UTF-8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badClientFirst")
    void malformedClientFirstIsInvalid(String name, byte[] message, String reasonFragment) {
        SaslExchange ex = server.newExchange();
        SaslOutcome out = ex.start("SCRAM-SHA256", message);
        assertThat(out.kind()).isEqualTo(Kind.INVALID);
        assertThat(out.mcbpStatus()).isEqualTo(0x04);
        assertThat(out.reason()).contains(reasonFragment);
        assertThat(out.serverMessage()).isEmpty();
        assertThat(ex.inProgress()).isFalse();
    }

    /** A proof of the right length for SHA-256, never checked because the message fails earlier. */
    private static final String PROOF = Base64.getEncoder().encodeToString(new byte[32]);

    static Stream<Arguments> badClientFinal() {
        return Stream.of(
                Arguments.of("empty", utf8(""), "missing proof"),
                Arguments.of("no proof", utf8("c=biws,r=" + NONCE), "missing proof"),
                Arguments.of("nonce first", utf8("r=" + NONCE + ",c=biws,p=" + PROOF), "expected c="),
                Arguments.of(
                        "channel binding of another header",
                        utf8("c=eSws,r=" + NONCE + ",p=" + PROOF),
                        "does not match the GS2 header"),
                Arguments.of(
                        "channel binding not base64", utf8("c=b!ws,r=" + NONCE + ",p=" + PROOF), "not valid base64"),
                Arguments.of("empty channel binding", utf8("c=,r=" + NONCE + ",p=" + PROOF), "is empty"),
                Arguments.of("missing nonce", utf8("c=biws,p=" + PROOF), "expected r=<nonce>"),
                Arguments.of(
                        "client nonce only", utf8("c=biws,r=" + CLIENT_NONCE + ",p=" + PROOF), "nonce does not match"),
                Arguments.of("other nonce", utf8("c=biws,r=cNonceXXXXXX,p=" + PROOF), "nonce does not match"),
                Arguments.of("proof not base64", utf8("c=biws,r=" + NONCE + ",p=***"), "not valid base64"),
                Arguments.of("empty proof", utf8("c=biws,r=" + NONCE + ",p="), "proof p= is empty"),
                Arguments.of("short proof", utf8("c=biws,r=" + NONCE + ",p=AAAA"), "proof must be 32 bytes"),
                Arguments.of(
                        "attribute after proof",
                        utf8("c=biws,r=" + NONCE + ",p=" + PROOF + ",x=1"),
                        "not valid base64"),
                Arguments.of(
                        "malformed extension", utf8("c=biws,r=" + NONCE + ",1x,p=" + PROOF), "malformed attribute"),
                Arguments.of("not utf-8", new byte[] {'c', '=', (byte) 0xFF}, "not valid UTF-8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badClientFinal")
    void malformedClientFinalIsInvalidAndEndsTheExchange(String name, byte[] message, String reasonFragment) {
        SaslExchange ex = server.newExchange();
        assertThat(ex.start("SCRAM-SHA256", utf8("n,,n=alice,r=" + CLIENT_NONCE))
                        .kind())
                .isEqualTo(Kind.CONTINUE);
        SaslOutcome out = ex.step("SCRAM-SHA256", message);
        assertThat(out.kind()).isEqualTo(Kind.INVALID);
        assertThat(out.mcbpStatus()).isEqualTo(0x04);
        assertThat(out.reason()).contains(reasonFragment);
        assertThat(ex.inProgress()).isFalse();
    }

    @Test
    void optionalExtensionsAreAcceptedAndSigned() {
        TestScramClient client =
                new TestScramClient(ScramMechanism.SHA256, "alice", "pw", CLIENT_NONCE).withFirstExtension("x=future");
        SaslExchange ex = server.newExchange();
        SaslOutcome first = ex.start("SCRAM-SHA256", client.clientFirst());
        assertThat(first.kind()).isEqualTo(Kind.CONTINUE);
        SaslOutcome last = ex.step("SCRAM-SHA256", client.clientFinal(first.serverMessage()));
        assertThat(last.kind()).as(last.reason()).isEqualTo(Kind.SUCCESS);
        assertThat(AuthFixtures.text(last.serverMessage())).isEqualTo(client.expectedServerFinal());
    }

    @Test
    void unusableServerNonceFromTheSourceIsAServerBugNotAClientError() {
        SaslServer broken = SaslServer.builder(store(FAST_ITERATIONS, "alice", "pw"))
                .nonceSource(() -> "has,comma")
                .build();
        assertThatThrownBy(() -> broken.newExchange().start("SCRAM-SHA1", utf8("n,,n=alice,r=abc")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nonce source");
    }
}
