package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code max-connections}: connections beyond it are closed at once and counted; below it, served. */
class ConnectionLimitTest {

    @Test
    void connectionsOverTheLimitAreRefusedAndCountedAndRoomComesBack() {
        try (TestServer server =
                        TestServer.start(TestServer.config().maxConnections(2).build());
                McbpClient a = server.client();
                McbpClient b = server.client()) {
            assertThat(a.call(Frames.request(0x0a).opaque(1)).opaque()).isEqualTo(1);
            assertThat(b.call(Frames.request(0x0a).opaque(2)).opaque()).isEqualTo(2);
            try (McbpClient refused = server.client()) {
                refused.send(Frames.request(0x0a).opaque(3));
                refused.awaitClosedByServer(Duration.ofSeconds(5));
            }
            assertThat(server.server().context().stats().rejectedConnections.sum())
                    .isEqualTo(1);
            assertThat(server.server().context().stats().currConnections.get()).isEqualTo(2);

            a.close();
            Await.until(
                    Duration.ofSeconds(5),
                    () -> server.server().context().stats().currConnections.get() == 1,
                    "the closed connection is gone");
            try (McbpClient c = server.client()) {
                assertThat(c.call(Frames.request(0x0a).opaque(4)).opaque()).isEqualTo(4);
            }
            assertThat(b.call(Frames.request(0x0a).opaque(5)).opaque()).isEqualTo(5);
        }
    }
}
