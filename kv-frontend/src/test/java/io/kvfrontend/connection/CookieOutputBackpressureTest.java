package io.kvfrontend.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The output is bounded: producers writing megabytes to a client that does not read are paused
 * (their threads released, not parked on a full socket), the bytes the server buffers for the
 * connection (counted as Netty counts them) stay under the high-water mark plus one frame per
 * producer, and once the client
 * reads, every frame arrives intact and in order.
 */
class CookieOutputBackpressureTest {
    private static final int LOW = 64 * 1024;
    private static final int HIGH = 256 * 1024;
    private static final int PRODUCERS = 3;
    private static final int FRAMES = 2000;
    private static final int VALUE = 4096;

    private StreamCommand stream;

    @BeforeEach
    void setUp() {
        stream = new StreamCommand(PRODUCERS);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aClientThatStopsReadingBoundsTheServersBufferAndLosesNothing(OutputMode mode) {
        try (TestServer server = TestServer.start(
                        TestServer.config()
                                .outputMode(mode)
                                .spoolWaterMarks(LOW, HIGH)
                                // Fixed, not auto-tuned: what the kernel holds must not depend on the machine.
                                .socketSendBuffer(64 * 1024)
                                .build(),
                        List.of(stream.spec()));
                McbpClient c = McbpClient.connect(server.port(), 16 * 1024)) {
            c.send(StreamCommand.request(7, PRODUCERS, FRAMES, VALUE));
            Connection conn = server.connectionOf(c);

            // 24 MB do not fit in socket buffers: the producers must be paused, holding no thread.
            Await.until(
                    Duration.ofSeconds(20),
                    () -> stream.pauses.get() > 0
                            && stream.producersRunning.get() == 0
                            && !conn.output().hasCapacity(),
                    () -> "paused " + stream.pauses + ", running " + stream.producersRunning);
            // A frame is two messages (header, value); Netty charges 96 bytes per message.
            long frameBytes = 24 + VALUE + 2 * 96;
            long bound = HIGH + PRODUCERS * frameBytes;
            long max = 0;
            for (int i = 0; i < 100; i++) {
                max = Math.max(max, buffered(conn));
            }
            assertThat(max)
                    .as("bytes buffered for the stalled connection")
                    .isLessThanOrEqualTo(bound)
                    .isGreaterThan(0);
            assertThat(stream.framesWritten.get()).isLessThan((long) PRODUCERS * FRAMES);

            // Now read: everything arrives, intact and in order, while producers resume.
            StreamFrames frames = new StreamFrames(7, VALUE);
            Response r;
            while (!frames.isFinal(r = c.receive())) {
                frames.accept(r);
                if (frames.frames() % 16 == 0) {
                    max = Math.max(max, buffered(conn));
                }
            }
            frames.assertComplete(PRODUCERS, FRAMES);
            assertThat(max).isLessThanOrEqualTo(bound);
            assertThat(server.server().context().outputMetrics().snapshot().resumes())
                    .isPositive();
        }
    }

    /** Sampled on the connection's event loop, where no drain is half-way through. */
    private static long buffered(Connection conn) {
        try {
            return conn.eventLoop().submit(() -> conn.output().bufferedBytes()).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
