package io.kvfrontend.auth;

import static io.kvfrontend.auth.AuthFixtures.FAST_ITERATIONS;
import static io.kvfrontend.auth.AuthFixtures.store;
import static io.kvfrontend.auth.AuthFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.auth.SaslOutcome.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PLAIN over SASL_AUTH: one round trip, {@code [authzid] NUL user NUL password}, optional trailing NUL. */
class PlainMechanismTest {
    private final SaslServer server = SaslServer.create(store(FAST_ITERATIONS, "alice", "s3cret", "jörg", "pässwort"));

    private SaslOutcome plain(String message) {
        return server.newExchange().start("PLAIN", utf8(message));
    }

    @Test
    void succeedsWithEmptyAuthzidAndAnEmptyServerMessage() {
        SaslOutcome out = plain("\0alice\0s3cret");
        assertThat(out.kind()).isEqualTo(Kind.SUCCESS);
        assertThat(out.mcbpStatus()).isZero();
        assertThat(out.serverMessage()).isEmpty();
        assertThat(out.user().orElseThrow().name()).isEqualTo("alice");
    }

    @Test
    void ignoresTheAuthzid() {
        assertThat(plain("someone-else\0alice\0s3cret").user().orElseThrow().name())
                .isEqualTo("alice");
    }

    @Test
    void toleratesOneTrailingNul() {
        assertThat(plain("\0alice\0s3cret\0").kind()).isEqualTo(Kind.SUCCESS);
    }

    @Test
    void nonAsciiUserAndPasswordAreUtf8() {
        assertThat(plain("\0jörg\0pässwort").kind()).isEqualTo(Kind.SUCCESS);
    }

    @Test
    void plainLeavesNoExchangeInProgress() {
        SaslExchange ex = server.newExchange();
        ex.start("PLAIN", utf8("\0alice\0s3cret"));
        assertThat(ex.inProgress()).isFalse();
        assertThat(ex.step("PLAIN", utf8("\0alice\0s3cret")).kind()).isEqualTo(Kind.INVALID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\0alice\0wrong", "\0alice\0s3cre", "\0alice\0s3cret!", "\0alice\0", "\0Alice\0s3cret"})
    void wrongPasswordOrUserFailsWithoutSayingWhich(String message) {
        SaslOutcome out = plain(message);
        assertThat(out.kind()).isEqualTo(Kind.FAILURE);
        assertThat(out.mcbpStatus()).isEqualTo(0x20);
        assertThat(out.reason()).isEqualTo("Authentication failed");
        assertThat(out.user()).isEmpty();
    }

    @Test
    void unknownUserFailsWithTheSameReasonAsAWrongPassword() {
        assertThat(plain("\0mallory\0s3cret").reason())
                .isEqualTo(plain("\0alice\0wrong").reason());
        assertThat(plain("\0mallory\0s3cret").kind()).isEqualTo(Kind.FAILURE);
    }

    @Test
    void passwordThatIsNotUtf8Fails() {
        byte[] msg = {0, 'a', 'l', 'i', 'c', 'e', 0, (byte) 0xFF, (byte) 0xFE};
        assertThat(server.newExchange().start("PLAIN", msg).kind()).isEqualTo(Kind.FAILURE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "alice", "alice\0s3cret", "\0alice\0s3cret\0\0", "\0alice\0s3c\0ret", "\0\0s3cret"})
    void malformedMessageIsInvalid(String message) {
        SaslOutcome out = plain(message);
        assertThat(out.kind()).isEqualTo(Kind.INVALID);
        assertThat(out.mcbpStatus()).isEqualTo(0x04);
        assertThat(out.reason()).startsWith("PLAIN:").doesNotContain("s3cret");
    }

    @Test
    void plainIsRefusedWhenNotOffered() {
        SaslServer scramOnly = SaslServer.builder(server.users())
                .mechanisms(Mechanisms.parse("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1"))
                .build();
        SaslOutcome out = scramOnly.newExchange().start("PLAIN", utf8("\0alice\0s3cret"));
        assertThat(out.kind()).isEqualTo(Kind.FAILURE);
        assertThat(out.reason())
                .contains("supported: SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1")
                .doesNotContain("s3cret");
    }

    @Test
    void parsedCredentialsPrintNoPassword() throws Exception {
        PlainMechanism.Credentials c = PlainMechanism.parse(utf8("\0alice\0s3cret"));
        assertThat(c.user()).isEqualTo("alice");
        assertThat(c.password()).isEqualTo(utf8("s3cret"));
        assertThat(c.toString()).contains("alice").doesNotContain("s3cret");
    }
}
