package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cluster-map push (HELLO Duplex + ClustermapChangeNotification[Brief], mcbp-protocol.md 9.2): when
 * a bucket is created or deleted, subscribed connections get a server request 0x82/0x01 with the new
 * version (and, in full mode, the map), in the order of their other output; others get nothing.
 */
class ClusterMapPushTest {
    private static final int HELLO = 0x1f;
    private static final int SELECT_BUCKET = 0x89;
    private static final int GET_CLUSTER_CONFIG = 0xb5;
    private static final int CREATE_BUCKET = 0x85;
    private static final int DELETE_BUCKET = 0x86;
    private static final int NOOP = 0x0a;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<Integer> hello(McbpClient c, int... features) {
        ByteBuffer b = ByteBuffer.allocate(features.length * 2);
        for (int f : features) {
            b.putShort((short) f);
        }
        Response r = c.call(Frames.request(HELLO).key("push-test").value(b.array()));
        assertThat(r.status()).isZero();
        List<Integer> acked = new ArrayList<>();
        ByteBuffer v = ByteBuffer.wrap(r.value());
        while (v.hasRemaining()) {
            acked.add(v.getShort() & 0xffff);
        }
        return acked;
    }

    /** HELLO with the features, bucket default selected, its map fetched: the revision it has. */
    private static long subscribe(McbpClient c, int... features) {
        hello(c, features);
        assertThat(c.call(Frames.request(SELECT_BUCKET).key("default")).status())
                .isZero();
        Response config = c.call(Frames.request(GET_CLUSTER_CONFIG));
        assertThat(config.status()).isZero();
        try {
            return JSON.readTree(config.value()).get("rev").asLong();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void helloAcksDuplexAndTheBriefVariantWhenBothAreAskedFor() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            assertThat(hello(
                            c,
                            Feature.DUPLEX,
                            Feature.CLUSTERMAP_CHANGE_NOTIFICATION,
                            Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF))
                    .containsExactly(Feature.DUPLEX, Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF);
            assertThat(hello(c, Feature.DUPLEX, Feature.CLUSTERMAP_CHANGE_NOTIFICATION))
                    .containsExactly(Feature.DUPLEX, Feature.CLUSTERMAP_CHANGE_NOTIFICATION);
            Response bad = c.call(Frames.request(HELLO).key("x").value(new byte[] {0, 0x1f}));
            assertThat(bad.status()).isEqualTo(Status.EINVAL.code());
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aBucketChangeIsPushedToSubscribersOnly(OutputMode mode) throws Exception {
        try (TestServer server = TestServer.start(mode);
                McbpClient brief = server.client();
                McbpClient full = server.client();
                McbpClient plain = server.client();
                McbpClient admin = server.client()) {
            long briefRev =
                    subscribe(brief, Feature.DUPLEX, Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF, Feature.JSON);
            long fullRev = subscribe(full, Feature.DUPLEX, Feature.CLUSTERMAP_CHANGE_NOTIFICATION, Feature.JSON);
            subscribe(plain, Feature.JSON);

            assertThat(admin.call(Frames.request(CREATE_BUCKET).key("pushed").value("\0"))
                            .status())
                    .isZero();

            Response b = brief.receive();
            assertThat(b.magic()).isEqualTo(0x82);
            assertThat(b.opcode()).isEqualTo(0x01);
            assertThat(b.opaque()).isZero();
            assertThat(b.keyString()).isEqualTo("default");
            assertThat(b.extras()).hasSize(16);
            assertThat(b.extrasLong(0))
                    .isEqualTo(server.server().context().clusterMap().epoch());
            assertThat(b.extrasLong(8))
                    .isGreaterThan(briefRev)
                    .isEqualTo(server.server().context().clusterMap().revision());
            assertThat(b.value()).isEmpty();
            assertThat(b.datatype()).isZero();

            Response f = full.receive();
            assertThat(f.magic()).isEqualTo(0x82);
            assertThat(f.keyString()).isEqualTo("default");
            assertThat(f.extrasLong(8)).isGreaterThan(fullRev);
            assertThat(f.datatype()).isEqualTo(0x01);
            JsonNode map = JSON.readTree(f.value());
            assertThat(map.get("name").asText()).isEqualTo("default");
            assertThat(map.get("rev").asLong()).isEqualTo(f.extrasLong(8));

            // A client without notifications gets nothing: its next frame answers its next request.
            assertThat(plain.call(Frames.request(NOOP).opaque(7)).opaque()).isEqualTo(7);
            // A subscriber's replies to server requests (magic 0x83) are accepted and ignored.
            brief.sendRaw(serverResponse());
            assertThat(brief.call(Frames.request(NOOP).opaque(8)).opaque()).isEqualTo(8);

            // Deleting is a change too; a subscriber that has this version gets no second push.
            assertThat(admin.call(Frames.request(DELETE_BUCKET).key("pushed")).status())
                    .isZero();
            Response again = brief.receive();
            assertThat(again.magic()).isEqualTo(0x82);
            assertThat(again.extrasLong(8)).isGreaterThan(b.extrasLong(8));
            Response next = brief.call(Frames.request(NOOP).opaque(9));
            assertThat(next.magic()).isEqualTo(0x81);
            assertThat(next.opaque()).isEqualTo(9);
            assertThat(full.receive().magic()).isEqualTo(0x82);
            // Two subscribers, two changes.
            io.kvfrontend.testsupport.Await.until(
                    java.time.Duration.ofSeconds(10),
                    () -> server.server().context().stats().clusterMapPushes.sum() == 4,
                    "4 pushes counted");
        }
    }

    @Test
    void aServerResponseWithoutDuplexClosesTheConnection() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            c.sendRaw(serverResponse());
            c.awaitClosedByServer(java.time.Duration.ofSeconds(10));
        }
    }

    /** A 24-byte 0x83 frame answering a 0x01 server request. */
    private static byte[] serverResponse() {
        byte[] f = new byte[24];
        f[0] = (byte) 0x83;
        f[1] = 0x01;
        return f;
    }
}
