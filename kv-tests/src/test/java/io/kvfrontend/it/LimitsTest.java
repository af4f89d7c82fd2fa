package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Key length, value size and memory quota limits (mcbp-protocol.md 3.3; BucketConfig). */
class LimitsTest {
    private static final int SMALL_MAX_VALUE = 1024;

    private static TestServer serverWith(long quotaBytes, int maxValueBytes) {
        BucketConfig b = new BucketConfig("default", quotaBytes, 64, maxValueBytes, true);
        return TestServer.start(TestServer.config().buckets(List.of(b)).build());
    }

    private static byte[] bytes(int n, char fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    private static Frames setBytes(String key, byte[] value) {
        return Frames.request(SET).key(key).extras(Frames.storeExtras(0, 0)).value(value);
    }

    @Test
    void aValueOfExactlyTheMaximumSizeIsStoredAndOneByteMoreIsE2big() {
        try (TestServer server = serverWith(BucketConfig.DEFAULT_QUOTA_BYTES, SMALL_MAX_VALUE);
                McbpClient c = server.client()) {
            byte[] max = bytes(SMALL_MAX_VALUE, 'a');
            assertThat(c.call(setBytes("max", max)).status()).isEqualTo(SUCCESS);
            assertThat(c.call(get("max")).value()).isEqualTo(max);

            Response tooBig =
                    c.call(setBytes("too-big", bytes(SMALL_MAX_VALUE + 1, 'b')).opaque(4));
            assertThat(tooBig.status()).isEqualTo(E2BIG);
            assertThat(tooBig.opaque()).isEqualTo(4);
            assertThat(c.call(get("too-big")).status()).isEqualTo(KEY_ENOENT);
            // Over the limit for an existing key leaves the old value in place.
            assertThat(c.call(setBytes("max", bytes(SMALL_MAX_VALUE + 1, 'c'))).status())
                    .isEqualTo(E2BIG);
            assertThat(c.call(get("max")).value()).isEqualTo(max);
        }
    }

    @Test
    void appendingPastTheMaximumSizeIsE2big() {
        try (TestServer server = serverWith(BucketConfig.DEFAULT_QUOTA_BYTES, SMALL_MAX_VALUE);
                McbpClient c = server.client()) {
            assertThat(c.call(setBytes("grow", bytes(SMALL_MAX_VALUE - 1, 'a'))).status())
                    .isEqualTo(SUCCESS);
            assertThat(c.call(concat(APPEND, "grow", "b")).status()).isEqualTo(SUCCESS);
            assertThat(c.call(concat(PREPEND, "grow", "c")).status()).isEqualTo(E2BIG);
            assertThat(c.call(get("grow")).value()).hasSize(SMALL_MAX_VALUE);
        }
    }

    @Test
    void aSubdocMutationThatGrowsTheDocumentPastTheMaximumIsE2bigAndChangesNothing() {
        try (TestServer server = serverWith(BucketConfig.DEFAULT_QUOTA_BYTES, SMALL_MAX_VALUE);
                McbpClient c = server.client()) {
            assertThat(c.call(Frames.request(0x1f).key("t").value(new byte[] {0, 0x0b}))
                            .status())
                    .isEqualTo(SUCCESS); // HELLO JSON: the document is stored as JSON
            String doc = "{\"a\":\"" + "x".repeat(SMALL_MAX_VALUE - 20) + "\"}";
            assertThat(c.call(setBytes("json", doc.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                            .status())
                    .isEqualTo(SUCCESS);
            String path = "b";
            String value = "\"" + "y".repeat(40) + "\"";
            Response r = c.call(Frames.request(0xc8) // SubdocDictUpsert
                    .key("json")
                    .extras(new byte[] {0, 1, 0})
                    .value(path + value));
            assertThat(r.status()).isEqualTo(E2BIG);
            assertThat(c.call(get("json")).valueString()).isEqualTo(doc);
        }
    }

    @Test
    void theDefaultMaximumValueSizeIsTwentyMebibytes() {
        int twentyMiB = 20 * 1024 * 1024;
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            byte[] max = bytes(twentyMiB, 'x');
            max[0] = 'F';
            max[twentyMiB - 1] = 'L';
            assertThat(c.call(setBytes("twenty-mib", max)).status()).isEqualTo(SUCCESS);
            assertThat(c.call(get("twenty-mib")).value()).isEqualTo(max);
            assertThat(c.call(setBytes("twenty-mib-plus-one", bytes(twentyMiB + 1, 'y')))
                            .status())
                    .isEqualTo(E2BIG);
            assertThat(c.call(get("twenty-mib-plus-one")).status()).isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void aKeyOf250BytesIsAcceptedAndOf251BytesIsEinval() {
        String k250 = "k".repeat(250);
        String k251 = "k".repeat(251);
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            assertThat(c.call(set(k250, "v")).status()).isEqualTo(SUCCESS);
            Response got = c.call(keyed(GETK, k250));
            assertThat(got.valueString()).isEqualTo("v");
            assertThat(got.keyString()).isEqualTo(k250);
            assertThat(c.call(set(k251, "v")).status()).isEqualTo(EINVAL);
            assertThat(c.call(get(k251)).status()).isEqualTo(EINVAL);
            assertThat(c.call(keyed(DELETE, k251)).status()).isEqualTo(EINVAL);
            assertThat(c.call(noop()).status()).as("connection still usable").isEqualTo(SUCCESS);
        }
    }

    @Test
    void aFullBucketAnswersEtmpfailAndAcceptsWritesAgainAfterDeletes() {
        try (TestServer server = serverWith(16 * 1024, BucketConfig.DEFAULT_MAX_VALUE_BYTES);
                McbpClient c = server.client()) {
            byte[] value = bytes(1000, 'q');
            int stored = 0;
            Response r;
            while ((r = c.call(setBytes("quota-" + stored, value))).status() == SUCCESS) {
                stored++;
                assertThat(stored).as("the quota never refused a write").isLessThan(1000);
            }
            assertThat(r.status()).isEqualTo(ETMPFAIL);
            assertThat(stored).isBetween(10, 16);
            // Everything stored before the bucket filled is still there.
            for (int i = 0; i < stored; i++) {
                assertThat(c.call(get("quota-" + i)).status()).isEqualTo(SUCCESS);
            }
            assertThat(c.call(setBytes("quota-other", value)).status()).isEqualTo(ETMPFAIL);
            assertThat(c.call(concat(APPEND, "quota-0", new String(value))).status())
                    .isEqualTo(ETMPFAIL);

            assertThat(c.call(keyed(DELETE, "quota-0")).status()).isEqualTo(SUCCESS);
            assertThat(c.call(keyed(DELETE, "quota-1")).status()).isEqualTo(SUCCESS);

            assertThat(c.call(setBytes("quota-other", value)).status()).isEqualTo(SUCCESS);
            assertThat(c.call(get("quota-other")).value()).isEqualTo(value);
        }
    }
}
