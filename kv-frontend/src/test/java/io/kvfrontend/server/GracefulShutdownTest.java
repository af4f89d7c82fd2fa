package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
                            .socketSendBuffer(64 * 1024) // fixed: the pause must not depend on the kernel's auto-tuning
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

    /**
     * SIGTERM under load (the shutdown hook calls {@code close()}): eight clients each have 4,000
     * pipelined sets in flight when the stop begins. Every connection ends on a frame boundary with a
     * clean close, its answers are a gap-free prefix of its requests, and the sets the server executed
     * are exactly the ones it acknowledged.
     */
    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void underLoadEveryConnectionEndsOnAFrameBoundaryAndEveryExecutedSetWasAcknowledged(OutputMode mode)
            throws Exception {
        int clients = 8;
        int perClient = 4000;
        TestServer server = TestServer.start(TestServer.config()
                .outputMode(mode)
                .shutdownTimeout(Duration.ofSeconds(20))
                .build());
        List<McbpClient> cs = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(clients + 1);
        try {
            for (int c = 0; c < clients; c++) {
                cs.add(server.client());
            }
            for (int c = 0; c < clients; c++) {
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < perClient; i++) {
                    batch.writeBytes(Frames.request(0x01)
                            .key("c" + c + "-k" + i)
                            .extras(Frames.storeExtras(0, 0))
                            .value("value-" + i)
                            .opaque(i)
                            .build());
                }
                cs.get(c).sendRaw(batch.toByteArray());
            }
            Await.until(
                    Duration.ofSeconds(30),
                    () -> server.server().context().stats().cmdSet.sum() >= clients,
                    "the server to be working on the batches");
            // Own threads: the common pool may have one thread on a small machine, and the stop
            // waits for the readers.
            CompletableFuture<Void> stop = CompletableFuture.runAsync(server::close, threads);
            List<CompletableFuture<Integer>> answered = new ArrayList<>();
            for (McbpClient c : cs) {
                answered.add(CompletableFuture.supplyAsync(() -> framesUntilCleanEnd(c, 0), threads));
            }
            long total = 0;
            for (CompletableFuture<Integer> a : answered) {
                int n = a.get(60, TimeUnit.SECONDS);
                assertThat(n).isBetween(0, perClient);
                total += n;
            }
            assertThat(total).isGreaterThanOrEqualTo(clients);
            cs.forEach(McbpClient::close);
            stop.get(30, TimeUnit.SECONDS);
            assertThat(server.server().context().stats().cmdSet.sum())
                    .as("sets executed = sets acknowledged")
                    .isEqualTo(total);
        } finally {
            cs.forEach(McbpClient::close);
            server.close();
            threads.shutdownNow();
        }
    }

    /**
     * Reads raw frames (opaques {@code next, next + 1, ...}, all Success) until end of stream, which
     * must come between frames and be a clean close; returns how many frames came.
     */
    private static int framesUntilCleanEnd(McbpClient c, int next) {
        // The socket's own stream: nothing of it was read through the client's buffer before.
        try {
            DataInputStream in =
                    new DataInputStream(new BufferedInputStream(c.socket().getInputStream()));
            int n = 0;
            while (true) {
                int first = in.read();
                if (first < 0) {
                    return n;
                }
                byte[] header = new byte[24];
                header[0] = (byte) first;
                in.readFully(header, 1, 23); // EOF here: a cut response
                int bodyLength = ByteBuffer.wrap(header, 8, 4).getInt();
                byte[] body = new byte[bodyLength];
                in.readFully(body);
                Response r = Response.parse(header, body);
                assertThat(r.status()).isZero();
                assertThat(r.opaque()).as("answers gap-free and in order").isEqualTo(next + n);
                n++;
            }
        } catch (IOException e) {
            throw new AssertionError("the stream ended with " + e + " instead of a clean close between frames", e);
        }
    }
}
