package io.kvfrontend.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Background output does not hold a loop's other connections back: on a server with one event loop,
 * while background producers stream hundreds of megabytes to one connection (a reader with a small
 * socket buffer), another connection's requests are all answered, in order, before the stream ends;
 * the stream yielded at its quantum to let them through (counted: the quantum, 16 KiB, is smaller
 * than the 4 producers' frames of 8 KiB, so in sync mode too), and still arrives whole and in order.
 * Asserts order and yielding, not latency.
 */
class OutputFairnessTest {
    private static final int PRODUCERS = 4;
    private static final int FRAMES = 10_000;
    private static final int VALUE = 8192;
    private static final int GETS = 300;

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
    void aNeighboursRequestsAreAnsweredWhileAnotherConnectionStreams(OutputMode mode) throws Exception {
        try (TestServer server = TestServer.start(
                        TestServer.config()
                                .outputMode(mode)
                                .eventLoopThreads(1)
                                .outputQuantum(16 * 1024)
                                .build(),
                        List.of(stream.spec()));
                McbpClient streamer = McbpClient.connect(server.port(), 64 * 1024);
                McbpClient neighbour = server.client()) {
            assertThat(neighbour
                            .call(Frames.request(0x01)
                                    .key("k")
                                    .extras(Frames.storeExtras(0, 0))
                                    .value("v"))
                            .status())
                    .isZero();
            OutputMetrics.Snapshot before =
                    server.server().context().outputMetrics().snapshot();

            streamer.send(StreamCommand.request(7, PRODUCERS, FRAMES, VALUE));
            AtomicLong received = new AtomicLong();
            CompletableFuture<StreamFrames> reader = CompletableFuture.supplyAsync(() -> {
                StreamFrames frames = new StreamFrames(7, VALUE);
                Response r;
                while (!frames.isFinal(r = streamer.receive())) {
                    frames.accept(r);
                    received.incrementAndGet();
                }
                return frames;
            });
            Await.until(Duration.ofSeconds(10), () -> received.get() > 0, () -> "the stream never started");

            for (int i = 0; i < GETS; i++) {
                Response r = neighbour.call(Frames.request(0x00).key("k").opaque(i));
                assertThat(r.status()).isZero();
                assertThat(r.opaque()).as("the neighbour's answers in order").isEqualTo(i);
                assertThat(r.valueString()).isEqualTo("v");
            }
            long streamedMeanwhile = received.get();
            assertThat(reader)
                    .as(
                            "the neighbour was answered while the stream still ran (%d of %d frames "
                                    + "arrived meanwhile)",
                            streamedMeanwhile, (long) PRODUCERS * FRAMES)
                    .isNotDone();

            reader.get(2, TimeUnit.MINUTES).assertComplete(PRODUCERS, FRAMES);
            OutputMetrics.Snapshot after =
                    server.server().context().outputMetrics().snapshot();
            assertThat(after.quantumExhausted() - before.quantumExhausted())
                    .as("slices that stopped at the quantum with output left: the stream yielded")
                    .isPositive();
            assertThat(after.outputTurns() - before.outputTurns()).isPositive();
            assertThat(after.spoolBytes()).isZero();
        }
    }
}
