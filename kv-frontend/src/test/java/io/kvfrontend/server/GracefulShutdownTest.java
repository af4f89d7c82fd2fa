package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Stopping the server: it stops accepting and reading, answers every request it has already read,
 * flushes, and closes each connection cleanly; a connection that cannot drain (its client does not
 * read) is closed when the shutdown timeout runs out.
 */
class GracefulShutdownTest {

    /**
     * Reads responses, which must carry opaques {@code next, next + 1, ...}, until the server closes
     * the connection cleanly (end of stream, not a reset); returns the opaque the next would have.
     */
    private static int readUntilCleanClose(McbpClient c, int next) {
        int n = next;
        while (true) {
            Response r;
            try {
                r = c.receive();
            } catch (UncheckedIOException e) {
                assertThat(e.getCause()).as("a clean close, not a reset").isInstanceOf(EOFException.class);
                return n;
            }
            assertThat(r.status()).isZero();
            assertThat(r.opaque()).as("responses complete and in order").isEqualTo(n);
            n++;
        }
    }

    @Test
    void everyRequestAlreadyReadIsAnsweredBeforeACleanClose() throws Exception {
        TestServer server = TestServer.start(
                TestServer.config().shutdownTimeout(Duration.ofSeconds(10)).build());
        try (McbpClient c = server.client()) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 5000; i++) {
                batch.writeBytes(Frames.request(0x01)
                        .key("k" + i)
                        .extras(Frames.storeExtras(0, 0))
                        .value("value-" + i)
                        .opaque(i)
                        .build());
            }
            c.sendRaw(batch.toByteArray());
            assertThat(c.receive().opaque()).isZero();
            CompletableFuture<Void> stop = CompletableFuture.runAsync(server::close);
            int answered = readUntilCleanClose(c, 1);
            c.close(); // as a client does on end of stream; the server's stop then completes
            stop.get(15, TimeUnit.SECONDS);
            // Every set the server executed was acknowledged: nothing done and then lost.
            assertThat(server.server().context().stats().cmdSet.sum()).isEqualTo(answered);
            assertThat(answered).isBetween(1, 5000);
        }
    }

    @Test
    void aConnectionThatCannotDrainIsClosedWhenTheTimeoutRunsOut() throws Exception {
        try (StreamCommand stream = new StreamCommand(2)) {
            TestServer server = TestServer.start(
                    TestServer.config()
                            .shutdownTimeout(Duration.ofMillis(500))
                            .spoolWaterMarks(16 * 1024, 64 * 1024)
                            .build(),
                    List.of(stream.spec()));
            try (McbpClient stuck = McbpClient.connect(server.port(), 8 * 1024)) {
                stuck.send(StreamCommand.request(1, 2, 1_000_000, 1024));
                Await.until(Duration.ofSeconds(10), () -> stream.pauses.get() > 0, "producers paused");
                long start = System.nanoTime();
                server.close();
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(500)).isLessThan(Duration.ofSeconds(10));
                Await.until(
                        Duration.ofSeconds(10),
                        () -> stream.producersFinished.get() == 2 && stream.producersRunning.get() == 0,
                        "producers stopped");
                assertThat(stream.producersSawClose.get()).isPositive();
            }
        }
    }
}
