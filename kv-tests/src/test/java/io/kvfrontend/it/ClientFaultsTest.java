package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What dying and half-closing clients do to the server, in both output modes: a client that sends
 * its requests and shuts down its sending side still gets every answer (half-close); two hundred
 * clients that reset their connection at random points of a pipelined batch of large gets leave no
 * connection, buffer or leak behind, and a neighbour is served throughout.
 */
class ClientFaultsTest {
    private static final int LARGE = 1024 * 1024;

    private static TestServer start(OutputMode mode) {
        return TestServer.start(
                TestServer.config().outputMode(mode).eventLoopThreads(2).build());
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aHalfClosedClientGetsEveryAnswerBeforeTheServerCloses(OutputMode mode) throws Exception {
        try (TestServer server = start(mode);
                McbpClient c = server.client()) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 10; i++) {
                batch.writeBytes(set("half-" + i, "v" + i).opaque(i).build());
                batch.writeBytes(get("half-" + i).opaque(100 + i).build());
            }
            c.sendRaw(batch.toByteArray());
            c.socket().shutdownOutput();

            List<Response> answers = c.receive(20);

            for (int i = 0; i < 10; i++) {
                assertThat(answers.get(2 * i).status()).isEqualTo(SUCCESS);
                assertThat(answers.get(2 * i + 1).valueString()).isEqualTo("v" + i);
            }
            c.awaitClosedByServer(Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void clientsResettingInTheMiddleOfLargeAnswersLeaveNothingBehind(OutputMode mode) {
        try (TestServer server = start(mode);
                McbpClient neighbour = server.client()) {
            byte[] large = new byte[LARGE];
            new Random(1).nextBytes(large);
            assertThat(neighbour
                            .call(Frames.request(SET)
                                    .key("large")
                                    .extras(Frames.storeExtras(0, 0))
                                    .value(large))
                            .status())
                    .isEqualTo(SUCCESS);
            Random random = new Random(42);
            byte[] get = get("large").build();
            for (int client = 0; client < 200; client++) {
                // A small receive buffer, so the server still has megabytes to write when the reset comes.
                McbpClient dying = McbpClient.connect(server.port(), 4096);
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < 8; i++) {
                    batch.writeBytes(get);
                }
                dying.sendRaw(batch.toByteArray());
                int read = random.nextInt(3 * LARGE);
                try {
                    dying.socket().getInputStream().readNBytes(read);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                dying.abort();
                if (client % 50 == 0) {
                    assertThat(neighbour.call(get("large")).value()).isEqualTo(large);
                }
            }
            Await.until(
                    Duration.ofSeconds(30),
                    () -> server.server().context().stats().currConnections.get() == 1,
                    () -> "every dying connection is gone; open: "
                            + server.server().context().stats().currConnections.get());
            assertThat(neighbour.call(get("large")).value()).isEqualTo(large);
        }
    }
}
