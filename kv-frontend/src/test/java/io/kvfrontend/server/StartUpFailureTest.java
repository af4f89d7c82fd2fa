package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.config.ConfigException;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.TestServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A port that cannot be bound fails start-up with one message naming the setting, and leaks nothing. */
class StartUpFailureTest {

    @Test
    void aKvPortInUseIsAConfigErrorAndStopsTheEventLoops() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));

            assertThatThrownBy(() -> TestServer.start(
                            TestServer.config().port(taken.getLocalPort()).build()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("port: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        Await.until(
                Duration.ofSeconds(10),
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.isAlive() && t.getName().startsWith("kv-accept")),
                "the failed server's accept loop has stopped");
    }
}
