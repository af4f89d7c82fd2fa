package io.kvfrontend.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.RecordingLeakDetector;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fault scenarios in both output modes, each beside a neighbour doing one get at a time on the same
 * server, each ending in one {@code FAULTS |} line (scenario, mode, count, failures, leaks, max heap,
 * max pooled direct memory, the most output the server buffered for one connection, the neighbour's
 * p99) that {@code kv-tests/scripts/faults.sh} gathers into
 * a table. {@code -Dfaults.scale=N} multiplies the counts (1 in CI; faults.sh runs 10: 1,000 dropping
 * clients).
 *
 * <p>What must hold: every dropped connection and scan is released, slow readers cost the server
 * at most their output bound each, a password hammer gets only refusals, connection churn leaves
 * threads and file descriptors where they were, the neighbour never fails,
 * and Netty reports no leak. Heap and direct memory are this JVM's (server and clients share it).
 */
class FaultScenariosTest {
    private static final int SCALE = Integer.getInteger("faults.scale", 1);
    private static final int DOCS = 2000;
    private static final int LARGE = 1024 * 1024;
    private static final int HIGH_WATER = 1024 * 1024;

    private static TestServer start(OutputMode mode, boolean auth) {
        ServerConfig.Builder b = ScanServers.config(mode)
                .eventLoopThreads(2)
                .backgroundThreads(2)
                .spoolWaterMarks(HIGH_WATER / 2, HIGH_WATER);
        if (auth) {
            b.authEnabled(true).scramIterations(4096).users(List.of(UserConfig.admin("Administrator", "password")));
        }
        return TestServer.start(b.build());
    }

