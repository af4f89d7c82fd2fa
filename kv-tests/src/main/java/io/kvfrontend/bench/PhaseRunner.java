package io.kvfrontend.bench;

import io.kvfrontend.bench.PhaseResult.OpStats;
import io.kvfrontend.bench.PhaseResult.ScanStats;
import io.kvfrontend.bench.PhaseResult.Tick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.RejectionInversionZipfSampler;
import org.apache.commons.rng.sampling.distribution.SharedStateDiscreteSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Runs one phase of a workload against one server, with the raw client or the Java SDK: KV
 * connections (closed loop at the workload's pipeline depth, or at a fixed rate) and, when asked,
 * range-scanning clients beside them. With the SDK, one cluster connection carries everything and
 * each KV "connection" is {@code pipeline} threads making blocking calls. Connections are opened (and authenticated) before the clock starts; the server's
 * meters are scraped right before and right after.
 *
 * <p><b>Thread-safe</b> (stateless); each call runs its own threads and stops them before it returns.
 */
final class PhaseRunner {
    static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    /**
     * Where and as whom, with which client.
     *
     * @param sdk            the Java SDK instead of the raw client
     * @param scanNice       nice value of the scanning clients' threads (0: as the rest)
     * @param sdkCompression whether the SDK Snappy-compresses values (its default) or not
     */
    record Connect(
            Target target,
            String user,
            String password,
            String bucket,
            boolean sdk,
            int scanNice,
            boolean sdkCompression) {
        Connect(Target target, String user, String password, String bucket) {
            this(target, user, password, bucket, false, 0, true);
        }

        Connect withSdk(boolean useSdk) {
            return new Connect(target, user, password, bucket, useSdk, scanNice, sdkCompression);
        }

        Connect withSdkCompression(boolean compress) {
            return new Connect(target, user, password, bucket, sdk, scanNice, compress);
        }

        Connect withScanNice(int nice) {
            return new Connect(target, user, password, bucket, sdk, nice, sdkCompression);
        }

        RawClient open() {
            return RawClient.open(target, user, password, bucket);
        }
    }

    private PhaseRunner() {}

    /**
     * Runs {@code workload} (its scans only if {@code withScans}) for {@code duration}, or until
     * {@code stop} is set (then it returns what was measured so far).
     */
    static PhaseResult run(
            Connect connect,
            Workload workload,
            boolean withScans,
            Duration duration,
            String label,
            String phase,
            int round,
            AtomicBoolean stop) {
        Workload.Kv kv = workload.kv();
        int scanners = withScans ? workload.scans().concurrency() : 0;
        List<RawClient> kvClients = new ArrayList<>();
        List<RawClient> scanClients = new ArrayList<>();
        int kvThreads = connect.sdk() ? kv.connections() * kv.pipeline() : kv.connections();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, kvThreads + scanners), r -> {
            Thread t = new Thread(r, "kv-bench-worker");
            t.setDaemon(true);
            return t;
        });
        SdkSession sdk = null;
        try {
            if (connect.sdk()) {
                sdk = SdkSession.open(connect);
            } else {
                for (int i = 0; i < kv.connections(); i++) {
                    kvClients.add(connect.open());
                }
                for (int i = 0; i < scanners; i++) {
                    scanClients.add(connect.open());
                }
            }
            Recorder gets = new Recorder(HIGHEST_NANOS, 3);
            Recorder sets = new Recorder(HIGHEST_NANOS, 3);
            AtomicLong getCount = new AtomicLong();
            AtomicLong setCount = new AtomicLong();
            AtomicLong misses = new AtomicLong();
            AtomicLong getErrors = new AtomicLong();
            AtomicLong setErrors = new AtomicLong();
            ScanCounters scanCounters = new ScanCounters();
            AtomicBoolean done = new AtomicBoolean();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            double ratePerConnection = kv.rate() / Math.max(1, kv.connections());
            if (sdk != null) {
                SdkSession session = sdk;
                double ratePerThread = kv.rate() / Math.max(1, kvThreads);
                for (int i = 0; i < kvThreads; i++) {
                    workers.add(pool.submit(() -> {
                        await(go);
                        new SdkKvWorker(
                                        session,
                                        kv,
                                        ratePerThread,
                                        gets,
                                        sets,
                                        getCount,
                                        setCount,
                                        misses,
                                        getErrors,
                                        setErrors,
                                        done)
                                .run();
                        return null;
                    }));
                }
                for (int i = 0; i < scanners; i++) {
                    workers.add(pool.submit(() -> {
                        Nice.setOwn(connect.scanNice());
                        await(go);
                        while (!done.get()) {
                            session.scan(workload.scans(), scanCounters, done);
                        }
                        return null;
                    }));
                }
            }
            for (RawClient c : kvClients) {
                workers.add(pool.submit(() -> {
                    await(go);
                    new KvWorker(
                                    c,
                                    kv,
                                    ratePerConnection,
                                    gets,
                                    sets,
                                    getCount,
                                    setCount,
                                    misses,
                                    getErrors,
                                    setErrors,
                                    done)
                            .run();
                    return null;
                }));
            }
            for (RawClient c : scanClients) {
                workers.add(pool.submit(() -> {
                    Nice.setOwn(connect.scanNice());
                    await(go);
                    scan(c, workload.scans(), scanCounters, done);
                    return null;
                }));
            }

            ServerMeters before = ServerMeters.scrape(connect.target(), connect.user(), connect.password());
            Histogram getTotal = new Histogram(HIGHEST_NANOS, 3);
            Histogram setTotal = new Histogram(HIGHEST_NANOS, 3);
            List<Tick> timeline = new ArrayList<>();
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            go.countDown();
            long lastOps = 0;
            long lastScanBytes = 0;
            Histogram getInterval = null;
            long now = start;
            for (int second = 1; now < end && !stop.get(); second++) {
                long next = Math.min(end, start + TimeUnit.SECONDS.toNanos(second));
                while ((now = System.nanoTime()) < next && !stop.get()) {
                    LockSupport.parkNanos(Math.min(next - now, TimeUnit.MILLISECONDS.toNanos(50)));
                }
                getInterval = gets.getIntervalHistogram(getInterval);
                getTotal.add(getInterval);
                setTotal.add(sets.getIntervalHistogram());
                long ops = getCount.get() + setCount.get();
                long scanBytes = scanCounters.bytes.get();
                timeline.add(new Tick(
                        (now - start) / 1e9,
                        ops - lastOps,
                        micros(getInterval, 50),
                        micros(getInterval, 99),
                        scanBytes - lastScanBytes));
                lastOps = ops;
                lastScanBytes = scanBytes;
            }
            // Stop the workers first, then read the counters: an operation finishing between the two
            // would otherwise be answered by the server and never counted here. What is in flight now
            // (at most one per connection and pipeline slot) is answered but not counted.
            done.set(true);
            double seconds = (System.nanoTime() - start) / 1e9;
            long getsDone = getCount.get();
            long setsDone = setCount.get();
            ScanStats scans = scanners == 0 ? null : scanCounters.snapshot();
            getTotal.add(gets.getIntervalHistogram());
            setTotal.add(sets.getIntervalHistogram());
            for (Future<?> f : workers) {
                Futures.get(f, Duration.ofMinutes(2));
            }
            ServerMeters after = ServerMeters.scrape(connect.target(), connect.user(), connect.password());
            Map<String, OpStats> ops = new LinkedHashMap<>();
            if (kv.getRatio() > 0) {
                ops.put("get", new OpStats(getsDone, misses.get(), getErrors.get(), getTotal));
            }
            if (kv.getRatio() < 1) {
                ops.put("set", new OpStats(setsDone, 0, setErrors.get(), setTotal));
            }
            return new PhaseResult(label, phase, round, seconds, ops, scans, timeline, after.minus(before));
        } finally {
            pool.shutdownNow();
            kvClients.forEach(RawClient::close);
            scanClients.forEach(RawClient::close);
            if (sdk != null) {
                sdk.close();
            }
        }
    }

    /** Picks keys as the workload says: uniform or zipfian over its key space. */
    private static IntSupplier keyChooser(Workload.Kv kv) {
        if (kv.distribution().equals("zipfian")) {
            UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create();
            SharedStateDiscreteSampler zipf = RejectionInversionZipfSampler.of(rng, kv.keys(), kv.zipfExponent());
            return () -> zipf.sample() - 1;
        }
        int n = kv.keys();
        return () -> ThreadLocalRandom.current().nextInt(n);
    }

    /** One SDK thread: blocking gets and upserts, closed loop or at a fixed rate. */
    private static final class SdkKvWorker {
        private final SdkSession sdk;
        private final Workload.Kv kv;
        private final long intervalNanos;
        private final Recorder gets;
        private final Recorder sets;
        private final AtomicLong getCount;
        private final AtomicLong setCount;
        private final AtomicLong misses;
        private final AtomicLong getErrors;
        private final AtomicLong setErrors;
        private final AtomicBoolean done;
        private final IntSupplier nextKey;
        private final byte[] value;

        SdkKvWorker(
                SdkSession sdk,
                Workload.Kv kv,
                double rate,
                Recorder gets,
                Recorder sets,
                AtomicLong getCount,
                AtomicLong setCount,
                AtomicLong misses,
                AtomicLong getErrors,
                AtomicLong setErrors,
                AtomicBoolean done) {
            this.sdk = sdk;
            this.kv = kv;
            this.intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
            this.gets = gets;
            this.sets = sets;
            this.getCount = getCount;
            this.setCount = setCount;
            this.misses = misses;
            this.getErrors = getErrors;
            this.setErrors = setErrors;
            this.done = done;
            this.nextKey = keyChooser(kv);
            this.value = new byte[kv.valueSize()];
            java.util.Arrays.fill(value, (byte) 'v');
        }

        void run() {
            Keys keys = new Keys(kv.keyPrefix());
            long start = System.nanoTime();
            for (long sequence = 0; !done.get(); sequence++) {
                long due = System.nanoTime();
                if (intervalNanos > 0) {
                    // Fixed rate: latency counts from the operation's scheduled time (coordinated omission).
                    due = start + sequence * intervalNanos;
                    long now;
                    while ((now = System.nanoTime()) < due) {
                        LockSupport.parkNanos(due - now);
                    }
                }
                String key = new String(keys.of(nextKey.getAsInt()), java.nio.charset.StandardCharsets.UTF_8);
                boolean get = kv.getRatio() >= 1
                        || (kv.getRatio() > 0 && ThreadLocalRandom.current().nextDouble() < kv.getRatio());
                boolean ok = true;
                boolean miss = false;
                try {
                    if (get) {
                        miss = !sdk.get(key);
                    } else {
                        sdk.upsert(key, value);
                    }
                } catch (RuntimeException e) {
                    ok = false;
                }
                long latency = Math.min(HIGHEST_NANOS, Math.max(0, System.nanoTime() - due));
                if (get) {
                    gets.recordValue(latency);
                    getCount.incrementAndGet();
                    if (miss) {
                        misses.incrementAndGet();
                    } else if (!ok) {
                        getErrors.incrementAndGet();
                    }
                } else {
                    sets.recordValue(latency);
                    setCount.incrementAndGet();
                    if (!ok) {
                        setErrors.incrementAndGet();
                    }
                }
            }
        }
    }

    /** Connects, authenticates and selects the bucket once, as a phase would; throws what a phase would. */
    static void probe(Connect connect) {
        if (connect.sdk()) {
            SdkSession.open(connect).close();
        } else {
            connect.open().close();
        }
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static void await(CountDownLatch go) throws InterruptedException {
        if (!go.await(1, TimeUnit.MINUTES)) {
            throw new IllegalStateException("phase never started");
        }
    }

    /** One KV connection: keeps {@code pipeline} requests in flight, or issues them at a fixed rate. */
    private static final class KvWorker {
        private final RawClient c;
        private final Workload.Kv kv;
        private final long intervalNanos;
        private final Recorder gets;
        private final Recorder sets;
        private final AtomicLong getCount;
        private final AtomicLong setCount;
        private final AtomicLong misses;
        private final AtomicLong getErrors;
        private final AtomicLong setErrors;
        private final AtomicBoolean done;
        private final Keys keys;
        private final IntSupplier nextKey;
        private final byte[] value;
        private final long[] due;
        private final boolean[] isGet;
        private long sequence;
        private long startNanos;

        KvWorker(
                RawClient c,
                Workload.Kv kv,
                double rate,
                Recorder gets,
                Recorder sets,
                AtomicLong getCount,
                AtomicLong setCount,
                AtomicLong misses,
                AtomicLong getErrors,
                AtomicLong setErrors,
                AtomicBoolean done) {
            this.c = c;
            this.kv = kv;
            this.intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
            this.gets = gets;
            this.sets = sets;
            this.getCount = getCount;
            this.setCount = setCount;
            this.misses = misses;
            this.getErrors = getErrors;
            this.setErrors = setErrors;
            this.done = done;
            this.keys = new Keys(kv.keyPrefix());
            this.value = new byte[kv.valueSize()];
            java.util.Arrays.fill(value, (byte) 'v');
            this.due = new long[kv.pipeline()];
            this.isGet = new boolean[kv.pipeline()];
            this.nextKey = keyChooser(kv);
        }

        void run() {
            startNanos = System.nanoTime();
            int depth = kv.pipeline();
            for (int slot = 0; slot < depth; slot++) {
                issue(slot);
            }
            c.flush();
            int inFlight = depth;
            while (inFlight > 0) {
                c.receive();
                long now = System.nanoTime();
                int slot = c.opaque();
                if (slot < 0 || slot >= depth) {
                    throw new BenchException("response with an unknown opaque " + slot);
                }
                long latency = Math.min(HIGHEST_NANOS, Math.max(0, now - due[slot]));
                int status = c.status();
                if (isGet[slot]) {
                    gets.recordValue(latency);
                    getCount.incrementAndGet();
                    if (status == RawClient.KEY_ENOENT) {
                        misses.incrementAndGet();
                    } else if (status != RawClient.SUCCESS) {
                        getErrors.incrementAndGet();
                    }
                } else {
                    sets.recordValue(latency);
                    setCount.incrementAndGet();
                    if (status != RawClient.SUCCESS) {
                        setErrors.incrementAndGet();
                    }
                }
                if (done.get()) {
                    inFlight--;
                } else {
                    issue(slot);
                    c.flush();
                }
            }
        }

        private void issue(int slot) {
            long now = System.nanoTime();
            if (intervalNanos > 0) {
                // Fixed rate: each operation has its time; latency counts from then, not from when
                // a slow server let us send it (coordinated omission).
                long at = startNanos + sequence * intervalNanos;
                while (now < at) {
                    LockSupport.parkNanos(at - now);
                    now = System.nanoTime();
                }
                due[slot] = at;
            } else {
                due[slot] = now;
            }
            sequence++;
            byte[] key = keys.of(nextKey.getAsInt());
            boolean get = kv.getRatio() >= 1
                    || (kv.getRatio() > 0 && ThreadLocalRandom.current().nextDouble() < kv.getRatio());
            isGet[slot] = get;
            if (get) {
                c.sendGet(key, slot);
            } else {
                c.sendSet(key, value, slot);
            }
        }
    }

    /** Scan totals, updated by every scanning client as frames arrive. */
    static final class ScanCounters {
        final AtomicLong scans = new AtomicLong();
        final AtomicLong continues = new AtomicLong();
        final AtomicLong items = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong frames = new AtomicLong();

        ScanStats snapshot() {
            return new ScanStats(scans.get(), continues.get(), items.get(), bytes.get());
        }
    }

    /** One scanning client: whole-collection scans, one after the other, until {@code done}. */
    private static void scan(RawClient c, Workload.Scans spec, ScanCounters counters, AtomicBoolean done) {
        boolean keyOnly = !spec.documents();
        int items = spec.sdkLimits() ? Workload.Scans.SDK_ITEM_LIMIT : 0;
        int bytes = spec.sdkLimits() ? Workload.Scans.SDK_BYTE_LIMIT : 0;
        while (!done.get()) {
            byte[] uuid = c.createScan(keyOnly);
            while (true) {
                RawClient.ContinueResult r = c.continueScan(uuid, keyOnly, items, bytes, counters);
                counters.continues.incrementAndGet();
                if (r.complete()) {
                    counters.scans.incrementAndGet();
                    break;
                }
                if (done.get()) {
                    c.cancelScan(uuid);
                    break;
                }
            }
        }
    }
}
