package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import org.junit.jupiter.api.Test;

/**
 * NOT COMMITTED: fails against CommandTable as of 28c019b (Stat spec is value(OPTIONAL) +
 * datatype(RAW)). mcbp-protocol.md 12 / 4.1: Stat's optional value must be valid JSON sent with
 * datatype JSON. Copy into kv-frontend/src/test/java/io/kvfrontend/dispatch/ to run.
 */
class StatValueValidationTest {
    @Test
    void rejectsAStatValueThatIsNotSentAsJson() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            Response r = c.call(Frames.request(0x10).value("not json").opaque(1));
            assertThat(r.status()).as("Stat with a raw value").isEqualTo(0x04);
            assertThat(r.opaque()).isEqualTo(1);
        }
    }

    /**
     * Ordering deviation (low priority): kv_engine's validator rejects an over-long key before the
     * engine ever looks at the vBucket; Dispatcher checks the vBucket first and answers
     * NotMyVbucket, which SDKs treat as "refresh the map and retry" instead of failing fast.
     */
    @Test
    void rejectsAnOverLongKeyBeforeLookingAtTheVbucket() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            Response r = c.call(
                    Frames.request(0x00).key("k".repeat(251)).vbucket(2000).opaque(2));
            assertThat(r.status()).as("Get, 251-byte key, vBucket 2000").isEqualTo(0x04);
        }
    }
}
