package io.kvfrontend.bench;

import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.ScopeConfig;
import io.kvfrontend.engine.spi.StoreMode;
import io.kvfrontend.server.BackgroundThreads;
import io.kvfrontend.testsupport.TestServer;
import io.netty.util.ResourceLeakDetector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Range-scan throughput in spool and sync hand-off mode, and what scans cost the other clients of
 * the same event loop. Not a test (surefire's default includes do not match it): run it with
 * {@code kv-tests/scripts/bench-range-scans.sh}. It prints a side-by-side table and writes it to
 * {@code kv-tests/target/bench/range-scans.txt}.
 *
 * <p>Per mode: one server with a single event loop (so the scanning connections and the get client
 * share it) and two background threads; 200,000 keys in collection {@code keys} for key-only scans
 * and 40,000 documents of 1 KiB in the default collection for document scans. A scan is a create
 * plus one continue without limits over the whole collection, read by a raw client; each scanning
 * client repeats it; 1 and 4 scanning clients run at once. Meanwhile another client issues plain
 * gets one at a time; their latency is reported as p50/p99, next to a baseline without scans. The
 * scanning clients' threads run at nice +10 (as the server's own background threads do), so the get
 * client's thread is not the one held back on the two shared cores.
 *
 * <p>Netty's leak detector is switched off while it measures (tests run it at PARANOID, which
 * captures a stack trace per buffer) and back on afterwards.
 */
class RangeScanBenchmark {
    private static final int KEY_COUNT = 200_000;
    private static final int DOC_COUNT = 40_000;
    private static final int DOC_SIZE = 1024;
    private static final int KEYS_COLLECTION = 8;
    private static final int[] CONCURRENCY = {1, 4};
    /** The Java SDK's default continue limits (ScanOptions: batchItemLimit 50, batchByteLimit 15,000). */
    private static final int SDK_ITEMS = 50;

    private static final int SDK_BYTES = 15_000;

    /** What a scanning client scans, and with which continue limits. */
    enum Kind {
        KEYS("key-only", true, false),
        DOCS("1 KiB docs", false, false),
        DOCS_SDK("docs, SDK", false, true);

        final String label;
        final boolean keyOnly;
        final boolean sdkLimits;

        Kind(String label, boolean keyOnly, boolean sdkLimits) {
            this.label = label;
            this.keyOnly = keyOnly;
            this.sdkLimits = sdkLimits;
        }
    }

