package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.metrics.ServerStats;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** {@code max-connections}: connections beyond it are closed at once and counted; below it, served. */
class ConnectionLimitTest {

    @Test
    void connectionsOverTheLimitAreRefusedAndCountedAndRoomComesBack() {
        try (TestServer server =
                        TestServer.start(TestServer.config().maxConnections(2).build());
                McbpClient a = server.client();
                McbpClient b = server.client()) {
            assertThat(a.call(Frames.request(0x0a).opaque(1)).opaque()).isEqualTo(1);
            assertThat(b.call(Frames.request(0x0a).opaque(2)).opaque()).isEqualTo(2);
            try (McbpClient refused = server.client()) {
                refused.send(Frames.request(0x0a).opaque(3));
                refused.awaitClosedByServer(Duration.ofSeconds(5));
            }
            assertThat(server.server().context().stats().rejectedConnections.sum())
                    .isEqualTo(1);
            assertThat(server.server().context().stats().currConnections.get()).isEqualTo(2);

            a.close();
            Await.until(
                    Duration.ofSeconds(5),
                    () -> server.server().context().stats().currConnections.get() == 1,
                    "the closed connection is gone");
            try (McbpClient c = server.client()) {
                assertThat(c.call(Frames.request(0x0a).opaque(4)).opaque()).isEqualTo(4);
            }
            assertThat(b.call(Frames.request(0x0a).opaque(5)).opaque()).isEqualTo(5);
        }
    }

    /**
     * Churn at the limit: rounds of 6 clients connecting at once against a limit of 3, each holding
     * its connection until all have their answer or their refusal. Never more than 3 are served at
     * once, every client is either answered or closed without one, the refusals the clients saw are
     * the ones the server counted, and once all have gone the server has no connection left.
     */
    @Test
    void underChurnAtTheLimitNoMoreAreServedThanAllowedAndEveryRefusalIsCounted() throws Exception {
        int limit = 3;
        int clients = 6;
        int rounds = 60;
        byte[] noop = Frames.request(0x0a).opaque(9).build();
        try (TestServer server =
                TestServer.start(TestServer.config().maxConnections(limit).build())) {
            ServerStats stats = server.server().context().stats();
            AtomicIntegerArray servedInRound = new AtomicIntegerArray(rounds);
            LongAdder refused = new LongAdder();
            CyclicBarrier barrier = new CyclicBarrier(clients);
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < clients; t++) {
                    done.add(pool.submit(() -> {
                        for (int round = 0; round < rounds; round++) {
                            barrier.await(30, TimeUnit.SECONDS);
                            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                                s.setSoTimeout(10_000);
                                if (answered(s, noop)) {
                                    servedInRound.incrementAndGet(round);
                                } else {
                                    refused.increment();
                                }
                                // Everyone holds their connection until all know their outcome.
                                barrier.await(30, TimeUnit.SECONDS);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(2, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            long served = 0;
            for (int round = 0; round < rounds; round++) {
                assertThat(servedInRound.get(round))
                        .as("served at once in round %d", round)
                        .isLessThanOrEqualTo(limit);
                served += servedInRound.get(round);
            }
            assertThat(served + refused.sum()).isEqualTo((long) clients * rounds);
            assertThat(served).isPositive();
            assertThat(stats.rejectedConnections.sum()).isEqualTo(refused.sum());
            assertThat(stats.totalConnections.sum()).isEqualTo(served);
            Await.until(
                    Duration.ofSeconds(10),
                    () -> stats.currConnections.get() == 0,
                    () -> "connections left open: " + stats.currConnections.get());
            try (McbpClient c = server.client()) {
                assertThat(c.call(Frames.request(0x0a).opaque(4)).opaque()).isEqualTo(4);
            }
        }
    }

    /** True if the server answers the request, false if it closes the connection without a word. */
    private static boolean answered(Socket s, byte[] request) throws IOException {
        try {
            s.getOutputStream().write(request);
            InputStream in = s.getInputStream();
            byte[] header = in.readNBytes(24);
            if (header.length == 24) {
                return true;
            }
            assertThat(header)
                    .as("a refused connection is closed before any byte")
                    .isEmpty();
            return false;
        } catch (java.net.SocketException e) {
            // Closed by the server before our request reached it: a reset.
            return false;
        }
    }
}
