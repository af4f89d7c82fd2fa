package io.kvfrontend.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import io.netty.util.ResourceLeakDetector;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Spool versus sync hand-off (architecture.md, "CookieOutput: the contract"; seed-lessons.md 002,
 * 003): background producers ({@link StreamCommand}) stream frames through a cookie's output to a
 * real client over loopback, and this prints what each mode costs per frame.
 *
 * <p>Not a test: the class name is outside surefire's default includes, so {@code mvn verify} never
 * runs it. Run it with {@code kv-tests/scripts/bench-output-modes.sh}. It asserts only correctness
 * (every frame arrives, in order per producer); figures are printed, never asserted
 * (conventions.md, "Timing belongs in benchmarks, not in assertions").
 *
 * <p>Per configuration (value size S, producers P) and mode, the frame count is calibrated so one
 * run takes about {@code bench.seconds}; after two warm-up runs per mode the measured runs alternate
 * modes (spool, sync, spool, sync, ...) and the table shows medians. Both servers stay up for the
 * whole benchmark, each with its own meters; one connection per run.
 *
 * <p>Knobs (system properties, passed through by Maven): {@code bench.sizes} (default
 * {@code 64,1024,16384}), {@code bench.producers} ({@code 1,4}), {@code bench.runs} (5),
 * {@code bench.seconds} (1.5), {@code bench.leakDetection} (default {@code disabled} for the
 * measurement: PARANOID records a stack trace per buffer and would dominate the figures; the level
 * is restored for the leak check after the class).
 */
class OutputModeBenchmark {
    private static final int OPAQUE = 0x5eed;
    private static final int PRODUCER_THREADS = 4;
    private static final int MAX_PER_PRODUCER = 50_000_000;
    private static final List<OutputMode> MODES = List.of(OutputMode.SPOOL, OutputMode.SYNC);

    private static ResourceLeakDetector.Level savedLevel;

