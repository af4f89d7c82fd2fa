package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What happens to a connection as a whole: framing errors close it without an answer
 * (mcbp-protocol.md 1.1), a client that vanishes with responses pending leaves nothing behind, and
 * none of it disturbs other clients.
 */
class ConnectionLifecycleTest {
    private static TestServer server;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(TestServer.config().maxFrameBytes(64 * 1024).build());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static long stat(String name) {
        try (McbpClient c = server.client()) {
            List<Response> rs = c.send(Frames.request(STAT)).receiveStats();
            return rs.stream()
                    .filter(r -> r.keyString().equals(name))
                    .mapToLong(r -> Long.parseLong(r.valueString()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no stat " + name));
        }
    }

    private static void assertOthersStillServed() {
        try (McbpClient other = server.client()) {
            assertThat(other.call(noop().opaque(99)).opaque()).isEqualTo(99);
        }
    }

    @Test
    void aBadMagicClosesTheConnectionWithoutAnAnswer() {
        long before = stat("framing_errors");
        try (McbpClient c = server.client()) {
            c.send(noop().magic(0x81));
            c.awaitClosedByServer(Duration.ofSeconds(5));
        }
        assertThat(stat("framing_errors")).isEqualTo(before + 1);
        assertOthersStillServed();
    }

    @Test
    void sectionLengthsExceedingTheBodyCloseTheConnection() {
        try (McbpClient c = server.client()) {
            c.send(get("k").keyLengthField(200));
            c.awaitClosedByServer(Duration.ofSeconds(5));
        }
        assertOthersStillServed();
    }

    @Test
    void aFrameOverTheConfiguredLimitClosesTheConnectionBeforeItsBodyArrives() {
        try (McbpClient c = server.client()) {
            // Only the header is sent: the server judges the declared length.
            byte[] header =
                    Arrays.copyOf(set("big", "v").bodyLengthField(64 * 1024 + 1).build(), 24);
            c.sendRaw(header);
            c.awaitClosedByServer(Duration.ofSeconds(5));
        }
        assertOthersStillServed();
    }

    @Test
    void aRequestBeforeAFramingErrorInTheSameWriteIsExecuted() {
        try (McbpClient c = server.client()) {
            byte[] good = set("before-bad", "v").opaque(1).build();
            byte[] bad = noop().magic(0x42).build();
            byte[] both = Arrays.copyOf(good, good.length + bad.length);
            System.arraycopy(bad, 0, both, good.length, bad.length);
            c.sendRaw(both);
            c.awaitClosedByServer(Duration.ofSeconds(5));
        }
        try (McbpClient c = server.client()) {
            assertThat(c.call(get("before-bad")).valueString()).isEqualTo("v");
        }
    }

    @Test
    void aClientThatDisconnectsWithLargeResponsesPendingLeavesNothingBehind() {
        // The server's frame limit here is 64 KiB, so the 240 KiB value is built from appends.
        byte[] chunk = new byte[60 * 1024];
        Arrays.fill(chunk, (byte) 'z');
        try (McbpClient c = server.client()) {
            assertThat(c.call(Frames.request(SET)
                                    .key("pending")
                                    .extras(Frames.storeExtras(0, 0))
                                    .value(chunk))
                            .status())
                    .isEqualTo(SUCCESS);
            for (int i = 0; i < 3; i++) {
                assertThat(c.call(Frames.request(APPEND).key("pending").value(chunk))
                                .status())
                        .isEqualTo(SUCCESS);
            }
            Pipelined gets = new Pipelined();
            for (int i = 0; i < 200; i++) {
                gets.add(get("pending").opaque(i));
            }
            c.sendRaw(gets.bytes());
            assertThat(c.receive().opaque()).isZero();
            // Close with about 48 MB of responses still to come.
        }
        // Only the stat connection itself remains once the server has cleaned up.
        Await.until("the abandoned connection is gone", Duration.ofSeconds(10), () -> stat("curr_connections") == 1);
        assertOthersStillServed();
    }

    @Test
    void aRequestTricklingInOneByteAtATimeIsServed() {
        try (McbpClient c = server.client()) {
            byte[] frame = set("trickle", "slowly").opaque(42).build();
            for (byte b : frame) {
                c.sendRaw(new byte[] {b});
            }
            Response r = c.receive();
            assertThat(r.opaque()).isEqualTo(42);
            assertThat(r.status()).isEqualTo(SUCCESS);
            assertThat(c.call(get("trickle")).valueString()).isEqualTo("slowly");
        }
    }

    @Test
    void manyConnectionsAtOnceAreServedAndCounted() {
        int n = 100;
        List<McbpClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                clients.add(server.client());
            }
            for (int i = 0; i < n; i++) {
                assertThat(clients.get(i).call(set("many-" + i, "v" + i)).status())
                        .isEqualTo(SUCCESS);
            }
            for (int i = 0; i < n; i++) {
                assertThat(clients.get((i + 1) % n).call(get("many-" + i)).valueString())
                        .isEqualTo("v" + i);
            }
            // The clients, plus the connection that asks.
            Await.until("all connections are counted", Duration.ofSeconds(10), () -> stat("curr_connections") == n + 1);
        } finally {
            clients.forEach(McbpClient::close);
        }
        Await.until("every closed connection is gone", Duration.ofSeconds(10), () -> stat("curr_connections") == 1);
    }
}
