package io.kvfrontend.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.CookieOutput.WriteResult;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.OutputFrame;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * No deadlock: sync hand-off invoked from the event loop itself writes directly instead of waiting
 * on itself, and producers stalled by a client that does not read hold nothing the loop needs, so
 * other connections on the same (single) event loop keep being served.
 */
class CookieOutputDeadlockTest {
    private StreamCommand stream;

    @BeforeEach
    void setUp() {
        stream = new StreamCommand(4);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    @Test
    void syncModeCalledOnTheEventLoopWritesDirectly() throws Exception {
        try (TestServer server = TestServer.start(
                        TestServer.config().outputMode(OutputMode.SYNC).build());
                McbpClient c = server.client()) {
            Connection conn = server.connectionOf(c);
            CommandCookie cookie = conn.newCookie(0x0a, 4242);
            OutputFrame frame = new OutputFrame(
                    Status.SUCCESS, Datatype.RAW, 0, null, null, "from the loop".getBytes(StandardCharsets.US_ASCII));
            WriteResult result =
                    conn.eventLoop().submit(() -> cookie.write(frame)).get(5, TimeUnit.SECONDS);
            assertThat(result).isEqualTo(WriteResult.OK);
            Response r = c.receive();
            assertThat(r.opaque()).isEqualTo(4242);
            assertThat(r.valueString()).isEqualTo("from the loop");
            assertThat(server.server().context().outputMetrics().snapshot().handOffs())
                    .isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void stalledProducersDoNotStarveOtherConnectionsOnTheSameLoop(OutputMode mode) {
        try (TestServer server = TestServer.start(
                        TestServer.config()
                                .outputMode(mode)
                                .eventLoopThreads(1)
                                .spoolWaterMarks(32 * 1024, 128 * 1024)
                                .socketSendBuffer(
                                        64 * 1024) // fixed: the pause must not depend on the kernel's auto-tuning
                                .build(),
                        List.of(stream.spec()));
                McbpClient stalled = McbpClient.connect(server.port(), 8 * 1024);
                McbpClient other = server.client()) {
            stalled.send(StreamCommand.request(1, 4, 50_000, 1024));
            Await.until(
                    Duration.ofSeconds(20),
                    () -> stream.pauses.get() > 0 && stream.producersRunning.get() == 0,
                    () -> "producers paused " + stream.pauses + ", running " + stream.producersRunning);
            for (int i = 0; i < 2000; i++) {
                Response set = other.call(Frames.request(0x01)
                        .key("k" + (i % 10))
                        .extras(Frames.storeExtras(0, 0))
                        .value("v" + i)
                        .opaque(i));
                assertThat(set.status()).isZero();
                assertThat(set.opaque()).isEqualTo(i);
            }
            assertThat(stream.producersRunning.get())
                    .as("no producer thread parked")
                    .isZero();
            stalled.abort();
            Await.until(
                    Duration.ofSeconds(20),
                    () -> stream.producersFinished.get() == 4 && stream.producersRunning.get() == 0,
                    () -> "producers finished " + stream.producersFinished);
        }
    }
}
