package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.FLUSH;
import static io.kvfrontend.it.Mcbp.FLUSHQ;
import static io.kvfrontend.it.Mcbp.KEY_ENOENT;
import static io.kvfrontend.it.Mcbp.NOOP;
import static io.kvfrontend.it.Mcbp.NOT_SUPPORTED;
import static io.kvfrontend.it.Mcbp.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flush and FlushQ on the wire (mcbp-protocol.md 4.2): this server flushes where the bucket allows it. */
class FlushTest {

    private static TestServer serverWithFlush(boolean enabled) {
        BucketConfig b = new BucketConfig(
                "default", BucketConfig.DEFAULT_QUOTA_BYTES, 64, BucketConfig.DEFAULT_MAX_VALUE_BYTES, enabled);
        return TestServer.start(TestServer.config().buckets(List.of(b)).build());
    }

    @Test
    void flushAnswersSuccessAndEmptiesTheBucket() {
        try (TestServer server = serverWithFlush(true);
                McbpClient c = server.client()) {
            Mcbp.mustSet(c, "a", "1");
            Mcbp.mustSet(c, "b", "2");
            Response r = c.call(Frames.request(FLUSH).opaque(5));
            assertThat(r.status()).isEqualTo(SUCCESS);
            assertThat(r.opaque()).isEqualTo(5);
            assertThat(c.call(Mcbp.get("a")).status()).isEqualTo(KEY_ENOENT);
            assertThat(c.call(Mcbp.get("b")).status()).isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void flushWithAZeroDelayExtrasIsAccepted() {
        try (TestServer server = serverWithFlush(true);
                McbpClient c = server.client()) {
            Mcbp.mustSet(c, "a", "1");
            assertThat(c.call(Frames.request(FLUSH).extras(Frames.int32(0))).status())
                    .isEqualTo(SUCCESS);
            assertThat(c.call(Mcbp.get("a")).status()).isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void flushQuietSendsNothingOnSuccess() {
        try (TestServer server = serverWithFlush(true);
                McbpClient c = server.client()) {
            Mcbp.mustSet(c, "a", "1");
            c.send(Frames.request(FLUSHQ).opaque(1)).send(Mcbp.noop().opaque(2));
            Response r = c.receive();
            assertThat(r.opcode()).isEqualTo(NOOP);
            assertThat(r.opaque()).isEqualTo(2);
            assertThat(c.call(Mcbp.get("a")).status()).isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void flushOfABucketWithFlushDisabledAnswersNotSupportedAndKeepsTheItems() {
        try (TestServer server = serverWithFlush(false);
                McbpClient c = server.client()) {
            Mcbp.mustSet(c, "a", "1");
            Response r = c.call(Frames.request(FLUSH).opaque(9));
            assertThat(r.status()).isEqualTo(NOT_SUPPORTED);
            assertThat(r.opaque()).isEqualTo(9);
            // An error is sent even for the quiet variant.
            c.send(Frames.request(FLUSHQ).opaque(10)).send(Mcbp.noop().opaque(11));
            List<Response> rs = c.receive(2);
            assertThat(rs.get(0).opcode()).isEqualTo(FLUSHQ);
            assertThat(rs.get(0).status()).isEqualTo(NOT_SUPPORTED);
            assertThat(rs.get(1).opaque()).isEqualTo(11);
            assertThat(c.call(Mcbp.get("a")).valueString()).isEqualTo("1");
        }
    }

    @Test
    void aDelayedFlushIsNotSupported() {
        try (TestServer server = serverWithFlush(true);
                McbpClient c = server.client()) {
            Mcbp.mustSet(c, "a", "1");
            assertThat(c.call(Frames.request(FLUSH).extras(Frames.int32(10))).status())
                    .isEqualTo(NOT_SUPPORTED);
            assertThat(c.call(Mcbp.get("a")).valueString()).isEqualTo("1");
        }
    }
}
