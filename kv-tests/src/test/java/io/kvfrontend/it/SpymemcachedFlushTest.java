package io.kvfrontend.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.testsupport.TestServer;
import java.util.List;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.OperationFuture;
import org.junit.jupiter.api.Test;

/** Flush through spymemcached: enabled by default, NotSupported where the bucket disables it. */
class SpymemcachedFlushTest {

    @Test
    void flushRemovesEveryItem() throws Exception {
        try (TestServer server = TestServer.start();
                Spy s = Spy.connect(server.port())) {
            MemcachedClient c = s.client();
            for (int i = 0; i < 50; i++) {
                assertThat(c.set("flush-" + i, 0, "v").get()).isTrue();
            }
            assertThat(c.flush().get()).isTrue();
            for (int i = 0; i < 50; i++) {
                assertThat(c.get("flush-" + i)).isNull();
            }
            assertThat(s.client().getStats().values().iterator().next()).containsEntry("curr_items", "0");
            assertThat(c.set("after-flush", 0, "v").get())
                    .as("the bucket is usable after a flush")
                    .isTrue();
            assertThat(c.get("after-flush")).isEqualTo("v");
        }
    }

    @Test
    void flushOfABucketWithFlushDisabledIsNotSupportedAndKeepsTheItems() throws Exception {
        BucketConfig noFlush = new BucketConfig(
                "default",
                BucketConfig.DEFAULT_QUOTA_BYTES,
                BucketConfig.DEFAULT_VBUCKETS,
                BucketConfig.DEFAULT_MAX_VALUE_BYTES,
                false);
        try (TestServer server = TestServer.start(
                        TestServer.config().buckets(List.of(noFlush)).build());
                Spy s = Spy.connect(server.port())) {
            MemcachedClient c = s.client();
            assertThat(c.set("kept", 0, "v").get()).isTrue();
            OperationFuture<Boolean> flush = c.flush();
            // spymemcached reports the flush status as the future's value (its getStatus() always says OK).
            assertThat(flush.get()).isFalse();
            assertThat(c.get("kept")).isEqualTo("v");
        }
    }
}
