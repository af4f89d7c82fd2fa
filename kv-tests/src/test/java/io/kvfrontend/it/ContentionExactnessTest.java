package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Exactness under contention at the size #16 names, in both output modes: 8 clients × 100,000
 * increments of one key (pipelined, 100 in flight per client) give exactly 800,000, and appends of
 * distinct tokens from 8 clients to one document are all there, once each. The connections spread
 * over four event loops, so the updates race across threads.
 */
class ContentionExactnessTest {
    private static final int CLIENTS = 8;
    private static final int WINDOW = 100;

    @FunctionalInterface
    private interface ClientTask {
        void run(McbpClient c, int client) throws Exception;
    }

    private static void race(TestServer server, ClientTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    try (McbpClient c = server.client()) {
                        start.await();
                        task.run(c, index);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Sends {@code total} frames in windows of {@link #WINDOW}, checking every answer is Success. */
    private static void pipelined(
            McbpClient c, int total, java.util.function.IntFunction<io.kvfrontend.testsupport.Frames> frame) {
        for (int sent = 0; sent < total; sent += WINDOW) {
            int n = Math.min(WINDOW, total - sent);
            java.io.ByteArrayOutputStream window = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < n; i++) {
                window.writeBytes(frame.apply(sent + i).opaque(sent + i).build());
            }
            c.sendRaw(window.toByteArray()); // one write per window, as a pipelining client does
            for (Response r : c.receive(n)) {
                assertThat(r.status()).as("answer to %s", r.opaque()).isEqualTo(SUCCESS);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void eightClientsIncrementingOneKeyAHundredThousandTimesEachGiveExactlyEightHundredThousand(OutputMode mode)
            throws Exception {
        int each = 100_000;
        try (TestServer server = TestServer.start(
                TestServer.config().outputMode(mode).eventLoopThreads(4).build())) {
            race(server, (c, client) -> pipelined(c, each, i -> arithmetic(INCREMENT, "hot", 1, 1, 0)));
            try (McbpClient c = server.client()) {
                // The first increment creates the counter holding its initial value, 1.
                assertThat(c.call(get("hot")).valueString()).isEqualTo(Integer.toString(CLIENTS * each));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void appendsFromEightClientsAreAllPresentOnce(OutputMode mode) throws Exception {
        int each = 2_000;
        try (TestServer server = TestServer.start(
                        TestServer.config().outputMode(mode).eventLoopThreads(4).build());
                McbpClient setup = server.client()) {
            mustSet(setup, "log", "");
            race(server, (c, client) -> pipelined(c, each, i -> concat(APPEND, "log", client + ":" + i + ";")));
            String log = setup.call(get("log")).valueString();
            String[] tokens = log.split(";");
            assertThat(tokens).hasSize(CLIENTS * each);
            Set<String> seen = new HashSet<>(List.of(tokens));
            assertThat(seen).hasSize(CLIENTS * each);
            for (int client = 0; client < CLIENTS; client++) {
                assertThat(seen).contains(client + ":0", client + ":" + (each - 1));
            }
        }
    }
}
