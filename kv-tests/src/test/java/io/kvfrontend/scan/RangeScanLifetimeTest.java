package io.kvfrontend.scan;

import static io.kvfrontend.scan.ScanWire.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.Connection;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.RangeScanSettings;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Range scans against the life of the connection and of the data, in both output modes: a client
 * that disconnects mid-continue, a client that reads slowly, and writers that change the data while
 * a scan walks it.
 */
class RangeScanLifetimeTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final int LOW = 64 * 1024;
    private static final int HIGH = 256 * 1024;

    private static TestServer start(OutputMode mode) {
        return ScanServers.start(
                ScanServers.config(mode).spoolWaterMarks(LOW, HIGH).build(), RangeScanSettings.defaults());
    }

    /** The value {@link RangeScanContinueTest#loadDocs} stores for key {@code k}. */
    private static boolean isValueOf(String k, byte[] v) {
        byte[] kb = k.getBytes(StandardCharsets.UTF_8);
        for (int j = 0; j < v.length; j++) {
            if (v[j] != kb[j % kb.length]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The client goes away while its continue is parked on a full output, or while it runs: the task
     * stops, the scan is released, nothing leaks (the leak-check extension runs after every test),
     * and the server goes on serving.
     */
    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aClientThatDisconnectsMidContinueStopsTheTaskAndReleasesTheScan(OutputMode mode) {
        try (TestServer server = start(mode);
                McbpClient loader = server.client()) {
            hello(loader);
            RangeScanContinueTest.loadDocs(loader, 3000, 4096); // 12 MB, more than socket buffers hold
            for (int round = 0; round < 6; round++) {
                McbpClient c = McbpClient.connect(server.port(), 8 * 1024);
                hello(c);
                byte[] id = mustCreate(c, 0, "{}");
                c.send(continueScan(0, id, 0, 0, 0, round));
                if (round % 2 == 0) {
                    Connection conn = server.connectionOf(c);
                    Await.until(
                            DEADLINE,
                            () -> ScanServers.stats(server).continuing() == 1
                                    && !conn.output().hasCapacity(),
                            () -> "continue not parked: " + ScanServers.stats(server)
                                    + ", buffered " + conn.output().bufferedBytes() + ", writable "
                                    + conn.channel().isWritable()
                                    + ", output "
                                    + server.server().context().outputMetrics().snapshot());
                }
                c.abort();
                final int r = round;
                Await.until(
                        DEADLINE,
                        () -> ScanServers.stats(server).open() == 0
                                && ScanServers.stats(server).continuing() == 0,
                        () -> "round " + r + ": scan not released: " + ScanServers.stats(server));
            }
            assertThat(ScanServers.stats(server).cancelled()).isEqualTo(6);
            Await.until(
                    DEADLINE,
                    () -> server.server().context().outputMetrics().snapshot().spoolBytes() == 0,
                    "spooled bytes of closed connections not released");
            // The server is unaffected.
            assertThat(loader.call(Frames.request(0x0a).opaque(3)).status()).isZero();
            byte[] id = mustCreate(loader, 0, "{\"key_only\":true}");
            assertThat(scanKeys(loader, 0, id, 0, 0)).hasSize(3000);
        }
    }

    /**
     * A client that stops reading: the continue pauses (no thread parked), the bytes the server
     * buffers for the connection stay under the high-water mark plus one batch, and once the client
     * reads every document arrives intact and in order.
     */
    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aSlowClientBoundsServerMemoryAndGetsEveryItemIntact(OutputMode mode) {
        int docs = 3000;
        int size = 4096;
        try (TestServer server = start(mode);
                McbpClient loader = server.client();
                McbpClient c = McbpClient.connect(server.port(), 16 * 1024)) {
            hello(loader);
            hello(c);
            RangeScanContinueTest.loadDocs(loader, docs, size); // 12 MB
            byte[] id = mustCreate(c, 0, "{}");
            c.send(continueScan(0, id, 0, 0, 0, 77));
            Connection conn = server.connectionOf(c);
            Await.until(
                    DEADLINE,
                    () -> ScanServers.stats(server).continuing() == 1
                            && !conn.output().hasCapacity()
                            && server.server()
                                            .context()
                                            .outputMetrics()
                                            .snapshot()
                                            .pauses()
                                    > 0,
                    "continue never paused");
            // One batch: up to 8 KiB plus the one document that crossed it, in one frame (two Netty
            // messages of 96 bytes overhead each).
            long bound = HIGH + 24 + 4 + 8192 + (size + 40) + 2 * 96;
            long max = 0;
            for (int i = 0; i < 100; i++) {
                max = Math.max(max, buffered(conn));
            }
            assertThat(max).isPositive().isLessThanOrEqualTo(bound);
            assertThat(ScanServers.stats(server).itemsSent()).isLessThan(docs);

            List<Doc> got = new ArrayList<>();
            int frames = 0;
            while (true) {
                Response r = c.receive();
                assertThat(r.opaque()).isEqualTo(77);
                if (r.status() != SUCCESS) {
                    assertThat(r.status()).isEqualTo(RANGE_SCAN_COMPLETE);
                    break;
                }
                got.addAll(decodeDocs(r.value()));
                if (++frames % 8 == 0) {
                    max = Math.max(max, buffered(conn));
                }
            }
            assertThat(max).isLessThanOrEqualTo(bound);
            assertThat(got).hasSize(docs);
            for (int i = 0; i < docs; i++) {
                Doc d = got.get(i);
                assertThat(d.keyString()).isEqualTo(String.format("d%06d", i));
                assertThat(d.flags()).isEqualTo(i);
                assertThat(d.value()).hasSize(size);
                assertThat(isValueOf(d.keyString(), d.value()))
                        .as("value of " + d.keyString())
                        .isTrue();
            }
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

    /**
     * The guarantee the README states, exactly: while writers update, add and delete documents, a
     * scan returns every key that exists for the whole scan exactly once, never any key twice, keys
     * in order, and for each document a value that key really had.
     */
    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void whileWritersChangeTheDataEveryKeyThatExistsThroughoutIsReturnedExactlyOnce(OutputMode mode) throws Exception {
        int n = 2000;
        try (TestServer server = start(mode);
                McbpClient c = server.client();
                McbpClient updater = server.client();
                McbpClient churner = server.client()) {
            hello(c);
            hello(updater);
            hello(churner);
            // Stable keys k0000s.. exist all along (their values change); volatile keys k0000v.. come
            // and go. They interleave in key order.
            Map<String, Long> lastVersion = new ConcurrentHashMap<>();
            for (int i = 0; i < n; i++) {
                String k = String.format("k%04ds", i);
                set(c, k, k + "|0");
                lastVersion.put(k, 0L);
                if (i % 2 == 0) {
                    set(c, String.format("k%04dv", i), "volatile");
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<?> update = pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int op = 0; op < 200_000 && !stop.get(); op++) {
                        String k = String.format("k%04ds", rnd.nextInt(n));
                        long v = lastVersion.merge(k, 1L, Long::sum);
                        set(updater, k, k + "|" + v);
                        writes.incrementAndGet();
                    }
                });
                Future<?> churn = pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int op = 0; op < 200_000 && !stop.get(); op++) {
                        String k = String.format("k%04dv", rnd.nextInt(n));
                        Response r = churner.call(
                                rnd.nextBoolean()
                                        ? Frames.request(SET)
                                                .key(k)
                                                .extras(Frames.storeExtras(0, 0))
                                                .value("volatile")
                                        : Frames.request(DELETE).key(k));
                        assertThat(r.status()).isIn(SUCCESS, KEY_ENOENT);
                        writes.incrementAndGet();
                    }
                });
                Await.until(DEADLINE, () -> writes.get() > 200, "writers not started");
                long before = writes.get();
                byte[] id = mustCreate(c, 0, "{}");
                List<Doc> docs = scanDocs(c, 0, id, 20, 0); // ~200 continues
                long during = writes.get() - before;
                stop.set(true);
                update.get(30, TimeUnit.SECONDS);
                churn.get(30, TimeUnit.SECONDS);

                assertThat(during).as("writes while the scan ran").isPositive();
                List<String> keys = docs.stream().map(Doc::keyString).toList();
                assertThat(keys).doesNotHaveDuplicates().isSorted();
                Set<String> stable = new HashSet<>();
                Map<String, Integer> seen = new HashMap<>();
                for (Doc d : docs) {
                    seen.merge(d.keyString(), 1, Integer::sum);
                    if (d.keyString().endsWith("s")) {
                        stable.add(d.keyString());
                        String[] parts = d.valueString().split("\\|");
                        assertThat(parts[0]).isEqualTo(d.keyString());
                        assertThat(Long.parseLong(parts[1])).isBetween(0L, lastVersion.get(d.keyString()));
                    } else {
                        assertThat(d.keyString()).endsWith("v");
                        assertThat(d.valueString()).isEqualTo("volatile");
                    }
                }
                assertThat(stable).hasSize(n);
                assertThat(seen.values()).containsOnly(1);
            } finally {
                stop.set(true);
                pool.shutdownNow();
                pool.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }
}