    record Result(
            String workload,
            int scans,
            OutputMode mode,
            double itemsPerSec,
            double mbPerSec,
            long frames,
            double loopTasksPer1kFrames,
            double getP50Micros,
            double getP99Micros,
            long gets) {}

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void rangeScans() throws Exception {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        List<Result> results = new ArrayList<>();
        List<String> baselines = new ArrayList<>();
        java.util.Map<OutputMode, TestServer> servers = new java.util.EnumMap<>(OutputMode.class);
        try {
            // Both servers up and warm before anything is measured, then the modes take turns, so
            // neither gets the other's JIT warm-up or garbage.
            for (OutputMode mode : OutputMode.values()) {
                TestServer server = start(mode);
                servers.put(mode, server);
                load(server);
            }
            for (OutputMode mode : OutputMode.values()) {
                for (int scans : CONCURRENCY) {
                    run(servers.get(mode), mode, Kind.KEYS, 3, scans, null);
                    run(servers.get(mode), mode, Kind.DOCS, 1, scans, null);
                    run(servers.get(mode), mode, Kind.DOCS_SDK, 1, scans, null);
                }
            }
            for (OutputMode mode : OutputMode.values()) {
                System.gc();
                double[] idle = idleGets(servers.get(mode));
                baselines.add(String.format(
                        Locale.ROOT,
                        "%-5s get latency without scans: p50 %.1f us, p99 %.1f us",
                        mode.configName(),
                        idle[0],
                        idle[1]));
            }
            for (Kind kind : Kind.values()) {
                for (int scans : CONCURRENCY) {
                    for (OutputMode mode : OutputMode.values()) {
                        System.gc();
                        results.add(run(
                                servers.get(mode),
                                mode,
                                kind,
                                kind.keyOnly ? 20 : kind.sdkLimits ? 2 : 4,
                                scans,
                                "measure"));
                    }
                }
            }
        } finally {
            servers.values().forEach(TestServer::close);
            ResourceLeakDetector.setLevel(level);
        }
        String table = table(results, baselines);
        System.out.println(table);
        Path out = Path.of("target", "bench", "range-scans.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    private static TestServer start(OutputMode mode) {
        BucketConfig bucket = new BucketConfig(
                "default",
                1L << 30,
                1,
                BucketConfig.DEFAULT_MAX_VALUE_BYTES,
                true,
                List.of(new ScopeConfig("_default", List.of("keys"))));
        return TestServer.start(TestServer.config()
                .outputMode(mode)
                .eventLoopThreads(1)
                .backgroundThreads(2)
                .buckets(List.of(bucket))
                .build());
    }

    private static void load(TestServer server) {
        Bucket b = server.server().engine().bucket("default");
        byte[] tiny = {'1'};
        for (int i = 0; i < KEY_COUNT; i++) {
            b.store(StoreMode.SET, new DocKey(KEYS_COLLECTION, key("key::", i)), tiny, 0, 0, 0, Datatype.RAW, false);
        }
        for (int i = 0; i < DOC_COUNT; i++) {
            byte[] v = new byte[DOC_SIZE];
            Arrays.fill(v, (byte) ('a' + i % 26));
            b.store(StoreMode.SET, DocKey.ofDefault(key("doc::", i)), v, 0, 0, 0, Datatype.RAW, false);
        }
    }

    private static byte[] key(String prefix, int i) {
        return String.format("%s%08d", prefix, i).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code scans} clients each scan the whole collection {@code repeats} times while a get client
     * measures latency.
     */
    private static Result run(TestServer server, OutputMode mode, Kind kind, int repeats, int scans, String label)
            throws Exception {
        OutputMetrics metrics = server.server().context().outputMetrics();
        // The scanning clients share the two cores with the server and the get client; at normal
        // priority they would delay the get client's own thread, which is not what is measured here.
        ExecutorService pool = Executors.newFixedThreadPool(scans, new BackgroundThreads("bench-scanner-", 10));
        ExecutorService getterPool = Executors.newSingleThreadExecutor();
        AtomicBoolean scanning = new AtomicBoolean(true);
        CountDownLatch ready = new CountDownLatch(scans + 1);
        List<Future<long[]>> scanners = new ArrayList<>();
        try {
            Future<long[]> getter = getterPool.submit(() -> gets(server, scanning, ready));
            long tasksBefore = metrics.snapshot().loopTasks();
            long start;
            for (int s = 0; s < scans; s++) {
                scanners.add(pool.submit(() -> scan(server, kind, repeats, ready)));
            }
            ready.await(30, TimeUnit.SECONDS);
            start = System.nanoTime();
            long items = 0;
            long bytes = 0;
            long frames = 0;
            for (Future<long[]> f : scanners) {
                long[] r = f.get(10, TimeUnit.MINUTES);
                items += r[0];
                bytes += r[1];
                frames += r[2];
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            scanning.set(false);
            long[] latencies = getter.get(1, TimeUnit.MINUTES);
            long tasks = metrics.snapshot().loopTasks() - tasksBefore;
            if (label == null) {
                return null;
            }
            return new Result(
                    kind.label,
                    scans,
                    mode,
                    items / seconds,
                    bytes / seconds / 1e6,
                    frames,
                    frames == 0 ? 0 : tasks * 1000.0 / frames,
                    percentile(latencies, 50),
                    percentile(latencies, 99),
                    latencies.length);
        } finally {
            scanning.set(false);
            pool.shutdownNow();
            getterPool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /**
     * One scanning client (kv-bench's raw client, which allocates nothing per frame, so the
     * measuring threads cost the shared cores little): returns items, payload bytes, frames.
     */
    private static long[] scan(TestServer server, Kind kind, int repeats, CountDownLatch ready) {
        try (RawClient c = RawClient.open(new Target("127.0.0.1", server.port(), -1), "", "", "")) {
            ready.countDown();
            ready.await(30, TimeUnit.SECONDS);
            PhaseRunner.ScanCounters counters = new PhaseRunner.ScanCounters();
            for (int i = 0; i < repeats; i++) {
                byte[] uuid = c.createScan(kind.keyOnly, kind.keyOnly ? Integer.toHexString(KEYS_COLLECTION) : null);
                while (!c.continueScan(
                                uuid,
                                kind.keyOnly,
                                kind.sdkLimits ? SDK_ITEMS : 0,
                                kind.sdkLimits ? SDK_BYTES : 0,
                                counters)
                        .complete()) {
                    // next continue
                }
            }
            return new long[] {counters.items.get(), counters.bytes.get(), counters.frames.get()};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Gets one at a time until scanning stops; returns each latency in nanoseconds. */
    private static long[] gets(TestServer server, AtomicBoolean scanning, CountDownLatch ready) {
        try (RawClient c = RawClient.open(new Target("127.0.0.1", server.port(), -1), "", "", "")) {
            ready.countDown();
            Keys keys = new Keys("doc::");
            long[] lat = new long[1 << 16];
            int n = 0;
            int i = 0;
            while (scanning.get()) {
                byte[] k = keys.of((i++ * 7919) % DOC_COUNT);
                long t0 = System.nanoTime();
                c.sendGet(k, 0);
                c.flush();
                c.receive();
                long t = System.nanoTime() - t0;
                if (c.status() != 0) {
                    throw new IllegalStateException("get failed: status " + c.status());
                }
                if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                }
                lat[n++] = t;
            }
            return Arrays.copyOf(lat, n);
        }
    }

    private static double[] idleGets(TestServer server) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<long[]> f = pool.submit(() -> gets(server, running, new CountDownLatch(1)));
            // A benchmark, not a test: it measures for a fixed second.
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
            running.set(false);
            long[] lat = f.get(30, TimeUnit.SECONDS);
            return new double[] {percentile(lat, 50), percentile(lat, 99)};
        } finally {
            pool.shutdownNow();
        }
    }

    private static double percentile(long[] nanos, int p) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int idx = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, idx)] / 1000.0;
    }