    /** Documents of 1 KiB for the scans, and one 1 MiB value for the large gets. */
    private static void load(McbpClient c) {
        byte[] doc = new byte[1024];
        java.util.Arrays.fill(doc, (byte) 'x');
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (int i = 0; i < DOCS; i++) {
            batch.writeBytes(Frames.request(0x11) // SetQ
                    .key(String.format("doc-%05d", i))
                    .extras(Frames.storeExtras(0, 0))
                    .value(doc)
                    .build());
        }
        byte[] large = new byte[LARGE];
        new Random(7).nextBytes(large);
        batch.writeBytes(Frames.request(0x01)
                .key("large")
                .extras(Frames.storeExtras(0, 0))
                .value(large)
                .opaque(99)
                .build());
        c.sendRaw(batch.toByteArray());
        assertThat(c.receive().status())
                .as("no SetQ failed, and the last set succeeded")
                .isZero();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void clientsDroppingAtRandomPointsOfScansAndLargeGetsLeaveNothingBehind(OutputMode mode) throws Exception {
        int count = 100 * SCALE;
        try (TestServer server = start(mode, false);
                Scenario s = new Scenario("drop mid-scan / mid-get", mode, server, false)) {
            AtomicInteger next = new AtomicInteger();
            s.parallel(4, () -> {
                Random random = new Random(next.get());
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    McbpClient dying = McbpClient.connect(server.port(), 4096);
                    try {
                        ScanWire.hello(dying);
                        if (i % 2 == 0) {
                            Response created = dying.call(ScanWire.create(0, "{}"));
                            if (created.status() != 0) {
                                s.failure("scan create answered 0x" + Integer.toHexString(created.status()));
                                continue;
                            }
                            dying.send(ScanWire.continueScan(0, created.value(), 0, 0, 0, 5));
                        } else {
                            ByteArrayOutputStream gets = new ByteArrayOutputStream();
                            for (int g = 0; g < 4; g++) {
                                gets.writeBytes(
                                        Frames.request(0x00).key("large").build());
                            }
                            dying.sendRaw(gets.toByteArray());
                        }
                        dying.socket().getInputStream().readNBytes(random.nextInt(2 * LARGE));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } finally {
                        if (i % 4 == 3) {
                            dying.close();
                        } else {
                            dying.abort();
                        }
                    }
                }
            });
            s.awaitReleased(1);
            s.report(count);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void clientsThatStopReadingCostAtMostTheirOutputBoundAndDoNotStallANeighbour(OutputMode mode) throws Exception {
        int count = 8 * SCALE;
        try (TestServer server = start(mode, false);
                Scenario s = new Scenario("slow readers (64 MiB asked each)", mode, server, false)) {
            long before = s.direct();
            List<McbpClient> slow = new ArrayList<>();
            try {
                ByteArrayOutputStream gets = new ByteArrayOutputStream();
                for (int g = 0; g < 64; g++) {
                    gets.writeBytes(Frames.request(0x00).key("large").build());
                }
                for (int i = 0; i < count; i++) {
                    McbpClient c = McbpClient.connect(server.port(), 4096);
                    slow.add(c);
                    ScanWire.hello(c);
                    if (i % 2 == 0) {
                        c.sendRaw(gets.toByteArray());
                    } else {
                        Response created = c.call(ScanWire.create(0, "{}"));
                        assertThat(created.status()).isZero();
                        c.send(ScanWire.continueScan(0, created.value(), 0, 0, 0, 5));
                    }
                }
                // The neighbour works on while every slow reader's output backs up.
                s.neighbourGets(1000 * SCALE);
            } finally {
                slow.forEach(McbpClient::abort);
            }
            s.awaitReleased(1);
            Row row = s.report(count);
            // What the server holds for one connection: up to its output bound, plus the one
            // response or scan chunk that crossed the mark.
            assertThat(row.maxBuffered())
                    .as("bytes buffered for one slow reader")
                    .isLessThanOrEqualTo(HIGH_WATER + 2L * LARGE);
            assertThat(row.maxDirect() - before)
                    .as("pooled direct memory above the start")
                    .isLessThanOrEqualTo(count * (HIGH_WATER + 2L * LARGE) + 32L * LARGE);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void clientsHammeringWrongPasswordsGetRefusalsAndLeaveTheNeighbourServed(OutputMode mode) throws Exception {
        int count = 4 * SCALE;
        try (TestServer server = start(mode, true);
                Scenario s = new Scenario("wrong-password hammer (PLAIN)", mode, server, true)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong refused = new AtomicLong();
            ExecutorService hammers = Executors.newFixedThreadPool(count);
            List<Future<?>> running = new ArrayList<>();
            byte[] batch;
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int i = 0; i < 16; i++) {
                b.writeBytes(Frames.request(0x21)
                        .key("PLAIN")
                        .value("\0Administrator\0guess-" + i)
                        .build());
            }
            batch = b.toByteArray();
            for (int h = 0; h < count; h++) {
                running.add(hammers.submit(() -> {
                    try (McbpClient c = server.client()) {
                        while (!stop.get()) {
                            c.sendRaw(batch);
                            for (Response r : c.receive(16)) {
                                if (r.status() != 0x20) {
                                    s.failure("a wrong password answered 0x" + Integer.toHexString(r.status()));
                                }
                                refused.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            try {
                s.neighbourGets(1000 * SCALE);
            } finally {
                stop.set(true);
                for (Future<?> f : running) {
                    f.get(60, TimeUnit.SECONDS);
                }
                hammers.shutdown();
            }
            assertThat(refused.get()).isPositive();
            s.awaitReleased(1);
            s.report(count);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void connectionChurnLeavesThreadsFilesAndConnectionsWhereTheyWere(OutputMode mode) throws Exception {
        int count = 300 * SCALE;
        try (TestServer server = start(mode, true);
                Scenario s = new Scenario("churn (connect, log in, 2 ops, close)", mode, server, true)) {
            // Once, so that the slow-work threads exist before the baseline.
            churn(server, s, 8);
            int threads = Thread.activeCount();
            long files = openFiles();
            AtomicInteger next = new AtomicInteger();
            s.parallel(4, () -> {
                while (next.getAndIncrement() < count) {
                    churn(server, s, 1);
                }
            });
            s.awaitReleased(1);
            s.report(count);
            assertThat(Thread.activeCount()).as("threads").isLessThanOrEqualTo(threads + 2);
            if (files >= 0) {
                Await.until(
                        Duration.ofSeconds(30),
                        () -> openFiles() <= files + 8,
                        () -> "open files back near " + files + "; now " + openFiles());
            }
        }
    }

    private static void churn(TestServer server, Scenario s, int times) {
        for (int i = 0; i < times; i++) {
            try (McbpClient c = server.client()) {
                ScanWire.hello(c);
                if (c.call(Frames.request(0x21).key("PLAIN").value("\0Administrator\0password"))
                                .status()
                        != 0) {
                    s.failure("login refused");
                    continue;
                }
                if (c.call(Frames.request(0x89).key("default")).status() != 0
                        || c.call(Frames.request(0x00).key("doc-00002")).status() != 0
                        || c.call(Frames.request(0x00).key("absent")).status() != 0x01) {
                    s.failure("an operation failed");
                }
            }
        }
    }

    /** This process's open file descriptors (Linux), or -1. */
    private static long openFiles() {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /** One scenario's row. */
    record Row(
            String scenario,
            OutputMode mode,
            int count,
            int failures,
            int leaks,
            long maxHeap,
            long maxDirect,
            long maxBuffered,
            long neighbourP99Micros) {
        String line() {
            return String.format(
                    "FAULTS | %s | %s | %d | %d | %d | %d MiB | %d MiB | %d KiB | %d µs",
                    scenario,
                    mode.configName(),
                    count,
                    failures,
                    leaks,
                    maxHeap >> 20,
                    maxDirect >> 20,
                    maxBuffered >> 10,
                    neighbourP99Micros);
        }
    }

    /**
     * A scenario's measurements: a sampler of heap and pooled direct memory, a neighbour that does
     * one get at a time throughout (its latency and failures), and failures the load reports.
     */
    private static final class Scenario implements AutoCloseable {
        private final String name;
        private final OutputMode mode;
        private final TestServer server;
        private final McbpClient neighbour;
        private final Histogram latency = new Histogram(60_000_000L, 3);
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicLong maxHeap = new AtomicLong();
        private final AtomicLong maxDirect = new AtomicLong();
        private final AtomicLong maxBuffered = new AtomicLong();
        private final AtomicBoolean done = new AtomicBoolean();
        private final Thread sampler;
        private final Thread background;
        private final CountDownLatch backgroundStopped = new CountDownLatch(1);

        Scenario(String name, OutputMode mode, TestServer server, boolean auth) {
            this.name = name;
            this.mode = mode;
            this.server = server;
            RecordingLeakDetector.drainReports();
            this.neighbour = server.client();
            if (auth) {
                assertThat(neighbour
                                .call(Frames.request(0x21).key("PLAIN").value("\0Administrator\0password"))
                                .status())
                        .isZero();
                assertThat(neighbour.call(Frames.request(0x89).key("default")).status())
                        .isZero();
            }
            load(neighbour);
            sampler = new Thread(
                    () -> {
                        while (!done.get()) {
                            sample();
                            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                        }
                    },
                    "fault-sampler");
            sampler.setDaemon(true);
            sampler.start();
            // The neighbour's background gets, while a parallel load runs.
            background = new Thread(
                    () -> {
                        try {
                            while (!done.get() && !Thread.currentThread().isInterrupted()) {
                                timedGet();
                            }
                        } finally {
                            backgroundStopped.countDown();
                        }
                    },
                    "fault-neighbour");
            background.setDaemon(true);
        }

        long direct() {
            return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        }

        private void sample() {
            Runtime rt = Runtime.getRuntime();
            maxHeap.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
            maxDirect.accumulateAndGet(direct(), Math::max);
            for (io.kvfrontend.connection.Connection c :
                    server.server().context().connections().all()) {
                maxBuffered.accumulateAndGet(c.output().bufferedBytes(), Math::max);
            }
        }

        void failure(String why) {
            failures.add(why);
        }

        private void timedGet() {
            long t0 = System.nanoTime();
            Response r = neighbour.call(Frames.request(0x00).key("doc-00001"));
            latency.recordValue(Math.min((System.nanoTime() - t0) / 1000, 60_000_000L));
            if (r.status() != 0 || r.value().length != 1024) {
                failure("neighbour get answered 0x" + Integer.toHexString(r.status()));
            }
        }

        /** {@code n} neighbour gets, one at a time, on this thread. */
        void neighbourGets(int n) {
            for (int i = 0; i < n; i++) {
                timedGet();
            }
        }

        /** Runs {@code task} on {@code threads} threads while the neighbour works on. */
        void parallel(int threads, Runnable task) throws Exception {
            background.start();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    fs.add(pool.submit(task));
                }
                for (Future<?> f : fs) {
                    f.get(10, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
                done.set(true);
                assertThat(backgroundStopped.await(60, TimeUnit.SECONDS)).isTrue();
            }
        }

        /** Awaits the server's connections back to {@code open} and no scan left open. */
        void awaitReleased(int open) {
            Await.until(
                    Duration.ofSeconds(60),
                    () -> server.server().context().stats().currConnections.get() == open
                            && ScanServers.stats(server).open() == 0,
                    () -> "connections and scans released; open connections "
                            + server.server().context().stats().currConnections.get() + ", scans "
                            + ScanServers.stats(server).open());
        }

        /** Prints the row and asserts what must hold of every scenario. */
        Row report(int count) {
            done.set(true);
            sample();
            List<String> leaks = RecordingLeakDetector.collectAndDrain();
            Row row = new Row(
                    name,
                    mode,
                    count,
                    failures.size(),
                    leaks.size(),
                    maxHeap.get(),
                    maxDirect.get(),
                    maxBuffered.get(),
                    latency.getValueAtPercentile(99));
            System.out.println(row.line());
            assertThat(failures).as("failures").isEmpty();
            assertThat(leaks).as("leak reports").isEmpty();
            assertThat(latency.getTotalCount()).as("neighbour gets").isPositive();
            return row;
        }

        @Override
        public void close() {
            done.set(true);
            neighbour.close();
        }
    }
}
