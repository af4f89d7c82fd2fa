package io.kvfrontend.bench;

import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.ScopeConfig;
import io.kvfrontend.engine.spi.StoreMode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import io.netty.util.ResourceLeakDetector;
import java.nio.ByteBuffer;
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
 * gets one at a time; their latency is reported as p50/p99, next to a baseline without scans.
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

    record Result(String workload, int scans, OutputMode mode, double itemsPerSec, double mbPerSec, long frames,
                  double loopTasksPer1kFrames, double getP50Micros, double getP99Micros, long gets) {
    }

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
                    run(servers.get(mode), mode, true, 3, scans, null);
                    run(servers.get(mode), mode, false, 1, scans, null);
                }
            }
            for (OutputMode mode : OutputMode.values()) {
                System.gc();
                double[] idle = idleGets(servers.get(mode));
                baselines.add(String.format(Locale.ROOT,
                        "%-5s get latency without scans: p50 %.1f us, p99 %.1f us", mode.configName(), idle[0],
                        idle[1]));
            }
            for (boolean keyOnly : new boolean[] {true, false}) {
                for (int scans : CONCURRENCY) {
                    for (OutputMode mode : OutputMode.values()) {
                        System.gc();
                        results.add(run(servers.get(mode), mode, keyOnly, keyOnly ? 20 : 4, scans, "measure"));
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
        BucketConfig bucket = new BucketConfig("default", 1L << 30, 1, BucketConfig.DEFAULT_MAX_VALUE_BYTES, true,
                List.of(new ScopeConfig("_default", List.of("keys"))));
        return TestServer.start(TestServer.config().outputMode(mode).eventLoopThreads(1).backgroundThreads(2)
                .buckets(List.of(bucket)).build());
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
    private static Result run(TestServer server, OutputMode mode, boolean keyOnly, int repeats, int scans,
                              String label) throws Exception {
        OutputMetrics metrics = server.server().context().outputMetrics();
        ExecutorService pool = Executors.newFixedThreadPool(scans + 1);
        AtomicBoolean scanning = new AtomicBoolean(true);
        CountDownLatch ready = new CountDownLatch(scans + 1);
        List<Future<long[]>> scanners = new ArrayList<>();
        try {
            Future<long[]> getter = pool.submit(() -> gets(server, scanning, ready));
            long tasksBefore = metrics.snapshot().loopTasks();
            long start;
            for (int s = 0; s < scans; s++) {
                scanners.add(pool.submit(() -> scan(server, keyOnly, repeats, ready)));
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
            return new Result(keyOnly ? "key-only" : "1 KiB docs", scans, mode, items / seconds, bytes / seconds / 1e6,
                    frames, frames == 0 ? 0 : tasks * 1000.0 / frames, percentile(latencies, 50),
                    percentile(latencies, 99), latencies.length);
        } finally {
            scanning.set(false);
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /** One scanning client: returns items, payload bytes, frames. */
    private static long[] scan(TestServer server, boolean keyOnly, int repeats, CountDownLatch ready) {
        try (McbpClient c = server.client()) {
            hello(c);
            ready.countDown();
            ready.await(30, TimeUnit.SECONDS);
            long items = 0;
            long bytes = 0;
            long frames = 0;
            for (int i = 0; i < repeats; i++) {
                String json = keyOnly ? "{\"collection\":\"8\",\"key_only\":true}" : "{}";
                Response created = c.call(Frames.request(0xda).datatype(0x01).value(json));
                if (created.status() != 0) {
                    throw new IllegalStateException("create failed: " + created);
                }
                c.send(Frames.request(0xdb).opaque(i).extras(ByteBuffer.allocate(28).put(created.value()).putInt(0)
                        .putInt(0).putInt(0).array()));
                while (true) {
                    Response r = c.receive();
                    if (r.status() == 0) {
                        frames++;
                        bytes += r.value().length;
                        items += count(r.value(), keyOnly);
                        continue;
                    }
                    if (r.status() != 0xa7) {
                        throw new IllegalStateException("continue ended with " + r);
                    }
                    break;
                }
            }
            return new long[] {items, bytes, frames};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Items in a batch, walking the encoding (mcbp-protocol.md 11.2). */
    private static int count(byte[] v, boolean keyOnly) {
        int n = 0;
        int i = 0;
        while (i < v.length) {
            if (!keyOnly) {
                i += 4 + 4 + 8 + 8 + 1;
            }
            int[] len = leb(v, i);
            i = len[1] + len[0];
            if (!keyOnly) {
                len = leb(v, i);
                i = len[1] + len[0];
            }
            n++;
        }
        return n;
    }

    private static int[] leb(byte[] v, int i) {
        int value = 0;
        int shift = 0;
        while (true) {
            int b = v[i++] & 0xff;
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return new int[] {value, i};
            }
            shift += 7;
        }
    }

    /** Gets one at a time until scanning stops; returns each latency in nanoseconds. */
    private static long[] gets(TestServer server, AtomicBoolean scanning, CountDownLatch ready) {
        try (McbpClient c = server.client()) {
            hello(c);
            ready.countDown();
            long[] lat = new long[1 << 16];
            int n = 0;
            int i = 0;
            while (scanning.get()) {
                byte[] k = key("doc::", (i++ * 7919) % DOC_COUNT);
                long t0 = System.nanoTime();
                Response r = c.call(Frames.request(0x00).key(k));
                long t = System.nanoTime() - t0;
                if (r.status() != 0) {
                    throw new IllegalStateException("get failed: " + r);
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

    private static void hello(McbpClient c) {
        Response r = c.call(Frames.request(0x1f).key("bench").value(new byte[] {0, 0x07, 0, 0x0b}));
        if (r.status() != 0) {
            throw new IllegalStateException("hello failed: " + r);
        }
    }

    private static String table(List<Result> results, List<String> baselines) {
        StringBuilder sb = new StringBuilder();
        sb.append("Range scans: spool vs sync hand-off (1 event loop, 2 aux threads, ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores; ")
                .append(KEY_COUNT).append(" keys / ").append(DOC_COUNT).append(" x 1 KiB docs; one unlimited continue per scan)\n\n");
        String header = String.format(Locale.ROOT, "%-11s %5s | %-44s | %-44s%n", "workload", "scans",
                "spool: items/s  MB/s  tasks/1k-fr  get p50/p99 us", "sync: items/s  MB/s  tasks/1k-fr  get p50/p99 us");
        sb.append(header).append("-".repeat(header.length() - 1)).append('\n');
        for (int i = 0; i < results.size(); i++) {
            Result spool = results.get(i);
            if (spool.mode() != OutputMode.SPOOL) {
                continue;
            }
            Result sync = results.stream().filter(r -> r.mode() == OutputMode.SYNC
                    && r.workload().equals(spool.workload()) && r.scans() == spool.scans()).findFirst().orElseThrow();
            sb.append(String.format(Locale.ROOT, "%-11s %5d | %s | %s%n", spool.workload(), spool.scans(),
                    cells(spool), cells(sync)));
        }
        sb.append('\n');
        baselines.forEach(b -> sb.append(b).append('\n'));
        sb.append("tasks/1k-fr = event-loop tasks submitted by the output path per 1000 item frames.\n");
        sb.append("get p50/p99 = latency of one-at-a-time gets by another client on the same event loop.\n");
        return sb.toString();
    }

    private static String cells(Result r) {
        return String.format(Locale.ROOT, "%10.0f %6.1f %10.1f  %7.1f/%-8.1f", r.itemsPerSec(), r.mbPerSec(),
                r.loopTasksPer1kFrames(), r.getP50Micros(), r.getP99Micros());
    }
}
