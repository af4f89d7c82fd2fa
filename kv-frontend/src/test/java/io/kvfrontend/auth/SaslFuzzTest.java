package io.kvfrontend.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the SASL exchanges: PLAIN, and SCRAM-SHA1/256/512 with a first
 * message that is either arbitrary or well-formed (so the fuzzer reaches the final message and its
 * proof). Nothing throws, and only the right password ever logs in.
 */
class SaslFuzzTest {
    private static final String[] MECHANISMS = {"PLAIN", "SCRAM-SHA1", "SCRAM-SHA256", "SCRAM-SHA512", "CRAM-MD5", ""};
    private static SaslServer server;

    @BeforeAll
    static void setUp() {
        server = SaslServer.create(UserStore.builder()
                .iterations(16)
                .addUser(new User("Administrator", true, BucketAccess.all()), "password")
                .build());
    }

    @FuzzTest(maxDuration = "10s")
    void anyClientMessagesGetAnOutcome(FuzzedDataProvider data) {
        SaslExchange exchange = server.newExchange();
        String mechanism = data.pickValue(MECHANISMS);
        byte[] first = data.consumeBoolean()
                ? ("n,,n=" + data.consumeString(20) + ",r=" + data.consumeString(40)).getBytes(StandardCharsets.UTF_8)
                : data.consumeBytes(data.consumeInt(0, 200));
        SaslOutcome start = exchange.start(mechanism, first);
        assertThat(start).isNotNull();
        if (start.kind() == SaslOutcome.Kind.SUCCESS) {
            assertThat(mechanism).isEqualTo("PLAIN");
            assertThat(new String(first, StandardCharsets.UTF_8)).contains("password");
        }
        for (int i = data.consumeInt(0, 2); i > 0; i--) {
            SaslOutcome step = exchange.step(data.pickValue(MECHANISMS), data.consumeBytes(data.consumeInt(0, 300)));
            assertThat(step).isNotNull();
            assertThat(step.kind()).as("a SCRAM proof cannot be guessed").isNotEqualTo(SaslOutcome.Kind.SUCCESS);
        }
    }
}