    private final Map<OutputMode, TestServer> servers = new EnumMap<>(OutputMode.class);
    private final Map<OutputMode, StreamCommand> streams = new EnumMap<>(OutputMode.class);
    private final ExecutorService readerThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bench-reader");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    static void lowerLeakDetection() {
        savedLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.valueOf(
                System.getProperty("bench.leakDetection", "disabled").toUpperCase(Locale.ROOT)));
    }

    @AfterAll
    static void restoreLeakDetection() {
        ResourceLeakDetector.setLevel(savedLevel);
    }

    // A benchmark runs minutes, not the 60 s kv-tests allows a test before calling it hung.
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    @Test
    void compareOutputModes() throws Exception {
        int[] sizes = ints(System.getProperty("bench.sizes", "64,1024,16384"));
        int[] producerCounts = ints(System.getProperty("bench.producers", "1,4"));
        int runs = Integer.getInteger("bench.runs", 5);
        double seconds = Double.parseDouble(System.getProperty("bench.seconds", "1.5"));

        StringBuilder report = new StringBuilder();
        try {
            for (OutputMode mode : MODES) {
                StreamCommand stream = new StreamCommand(PRODUCER_THREADS);
                streams.put(mode, stream);
                servers.put(
                        mode,
                        TestServer.start(TestServer.config().outputMode(mode).build(), List.of(stream.spec())));
            }
            var context = servers.get(OutputMode.SPOOL).server().context();
            report.append(header(runs, seconds, context.transportName(), context.eventLoopThreads()));
            System.out.print(report);
            System.out.flush();
            for (int size : sizes) {
                for (int producers : producerCounts) {
                    String block = measure(size, producers, runs, seconds);
                    System.out.print(block);
                    System.out.flush();
                    report.append(block);
                }
            }
        } finally {
            servers.values().forEach(TestServer::close);
            streams.values().forEach(StreamCommand::close);
            readerThread.shutdownNow();
        }
        String basedir = System.getProperty("basedir", System.getProperty("user.dir"));
        Path out = Path.of(basedir, "target", "bench", "output-modes.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
        System.out.println("written to " + out);
    }

    // ---------------------------------------------------------------- one configuration

    private String measure(int size, int producers, int runs, double seconds) throws Exception {
        Map<OutputMode, Integer> perProducer = new EnumMap<>(OutputMode.class);
        for (OutputMode mode : MODES) {
            perProducer.put(mode, calibrate(mode, size, producers, seconds));
        }
        for (OutputMode mode : MODES) {
            // Two warm-ups at full size, not recorded; the faster one refines the calibration, so a
            // burst of outside load during calibration makes runs longer, never too short.
            int n = perProducer.get(mode);
            long fastest = Math.min(run(mode, size, producers, n).nanos, run(mode, size, producers, n).nanos);
            perProducer.put(mode, scale(n, seconds, fastest / 1e9));
        }
        Map<OutputMode, List<Run>> results = new EnumMap<>(OutputMode.class);
        for (int i = 0; i < runs; i++) {
            for (OutputMode mode : MODES) {
                results.computeIfAbsent(mode, m -> new ArrayList<>())
                        .add(run(mode, size, producers, perProducer.get(mode)));
            }
        }
        return table(size, producers, runs, results);
    }

    /**
     * Frames per producer for a run of about {@code seconds}: doubles a short run until it takes
     * 0.3 s at least, after two throw-away runs that warm the path up.
     */
    private int calibrate(OutputMode mode, int size, int producers, double seconds) throws Exception {
        int perProducer = Math.max(64, 4096 / producers);
        run(mode, size, producers, perProducer);
        run(mode, size, producers, perProducer);
        while (true) {
            Run r = run(mode, size, producers, perProducer);
            double elapsed = r.nanos / 1e9;
            if (elapsed >= 0.3 || perProducer >= MAX_PER_PRODUCER) {
                return scale(perProducer, seconds, elapsed);
            }
            perProducer = (int) Math.min(MAX_PER_PRODUCER, perProducer * (elapsed < 0.05 ? 8L : 2L));
        }
    }

    private static int scale(int perProducer, double seconds, double elapsed) {
        long scaled = Math.round(perProducer * seconds / Math.max(elapsed, 1e-3));
        return (int) Math.max(64, Math.min(scaled, MAX_PER_PRODUCER));
    }

    // ---------------------------------------------------------------- one run

    /** What one run measured; the per-frame figures are derived in {@link #table}. */
    record Run(
            long frames,
            long wireBytes,
            long nanos,
            OutputMetrics.Snapshot metrics,
            long producerPauses,
            long[] ctxByGroup,
            long[] cpuNanosByGroup) {}

    private Run run(OutputMode mode, int size, int producers, int perProducer) throws Exception {
        TestServer server = servers.get(mode);
        OutputMetrics metrics = server.server().context().outputMetrics();
        System.gc();
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setReceiveBufferSize(1 << 20);
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            socket.setSoTimeout(60_000);
            byte[] request =
                    StreamCommand.request(OPAQUE, producers, perProducer, size).build();
            StreamReader reader = new StreamReader(socket.getInputStream(), OPAQUE, producers, perProducer, size);

            StreamCommand stream = streams.get(mode);
            long pauses0 = stream.pauses.get();
            OutputMetrics.Snapshot m0 = metrics.snapshot();
            long[] ctx0 = ThreadGroupStats.contextSwitches();
            long[] cpu0 = ThreadGroupStats.cpuNanos();
            long t0 = System.nanoTime();
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            Future<Long> done = readerThread.submit(reader::readStream);
            long frames;
            try {
                frames = done.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
            long t1 = System.nanoTime();
            long[] cpu1 = ThreadGroupStats.cpuNanos();
            long[] ctx1 = ThreadGroupStats.contextSwitches();
            OutputMetrics.Snapshot m1 = metrics.snapshot();
            long pauses1 = stream.pauses.get();

            assertThat(frames).as("data frames received").isEqualTo((long) producers * perProducer);
            return new Run(
                    frames,
                    frames * (24L + size),
                    t1 - t0,
                    delta(m0, m1),
                    pauses1 - pauses0,
                    minus(ctx1, ctx0),
                    minus(cpu1, cpu0));
        }
    }

    private static OutputMetrics.Snapshot delta(OutputMetrics.Snapshot a, OutputMetrics.Snapshot b) {
        return new OutputMetrics.Snapshot(
                b.mode(),
                b.onLoopWrites() - a.onLoopWrites(),
                b.offLoopWrites() - a.offLoopWrites(),
                b.drains() - a.drains(),
                b.handOffs() - a.handOffs(),
                b.handOffWaitNanos() - a.handOffWaitNanos(),
                b.loopTasks() - a.loopTasks(),
                b.pauses() - a.pauses(),
                b.resumes() - a.resumes(),
                b.dropped() - a.dropped(),
                b.spoolDepth(),
                b.spoolBytes(),
                b.quantumExhausted() - a.quantumExhausted(),
                b.scheduleDelays() - a.scheduleDelays(),
                b.scheduleDelayNanos() - a.scheduleDelayNanos(),
                b.outputTurns() - a.outputTurns(),
                b.outputTurnBytes() - a.outputTurnBytes(),
                b.producers());
    }

    private static long[] minus(long[] a, long[] b) {
        long[] d = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    // ---------------------------------------------------------------- the client

    /**
     * A lean MCBP response reader: parses each 24-byte header, keeps only the first bytes of each
     * body (producer and sequence numbers, or the final "done:N") and skips the rest, reading into
     * one reused buffer. Checks every frame: opcode, opaque, status, length, and each producer's
     * sequence 0, 1, 2, ... without gap or reordering.
     */
    static final class StreamReader {
        private static final int HEAD = 32;
        private final InputStream in;
        private final int opaque;
        private final int producers;
        private final int perProducer;
        private final int valueSize;
        private final byte[] buf = new byte[256 * 1024];
        private final byte[] header = new byte[24];
        private final byte[] head = new byte[HEAD];
        private final int[] nextSeq;

        StreamReader(InputStream in, int opaque, int producers, int perProducer, int valueSize) {
            this.in = in;
            this.opaque = opaque;
            this.producers = producers;
            this.perProducer = perProducer;
            this.valueSize = valueSize;
            this.nextSeq = new int[producers];
        }

        /** Reads the whole stream up to its final response; returns the data frames received. */
        long readStream() throws IOException {
            long expected = (long) producers * perProducer;
            long frames = 0;
            int headerFill = 0;
            long bodyRemaining = -1; // -1: reading a header
            int bodyLength = 0;
            int headFill = 0;
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    throw new EOFException("connection closed after " + frames + " of " + expected + " frames");
                }
                int i = 0;
                while (i < n) {
                    if (bodyRemaining < 0) {
                        int take = Math.min(24 - headerFill, n - i);
                        System.arraycopy(buf, i, header, headerFill, take);
                        headerFill += take;
                        i += take;
                        if (headerFill < 24) {
                            continue;
                        }
                        headerFill = 0;
                        bodyLength = checkHeader(frames);
                        bodyRemaining = bodyLength;
                        headFill = 0;
                    } else {
                        int take = (int) Math.min(bodyRemaining, n - i);
                        if (headFill < HEAD) {
                            int c = Math.min(take, HEAD - headFill);
                            System.arraycopy(buf, i, head, headFill, c);
                            headFill += c;
                        }
                        i += take;
                        bodyRemaining -= take;
                    }
                    if (bodyRemaining == 0) {
                        bodyRemaining = -1;
                        if (frames < expected) {
                            checkData(bodyLength, frames);
                            frames++;
                        } else {
                            checkFinal(bodyLength, headFill, expected);
                            if (i != n || in.available() > 0) {
                                throw new AssertionError("bytes after the final response");
                            }
                            for (int p = 0; p < producers; p++) {
                                assertThat(nextSeq[p])
                                        .as("frames of producer %d", p)
                                        .isEqualTo(perProducer);
                            }
                            return frames;
                        }
                    }
                }
            }
        }

        private int checkHeader(long frames) {
            int magic = header[0] & 0xff;
            int opcode = header[1] & 0xff;
            int keyLength = ((header[2] & 0xff) << 8) | (header[3] & 0xff);
            int extrasLength = header[4] & 0xff;
            int status = ((header[6] & 0xff) << 8) | (header[7] & 0xff);
            long bodyLength = u32(header, 8);
            int frameOpaque = (int) u32(header, 12);
            if (magic != 0x81
                    || opcode != StreamCommand.OPCODE.code()
                    || status != 0
                    || frameOpaque != opaque
                    || keyLength != 0
                    || extrasLength != 0
                    || bodyLength > valueSize) {
                throw new AssertionError(String.format(
                        "unexpected response header after %d frames: magic 0x%x "
                                + "opcode 0x%x status 0x%x opaque 0x%x key %d extras %d body %d",
                        frames, magic, opcode, status, frameOpaque, keyLength, extrasLength, bodyLength));
            }
            return (int) bodyLength;
        }

        private void checkData(int bodyLength, long frames) {
            if (bodyLength != valueSize) {
                throw new AssertionError(
                        "frame " + frames + " has a " + bodyLength + "-byte value, expected " + valueSize);
            }
            int producer = (int) u32(head, 0);
            int seq = (int) u32(head, 4);
            if (producer < 0 || producer >= producers || seq != nextSeq[producer]) {
                throw new AssertionError("frame " + frames + ": producer " + producer + " seq " + seq
                        + (producer >= 0 && producer < producers ? ", expected " + nextSeq[producer] : ""));
            }
            nextSeq[producer]++;
        }

        private void checkFinal(int bodyLength, int headFill, long expected) {
            String text = new String(head, 0, Math.min(bodyLength, headFill), StandardCharsets.US_ASCII);
            assertThat(text).as("final response").isEqualTo("done:" + expected);
        }

        private static long u32(byte[] b, int off) {
            return ((b[off] & 0xffL) << 24)
                    | ((b[off + 1] & 0xff) << 16)
                    | ((b[off + 2] & 0xff) << 8)
                    | (b[off + 3] & 0xff);
        }
    }

    // ---------------------------------------------------------------- threads of this JVM

    /** Context switches and CPU time of this JVM's threads, by thread-name group. */
    static final class ThreadGroupStats {
        static final int LOOP = 0;
        static final int PRODUCER = 1;
        static final int READER = 2;
        static final int OTHER = 3;
        static final int TOTAL = 4;
        static final String[] NAMES = {"loops", "producers", "reader", "other"};
        private static final Path TASKS = Path.of("/proc/self/task");
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        static int group(String name) {
            if (name.startsWith("kv-loop-")) {
                return LOOP;
            }
            if (name.startsWith("test-producer-")) {
                return PRODUCER;
            }
            if (name.startsWith("bench-reader")) {
                return READER;
            }
            return OTHER;
        }

        /**
         * Voluntary + non-voluntary context switches summed over {@code /proc/self/task/*}/status
         * per group, and the total at {@link #TOTAL}. Threads that exit between two snapshots take
         * their counts with them; the pools here live for the whole benchmark.
         */
        static long[] contextSwitches() {
            long[] sums = new long[TOTAL + 1];
            try (Stream<Path> tasks = Files.list(TASKS)) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    String name = "";
                    long switches = 0;
                    try {
                        for (String line : Files.readAllLines(task.resolve("status"), StandardCharsets.ISO_8859_1)) {
                            if (line.startsWith("Name:")) {
                                name = line.substring(5).trim();
                            } else if (line.startsWith("voluntary_ctxt_switches:")
                                    || line.startsWith("nonvoluntary_ctxt_switches:")) {
                                switches += Long.parseLong(
                                        line.substring(line.indexOf(':') + 1).trim());
                            }
                        }
                    } catch (IOException | UncheckedIOException e) {
                        continue; // the thread exited meanwhile
                    }
                    sums[group(name)] += switches;
                    sums[TOTAL] += switches;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return sums;
        }

        /**
         * CPU time per group of Java threads (ThreadMXBean, nanoseconds); {@link #OTHER} is the
         * process's CPU time minus the named groups, so it includes GC and compiler threads.
         */
        static long[] cpuNanos() {
            long[] sums = new long[TOTAL + 1];
            long[] ids = THREADS.getAllThreadIds();
            ThreadInfo[] infos = THREADS.getThreadInfo(ids);
            for (int i = 0; i < ids.length; i++) {
                if (infos[i] == null) {
                    continue;
                }
                int g = group(infos[i].getThreadName());
                if (g != OTHER) {
                    long t = THREADS.getThreadCpuTime(ids[i]);
                    if (t > 0) {
                        sums[g] += t;
                    }
                }
            }
            long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            sums[TOTAL] = process;
            sums[OTHER] = process - sums[LOOP] - sums[PRODUCER] - sums[READER];
            return sums;
        }
    }

    // ---------------------------------------------------------------- the table

    private static String header(int runs, double seconds, String transport, int loops) {
        Runtime rt = Runtime.getRuntime();
        return String.format(
                Locale.ROOT,
                "%nkv-frontend output modes: spool vs sync hand-off (%s)%n"
                        + "JVM %s %s, %d CPUs visible, max heap %d MiB, leak detection %s, assertions %s%n"
                        + "server per mode: transport %s, %d event loops, %d producer threads; client: one raw "
                        + "socket per run, lean reader thread%n"
                        + "per configuration: calibrated to ~%.1f s per run, 2 warm-up runs per mode, then %d runs "
                        + "per mode alternating spool/sync; medians (spread = min..max frames/s)%n"
                        + "MB = 10^6 bytes on the wire (24-byte header + value); producer yields = a producer gave up "
                        + "its thread for lack of capacity (StreamCommand: PAUSE answer or capacity check before a "
                        + "write);%nother loop tasks = loop tasks that are neither a drain that wrote frames nor a "
                        + "hand-off: drain tasks that found nothing to write, capacity call-back runs, the resume;%n"
                        + "ctx = context switches "
                        + "(/proc/self/task/*/status); CPU = thread CPU time (ThreadMXBean), other = rest of the "
                        + "process (GC, JIT, ...)%n",
                LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME.withLocale(Locale.ROOT)),
                System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                rt.availableProcessors(),
                rt.maxMemory() >> 20,
                ResourceLeakDetector.getLevel(),
                assertionsOn() ? "on" : "off",
                transport,
                loops,
                PRODUCER_THREADS,
                seconds,
                runs);
    }

    @SuppressWarnings("AssertWithSideEffects")
    private static boolean assertionsOn() {
        boolean on = false;
        assert on = true;
        return on;
    }

    private static String table(int size, int producers, int runs, Map<OutputMode, List<Run>> results) {
        List<Run> spool = results.get(OutputMode.SPOOL);
        List<Run> sync = results.get(OutputMode.SYNC);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "%n== value %s, %d producer%s (median of %d runs per mode; " + "load average %s) ==%n",
                bytes(size),
                producers,
                producers == 1 ? "" : "s",
                runs,
                loadAverage()));
        sb.append(String.format(Locale.ROOT, "%-34s %16s %16s %10s%n", "", "spool", "sync", "sync/spool"));
        row(sb, "frames per run", spool, sync, r -> r.frames, "%.0f");
        row(sb, "run time s", spool, sync, r -> r.nanos / 1e9, "%.2f");
        row(sb, "frames/s", spool, sync, r -> r.frames * 1e9 / r.nanos, "%.0f");
        sb.append(String.format(
                Locale.ROOT, "%-34s %16s %16s%n", "  spread frames/s (min..max)", spread(spool), spread(sync)));
        row(sb, "MB/s", spool, sync, r -> r.wireBytes * 1e3 / r.nanos, "%.1f");
        row(sb, "loop tasks / 1000 frames", spool, sync, r -> per1000(r.metrics.loopTasks(), r), "%.1f");
        row(sb, "drains / 1000 frames", spool, sync, r -> per1000(r.metrics.drains(), r), "%.1f");
        row(
                sb,
                "  other loop tasks / 1000 frames",
                spool,
                sync,
                r -> per1000(r.metrics.loopTasks() - r.metrics.drains() - r.metrics.handOffs(), r),
                "%.1f");
        row(
                sb,
                "frames per drain",
                spool,
                sync,
                r -> r.metrics.drains() == 0 ? 0 : (double) r.frames / r.metrics.drains(),
                "%.1f");
        row(sb, "hand-offs / 1000 frames", spool, sync, r -> per1000(r.metrics.handOffs(), r), "%.1f");
        row(sb, "producer wait us / frame", spool, sync, r -> r.metrics.handOffWaitNanos() / 1e3 / r.frames, "%.2f");
        row(sb, "PAUSE answers / 1000 frames", spool, sync, r -> per1000(r.metrics.pauses(), r), "%.2f");
        row(sb, "producer yields / 1000 frames", spool, sync, r -> per1000(r.producerPauses, r), "%.2f");
        row(sb, "capacity call-backs / 1000 frames", spool, sync, r -> per1000(r.metrics.resumes(), r), "%.2f");
        row(
                sb,
                "ctx switches / 1000 frames",
                spool,
                sync,
                r -> per1000(r.ctxByGroup[ThreadGroupStats.TOTAL], r),
                "%.1f");
        for (int g = 0; g < ThreadGroupStats.NAMES.length; g++) {
            int group = g;
            row(sb, "  " + ThreadGroupStats.NAMES[g], spool, sync, r -> per1000(r.ctxByGroup[group], r), "%.1f");
        }
        row(
                sb,
                "CPU us / frame (process)",
                spool,
                sync,
                r -> r.cpuNanosByGroup[ThreadGroupStats.TOTAL] / 1e3 / r.frames,
                "%.3f");
        for (int g = 0; g < ThreadGroupStats.NAMES.length; g++) {
            int group = g;
            row(
                    sb,
                    "  " + ThreadGroupStats.NAMES[g],
                    spool,
                    sync,
                    r -> r.cpuNanosByGroup[group] / 1e3 / r.frames,
                    "%.3f");
        }
        return sb.toString();
    }

    /** The 1-minute load average: other work on the machine shows here, and in the spread. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static double per1000(long count, Run r) {
        return count * 1000.0 / r.frames;
    }

    private static void row(
            StringBuilder sb, String label, List<Run> a, List<Run> b, ToDoubleFunction<Run> f, String format) {
        double ma = median(a, f);
        double mb = median(b, f);
        String ratio = ma == 0 || mb == 0 ? "-" : String.format(Locale.ROOT, "%.2f", mb / ma);
        sb.append(String.format(
                Locale.ROOT, "%-34s %16s %16s %10s%n", label, group(format, ma), group(format, mb), ratio));
    }

    private static String group(String format, double v) {
        if (format.equals("%.0f")) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, format, v);
    }

    private static String spread(List<Run> runs) {
        double[] rates = runs.stream()
                .mapToDouble(r -> r.frames * 1e9 / r.nanos)
                .sorted()
                .toArray();
        return String.format(Locale.ROOT, "%,.0f..%,.0f", rates[0], rates[rates.length - 1]);
    }

    private static double median(List<Run> runs, ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static String bytes(int size) {
        return size % 1024 == 0 ? (size / 1024) + " KiB" : size + " B";
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt)
                .toArray();
    }
}
