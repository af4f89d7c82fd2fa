package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.auth.SaslOutcome.Refusal;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.metrics.ServerStats;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client pipelining wrong PLAIN passwords does not hold up the other connections of its event
 * loop: each attempt's PBKDF2 runs on a slow-work thread, so a neighbour on the same (only) loop is
 * answered while most of the hammer's attempts are still to come. With the check on the loop, the
 * loop ran every attempt of the hammer's read batch before it read anything else.
 */
class PasswordHammerTest {
    private static final int SASL_AUTH = 0x21;
    private static final int ATTEMPTS = 24;

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aNeighbourOnTheSameLoopIsAnsweredWhileTheHammersAttemptsAreStillBeingChecked(OutputMode mode) {
        // 400,000 iterations: each attempt costs tens of milliseconds, the hammer's batch about a second.
        try (TestServer server = TestServer.start(TestServer.withAuth()
                        .outputMode(mode)
                        .eventLoopThreads(1)
                        .scramIterations(400_000)
                        .users(List.of(UserConfig.admin("Administrator", "password")))
                        .build());
                McbpClient neighbour = server.client();
                McbpClient hammer = server.client()) {
            ServerStats stats = server.server().context().stats();
            assertThat(neighbour
                            .call(Frames.request(SASL_AUTH).key("PLAIN").value("\0Administrator\0password"))
                            .status())
                    .isEqualTo(Status.SUCCESS.code());
            assertThat(neighbour.call(Frames.request(0x89).key("default")).status())
                    .isEqualTo(Status.SUCCESS.code());

            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < ATTEMPTS; i++) {
                batch.writeBytes(Frames.request(SASL_AUTH)
                        .key("PLAIN")
                        .value("\0Administrator\0guess-" + i)
                        .opaque(i)
                        .build());
            }
            hammer.sendRaw(batch.toByteArray());
            // The server has started on the batch (so it has read it) before the neighbour asks.
            Await.until(
                    Duration.ofSeconds(30),
                    () -> stats.authFailures(Refusal.WRONG_PASSWORD) >= 1,
                    "the first wrong password to be refused");

            Response get = neighbour.call(Frames.request(0x00).key("absent").opaque(777));
            long refusedWhenAnswered = stats.authFailures(Refusal.WRONG_PASSWORD);
            assertThat(get.opaque()).isEqualTo(777);
            assertThat(get.status()).isEqualTo(Status.KEY_ENOENT.code());
            assertThat(refusedWhenAnswered)
                    .as("attempts refused by the time the neighbour was answered")
                    .isLessThan(ATTEMPTS / 2);

            // The hammer gets every answer, in order, and may still log in afterwards.
            List<Response> answers = hammer.receive(ATTEMPTS);
            for (int i = 0; i < ATTEMPTS; i++) {
                assertThat(answers.get(i).opaque()).isEqualTo(i);
                assertThat(answers.get(i).status()).isEqualTo(Status.AUTH_ERROR.code());
            }
            assertThat(hammer.call(Frames.request(SASL_AUTH).key("PLAIN").value("\0Administrator\0password"))
                            .status())
                    .isEqualTo(Status.SUCCESS.code());
            assertThat(stats.authFailures(Refusal.WRONG_PASSWORD)).isEqualTo(ATTEMPTS);
        }
    }
}