    private static String table(List<Result> results, List<String> baselines) {
        StringBuilder sb = new StringBuilder();
        sb.append("Range scans: spool vs sync hand-off (1 event loop, 2 aux threads, ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores; ")
                .append(KEY_COUNT)
                .append(" keys / ")
                .append(DOC_COUNT)
                .append(" x 1 KiB docs; one unlimited continue "
                        + "per scan, or with the SDK's defaults continues of 50 items / 15,000 bytes)\n\n");
        String header = String.format(
                Locale.ROOT,
                "%-11s %5s | %-44s | %-44s%n",
                "workload",
                "scans",
                "spool: items/s  MB/s  tasks/1k-fr  get p50/p99 us",
                "sync: items/s  MB/s  tasks/1k-fr  get p50/p99 us");
        sb.append(header).append("-".repeat(header.length() - 1)).append('\n');
        for (int i = 0; i < results.size(); i++) {
            Result spool = results.get(i);
            if (spool.mode() != OutputMode.SPOOL) {
                continue;
            }
            Result sync = results.stream()
                    .filter(r -> r.mode() == OutputMode.SYNC
                            && r.workload().equals(spool.workload())
                            && r.scans() == spool.scans())
                    .findFirst()
                    .orElseThrow();
            sb.append(String.format(
                    Locale.ROOT, "%-11s %5d | %s | %s%n", spool.workload(), spool.scans(), cells(spool), cells(sync)));
        }
        sb.append('\n');
        baselines.forEach(b -> sb.append(b).append('\n'));
        sb.append("tasks/1k-fr = event-loop tasks submitted by the output path per 1000 item frames.\n");
        sb.append("get p50/p99 = latency of one-at-a-time gets by another client on the same event loop.\n");
        return sb.toString();
    }

    private static String cells(Result r) {
        return String.format(
                Locale.ROOT,
                "%10.0f %6.1f %10.1f  %7.1f/%-8.1f",
                r.itemsPerSec(),
                r.mbPerSec(),
                r.loopTasksPer1kFrames(),
                r.getP50Micros(),
                r.getP99Micros());
    }
}
