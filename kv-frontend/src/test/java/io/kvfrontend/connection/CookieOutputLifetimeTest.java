package io.kvfrontend.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.LogCapture;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Safe end of life: clients that vanish while producers are mid-stream, over and over. Producers
 * learn the output closed and stop, no producer thread stays blocked, nothing leaks (the leak
 * check extension), nothing is logged as a warning or error, and a bystander connection on the
 * same server keeps working throughout.
 */
class CookieOutputLifetimeTest {
    private static final int ROUNDS = 40;

    private StreamCommand stream;

    @BeforeEach
    void setUp() {
        stream = new StreamCommand(4);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void producersStopAndNothingLeaksWhenClientsDisconnectMidStream(OutputMode mode) {
        try (TestServer server = TestServer.start(
                        TestServer.config()
                                .outputMode(mode)
                                .spoolWaterMarks(32 * 1024, 128 * 1024)
                                .build(),
                        List.of(stream.spec()));
                LogCapture log = new LogCapture();
                McbpClient bystander = server.client()) {
            for (int round = 0; round < ROUNDS; round++) {
                McbpClient c = server.client();
                c.send(StreamCommand.request(round, 4, 100_000, 512));
                // Read a little of the stream, then vanish: half the rounds with a reset.
                for (int i = 0; i < 50; i++) {
                    assertThat(c.receive().opaque()).isEqualTo(round);
                }
                if (round % 2 == 0) {
                    c.abort();
                } else {
                    c.close();
                }
                String key = "bystander-" + round;
                Response set = bystander.call(Frames.request(0x01)
                        .key(key)
                        .extras(Frames.storeExtras(0, 0))
                        .value("v" + round)
                        .opaque(round));
                assertThat(set.status()).isZero();
                assertThat(bystander
                                .call(Frames.request(0x00).key(key).opaque(round))
                                .valueString())
                        .isEqualTo("v" + round);
            }
            Await.until(
                    Duration.ofSeconds(20),
                    () -> stream.producersFinished.get() == stream.producersStarted.get()
                            && stream.producersRunning.get() == 0,
                    () -> "producers finished " + stream.producersFinished + " of " + stream.producersStarted
                            + ", running " + stream.producersRunning);
            assertThat(stream.producersStarted.get()).isEqualTo(4 * ROUNDS);
            assertThat(stream.producersSawClose.get())
                    .as("producers told the output closed")
                    .isPositive();
            Await.until(
                    Duration.ofSeconds(5),
                    () -> server.server().context().connections().size() == 1,
                    "only the bystander connection left");
            assertThat(server.server().context().outputMetrics().snapshot().spoolBytes())
                    .isZero();
            assertThat(log.warningsAndErrors()).isEmpty();
        }
    }
}
