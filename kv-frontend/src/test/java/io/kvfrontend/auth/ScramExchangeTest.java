package io.kvfrontend.auth;

import static io.kvfrontend.auth.AuthFixtures.FAST_ITERATIONS;
import static io.kvfrontend.auth.AuthFixtures.store;
import static io.kvfrontend.auth.AuthFixtures.text;
import static io.kvfrontend.auth.AuthFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.auth.SaslOutcome.Kind;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Full SCRAM exchanges between the server side and {@link TestScramClient}, and their sequencing rules. */
class ScramExchangeTest {
    private static final Pattern SERVER_FIRST = Pattern.compile("r=([!-+\\--~]+),s=([A-Za-z0-9+/=]+),i=(\\d+)");

    private final UserStore users = store(FAST_ITERATIONS, "alice", "s3cret-Passw0rd", "bob", "hunter2");
    private final SaslServer server = SaslServer.create(users);

    /** Runs one exchange; returns the final outcome after checking what a real client checks. */
    private static SaslOutcome exchange(SaslExchange ex, TestScramClient client, ScramMechanism m) {
        SaslOutcome first = ex.start(m.mechanismName(), client.clientFirst());
        assertThat(first.kind()).as(first.reason()).isEqualTo(Kind.CONTINUE);
        assertThat(ex.inProgress()).isTrue();
        SaslOutcome last = ex.step(m.mechanismName(), client.clientFinal(first.serverMessage()));
        assertThat(ex.inProgress()).isFalse();
        if (last.kind() == Kind.SUCCESS) {
            assertThat(text(last.serverMessage())).isEqualTo(client.expectedServerFinal());
        }
        return last;
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void roundTripSucceedsWithDefaultIterations(ScramMechanism m) {
        UserStore defaults = UserStore.builder()
                .addUser(new User("alice", true, BucketAccess.none()), "s3cret-Passw0rd")
                .build();
        SaslOutcome done = exchange(
                SaslServer.create(defaults).newExchange(),
                new TestScramClient(m, "alice", "s3cret-Passw0rd", "clientNonce123"),
                m);
        assertThat(done.kind()).isEqualTo(Kind.SUCCESS);
        assertThat(done.mcbpStatus()).isZero();
        assertThat(done.user()).hasValueSatisfying(u -> {
            assertThat(u.name()).isEqualTo("alice");
            assertThat(u.admin()).isTrue();
        });
    }

    @Test
    void serverFirstHasExactlyNonceSaltAndIterationsInOrder() {
        SaslOutcome first = server.newExchange().start("SCRAM-SHA512", utf8("n,,n=alice,r=abc"));
        Matcher m = SERVER_FIRST.matcher(text(first.serverMessage()));
        assertThat(m.matches()).as(text(first.serverMessage())).isTrue();
        assertThat(m.group(1)).startsWith("abc");
        assertThat(Base64.getDecoder().decode(m.group(2))).hasSize(64);
        assertThat(m.group(3)).isEqualTo(String.valueOf(FAST_ITERATIONS));
    }

    @Test
    void defaultServerNonceIs24RandomBytesOfBase64AndFreshEachTime() {
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            Matcher m = SERVER_FIRST.matcher(text(server.newExchange()
                    .start("SCRAM-SHA256", utf8("n,,n=alice,r=abc"))
                    .serverMessage()));
            assertThat(m.matches()).isTrue();
            String serverPart = m.group(1).substring(3);
            assertThat(Base64.getDecoder().decode(serverPart)).hasSize(24);
            assertThat(serverPart).doesNotContain(",");
            nonces.add(serverPart);
        }
        assertThat(nonces).hasSize(5);
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void roundTripSucceedsWithTheMinimumOfTwoIterations(ScramMechanism m) {
        SaslServer two = SaslServer.create(store(2, "alice", "pw"));
        assertThat(exchange(two.newExchange(), new TestScramClient(m, "alice", "pw", "n0nce"), m)
                        .kind())
                .isEqualTo(Kind.SUCCESS);
    }

    @Test
    void nonAsciiPasswordIsHashedAsUtf8() {
        SaslServer s = SaslServer.create(store(FAST_ITERATIONS, "jörg", "pässwörd-ü€"));
        assertThat(exchange(
                                s.newExchange(),
                                new TestScramClient(ScramMechanism.SHA256, "jörg", "pässwörd-ü€", "n"),
                                ScramMechanism.SHA256)
                        .kind())
                .isEqualTo(Kind.SUCCESS);
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void wrongPasswordFailsAtTheFinalStepAndTheReasonHoldsNoSecret(ScramMechanism m) {
        SaslOutcome done = exchange(server.newExchange(), new TestScramClient(m, "alice", "guess", "xyz"), m);
        assertThat(done.kind()).isEqualTo(Kind.FAILURE);
        assertThat(done.mcbpStatus()).isEqualTo(0x20);
        assertThat(done.reason()).isEqualTo("Authentication failed");
        assertThat(done.reason()).doesNotContain("guess", "s3cret", "alice");
        assertThat(done.serverMessage()).isEmpty();
        assertThat(done.user()).isEmpty();
        assertThat(done.toString()).doesNotContain("guess", "s3cret");
    }

    @Test
    void unknownUserGetsAServerFirstShapedLikeAKnownUsersAndFailsOnlyAtTheEnd() {
        Matcher known = SERVER_FIRST.matcher(text(server.newExchange()
                .start("SCRAM-SHA512", utf8("n,,n=alice,r=abc"))
                .serverMessage()));
        SaslExchange ex = server.newExchange();
        SaslOutcome first = ex.start("SCRAM-SHA512", utf8("n,,n=mallory,r=abc"));
        assertThat(first.kind()).isEqualTo(Kind.CONTINUE);
        Matcher unknown = SERVER_FIRST.matcher(text(first.serverMessage()));
        assertThat(known.matches()).isTrue();
        assertThat(unknown.matches()).isTrue();
        assertThat(unknown.group(1)).hasSameSizeAs(known.group(1));
        assertThat(unknown.group(2)).hasSameSizeAs(known.group(2));
        assertThat(unknown.group(3)).isEqualTo(known.group(3));

        SaslOutcome done = ex.step(
                "SCRAM-SHA512",
                new TestScramClient(ScramMechanism.SHA512, "mallory", "pw", "abc").clientFinal(first.serverMessage()));
        SaslOutcome wrongPassword = exchange(
                server.newExchange(),
                new TestScramClient(ScramMechanism.SHA512, "alice", "pw", "abc"),
                ScramMechanism.SHA512);
        assertThat(done.kind()).isEqualTo(Kind.FAILURE);
        assertThat(done.reason()).isEqualTo(wrongPassword.reason());
    }

    @Test
    void unknownUsersFakeSaltIsStableAcrossAttemptsAndDiffersPerNameAndMechanism() {
        String a1 = salt(server, "SCRAM-SHA256", "mallory");
        String a2 = salt(server, "SCRAM-SHA256", "mallory");
        assertThat(a1).isEqualTo(a2);
        assertThat(salt(server, "SCRAM-SHA256", "trudy")).isNotEqualTo(a1);
        assertThat(salt(server, "SCRAM-SHA1", "mallory")).isNotEqualTo(a1);
        // A known user's salt is stable too, so stability alone reveals nothing.
        assertThat(salt(server, "SCRAM-SHA256", "alice")).isEqualTo(salt(server, "SCRAM-SHA256", "alice"));
    }

    private static String salt(SaslServer s, String mech, String user) {
        Matcher m = SERVER_FIRST.matcher(text(
                s.newExchange().start(mech, utf8("n,,n=" + user + ",r=abc")).serverMessage()));
        assertThat(m.matches()).isTrue();
        return m.group(2);
    }

    @Test
    void rfc5802EscapedUserNameIsDecoded() {
        SaslServer s = SaslServer.create(store(FAST_ITERATIONS, "a,b=c", "pw"));
        SaslOutcome done = exchange(
                s.newExchange(),
                new TestScramClient(ScramMechanism.SHA256, "a=2Cb=3Dc", "pw", "n"),
                ScramMechanism.SHA256);
        assertThat(done.kind()).isEqualTo(Kind.SUCCESS);
        assertThat(done.user().orElseThrow().name()).isEqualTo("a,b=c");
    }

    @Test
    void unescapedEqualsSignAsTheSdkSendsItIsTakenLiterally() {
        SaslServer s = SaslServer.create(store(FAST_ITERATIONS, "x=y", "pw"));
        SaslOutcome done = exchange(
                s.newExchange(), new TestScramClient(ScramMechanism.SHA512, "x=y", "pw", "n"), ScramMechanism.SHA512);
        assertThat(done.user().orElseThrow().name()).isEqualTo("x=y");
    }

    @Test
    void userLiterallyNamedLikeAnEscapeCanLogInUnescaped() {
        SaslServer s = SaslServer.create(store(FAST_ITERATIONS, "p=2Cq", "pw"));
        SaslOutcome done = exchange(
                s.newExchange(), new TestScramClient(ScramMechanism.SHA1, "p=2Cq", "pw", "n"), ScramMechanism.SHA1);
        assertThat(done.user().orElseThrow().name()).isEqualTo("p=2Cq");
    }

    @Test
    void gs2FlagYIsAcceptedWithItsOwnChannelBindingValue() {
        TestScramClient client = new TestScramClient(ScramMechanism.SHA256, "bob", "hunter2", "n", "y,,");
        assertThat(exchange(server.newExchange(), client, ScramMechanism.SHA256).kind())
                .isEqualTo(Kind.SUCCESS);
    }

    @Test
    void stepBeforeStartIsInvalid() {
        SaslOutcome out = server.newExchange().step("SCRAM-SHA512", utf8("c=biws,r=abc,p=AAAA"));
        assertThat(out.kind()).isEqualTo(Kind.INVALID);
        assertThat(out.mcbpStatus()).isEqualTo(0x04);
        assertThat(out.reason()).contains("without a SASL exchange in progress");
    }

    @Test
    void stepAfterSuccessIsInvalidAndANewStartReauthenticates() {
        SaslExchange ex = server.newExchange();
        TestScramClient client = new TestScramClient(ScramMechanism.SHA256, "alice", "s3cret-Passw0rd", "n1");
        SaslOutcome first = ex.start("SCRAM-SHA256", client.clientFirst());
        byte[] clientFinal = client.clientFinal(first.serverMessage());
        assertThat(ex.step("SCRAM-SHA256", clientFinal).kind()).isEqualTo(Kind.SUCCESS);

        SaslOutcome replay = ex.step("SCRAM-SHA256", clientFinal);
        assertThat(replay.kind()).isEqualTo(Kind.INVALID);

        SaslOutcome again =
                exchange(ex, new TestScramClient(ScramMechanism.SHA1, "bob", "hunter2", "n2"), ScramMechanism.SHA1);
        assertThat(again.user().orElseThrow().name()).isEqualTo("bob");
    }

    @Test
    void wrongProofCannotBeRetriedOnTheSameExchange() {
        SaslExchange ex = server.newExchange();
        TestScramClient wrong = new TestScramClient(ScramMechanism.SHA256, "alice", "nope", "n1");
        SaslOutcome first = ex.start("SCRAM-SHA256", wrong.clientFirst());
        assertThat(ex.step("SCRAM-SHA256", wrong.clientFinal(first.serverMessage()))
                        .kind())
                .isEqualTo(Kind.FAILURE);

        TestScramClient right = new TestScramClient(ScramMechanism.SHA256, "alice", "s3cret-Passw0rd", "n1");
        assertThat(ex.step("SCRAM-SHA256", right.clientFinal(first.serverMessage()))
                        .kind())
                .isEqualTo(Kind.INVALID);
    }

    @Test
    void stepWithAnotherMechanismIsInvalidAndEndsTheExchange() {
        SaslExchange ex = server.newExchange();
        TestScramClient client = new TestScramClient(ScramMechanism.SHA512, "alice", "s3cret-Passw0rd", "n1");
        SaslOutcome first = ex.start("SCRAM-SHA512", client.clientFirst());
        byte[] clientFinal = client.clientFinal(first.serverMessage());

        SaslOutcome out = ex.step("SCRAM-SHA256", clientFinal);
        assertThat(out.kind()).isEqualTo(Kind.INVALID);
        assertThat(out.reason()).contains("'SCRAM-SHA256'", "SCRAM-SHA512");
        assertThat(ex.inProgress()).isFalse();
        assertThat(ex.step("SCRAM-SHA512", clientFinal).kind()).isEqualTo(Kind.INVALID);
    }

    @Test
    void startDuringAnExchangeReplacesIt() {
        SaslExchange ex = server.newExchange();
        TestScramClient old = new TestScramClient(ScramMechanism.SHA512, "alice", "s3cret-Passw0rd", "old");
        byte[] oldFinal =
                old.clientFinal(ex.start("SCRAM-SHA512", old.clientFirst()).serverMessage());
        ex.start("SCRAM-SHA512", utf8("n,,n=alice,r=new"));
        assertThat(ex.mechanismInProgress()).contains("SCRAM-SHA512");

        SaslOutcome out = ex.step("SCRAM-SHA512", oldFinal);
        assertThat(out.kind()).isEqualTo(Kind.INVALID);
        assertThat(out.reason()).contains("nonce does not match");
    }

    @Test
    void resetDropsTheExchangeInProgress() {
        SaslExchange ex = server.newExchange();
        ex.start("SCRAM-SHA1", utf8("n,,n=alice,r=abc"));
        ex.reset();
        assertThat(ex.inProgress()).isFalse();
        assertThat(ex.mechanismInProgress()).isEmpty();
        assertThat(ex.step("SCRAM-SHA1", utf8("c=biws,r=abc,p=AAAA")).kind()).isEqualTo(Kind.INVALID);
    }

    @Test
    void unknownMechanismFailsWithTheOfferedListInTheReason() {
        SaslOutcome out = server.newExchange().start("CRAM-MD5", utf8("x"));
        assertThat(out.kind()).isEqualTo(Kind.FAILURE);
        assertThat(out.mcbpStatus()).isEqualTo(0x20);
        assertThat(out.reason()).contains("'CRAM-MD5'", "SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN");
    }

    @Test
    void malformedMechanismNameIsNotEchoed() {
        SaslOutcome out = server.newExchange().start("evil\r\nname<script>", utf8("x"));
        assertThat(out.kind()).isEqualTo(Kind.FAILURE);
        assertThat(out.reason()).doesNotContain("evil").contains("malformed name");
    }

    @Test
    void mechanismNotOfferedFailsSoTheSdkFallsBackToTheNextListedOne() {
        SaslServer limited = SaslServer.builder(users)
                .mechanisms(Mechanisms.of("SCRAM-SHA256", "SCRAM-SHA1"))
                .build();
        assertThat(limited.listMechanisms()).isEqualTo("SCRAM-SHA256 SCRAM-SHA1");
        SaslExchange ex = limited.newExchange();

        SaslOutcome strongest = ex.start("SCRAM-SHA512", utf8("n,,n=alice,r=abc"));
        assertThat(strongest.kind()).isEqualTo(Kind.FAILURE);
        assertThat(strongest.reason()).contains("supported: SCRAM-SHA256 SCRAM-SHA1");
        assertThat(ex.inProgress()).isFalse();

        SaslOutcome fallback = exchange(
                ex,
                new TestScramClient(ScramMechanism.SHA256, "alice", "s3cret-Passw0rd", "abc"),
                ScramMechanism.SHA256);
        assertThat(fallback.kind()).isEqualTo(Kind.SUCCESS);
    }

    @Test
    void outcomesAndExchangesPrintNoSecrets() {
        SaslExchange ex = server.newExchange();
        TestScramClient client = new TestScramClient(ScramMechanism.SHA256, "alice", "s3cret-Passw0rd", "n1");
        SaslOutcome first = ex.start("SCRAM-SHA256", client.clientFirst());
        assertThat(ex.toString()).isEqualTo("SaslExchange[SCRAM-SHA256]");
        SaslOutcome done = ex.step("SCRAM-SHA256", client.clientFinal(first.serverMessage()));
        assertThat(done.toString()).isEqualTo("SaslOutcome[SUCCESS, user=alice]");
        assertThat(first.toString()).isEqualTo("SaslOutcome[CONTINUE]");
        assertThat(ex.toString()).isEqualTo("SaslExchange[idle]");
    }
}
