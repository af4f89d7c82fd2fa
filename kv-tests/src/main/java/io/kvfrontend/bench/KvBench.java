package io.kvfrontend.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code java -jar kv-tests/target/kv-bench.jar load|run|compare ...}: loads documents into a
 * running server, drives a workload against it, or compares two servers (or one server's two output
 * modes) in alternating rounds and writes a report. Everything goes over the network to whatever
 * server is named; nothing runs in-process.
 *
 * <p>Exit codes: 0 done, 2 a problem the user can fix (one line on stderr), 1 anything else.
 * Ctrl-C stops the measurement and still writes what was measured.
 */
@Command(
        name = "kv-bench",
        mixinStandardHelpOptions = true,
        version = "kv-bench 0.1",
        description = "Load, drive and compare MCBP servers (kv-frontend, Couchbase Server, memcached).",
        subcommands = {
            KvBench.Load.class,
            KvBench.Run.class,
            KvBench.Compare.class,
            KvBench.Connections.class,
            KvBench.Churn.class
        })
public final class KvBench {
    private KvBench() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code = execute(args, System.out, System.err);
        System.exit(code);
    }

    /** Runs a command line; returns the exit code. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new KvBench());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof BenchException b) {
                err.println("kv-bench: " + b.getMessage());
                return 2;
            }
            err.println("kv-bench: failed: " + e);
            e.printStackTrace(err);
            return 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            err.println("kv-bench: " + e.getMessage());
            return 2;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl.execute(args);
    }

    /** Options every command has. */
    static final class Credentials {
        @Option(
                names = "--user",
                defaultValue = "Administrator",
                description = "User name (default: ${DEFAULT-VALUE}).")
        String user;

        @Option(names = "--password", defaultValue = "password", description = "Password (default: ${DEFAULT-VALUE}).")
        String password;

        @Option(names = "--bucket", defaultValue = "default", description = "Bucket (default: ${DEFAULT-VALUE}).")
        String bucket;

        @Option(
                names = "--no-auth",
                description = "Do not authenticate or select a bucket (memcached, or a server " + "with --no-auth).")
        boolean noAuth;

        PhaseRunner.Connect connect(Target t) {
            return noAuth ? new PhaseRunner.Connect(t, "", "", "") : new PhaseRunner.Connect(t, user, password, bucket);
        }
    }

    /** Which client drives the workload: {@code raw} (kv-bench's own, for the numbers) or {@code sdk}. */
    static final class ClientChoice {
        @Option(
                names = "--client",
                defaultValue = "raw",
                description = "raw (kv-bench's own MCBP client), sdk "
                        + "(the official Couchbase Java SDK; each KV connection is PIPELINE threads) or "
                        + "sdk-uncompressed (the SDK with its Snappy compression off) (default: ${DEFAULT-VALUE}).")
        String client;

        @Option(
                names = "--scan-nice",
                defaultValue = "0",
                description = "Nice value (0-19) of the scanning "
                        + "clients' threads, so that on a shared client core they do not delay the KV connections whose "
                        + "latency is measured (Linux; default: ${DEFAULT-VALUE}).")
        int scanNice;

        PhaseRunner.Connect apply(PhaseRunner.Connect c) {
            if (scanNice < 0 || scanNice > 19) {
                throw new BenchException("--scan-nice must be 0..19 (got " + scanNice + ")");
            }
            PhaseRunner.Connect withNice = c.withScanNice(scanNice);
            return switch (client.toLowerCase(Locale.ROOT)) {
                case "raw" -> withNice;
                case "sdk" -> withNice.withSdk(true);
                case "sdk-uncompressed" -> withNice.withSdk(true).withSdkCompression(false);
                default ->
                    throw new BenchException("--client must be raw, sdk or sdk-uncompressed (got " + client + ")");
            };
        }
    }

    /** Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}. */
    static Duration duration(String s, String option) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            switch (t.charAt(t.length() - 1)) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                default:
                    break;
            }
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            // below
        }
        throw new BenchException(option + " '" + s + "' is not a duration such as 500ms, 10s, 5m or 1h");
    }

    /**
     * Lets Ctrl-C end the measurement: the hook sets {@code stop} and waits (briefly) for the command
     * to write what it has.
     */
    static final class Interrupts implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        private final CountDownLatch finished = new CountDownLatch(1);
        private final Thread hook = new Thread(
                () -> {
                    stop.set(true);
                    try {
                        finished.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "kv-bench-interrupt");

        Interrupts() {
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void close() {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running and now lets go
            }
        }
    }

    @Command(
            name = "load",
            mixinStandardHelpOptions = true,
            description = "Write N documents (keys PREFIX00000000 " + "and up) into a bucket, with a progress bar.")
    static final class Load implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--target", required = true, description = "HOST:PORT[,MGMT_PORT] of the server.")
        String target;

        @Option(names = "--documents", defaultValue = "40000", description = "How many (default: ${DEFAULT-VALUE}).")
        int documents;

        @Option(
                names = "--size",
                defaultValue = "1024",
                description = "Value size, SIZE or MIN..MAX for sizes "
                        + "uniformly between (k/m suffixes; default: ${DEFAULT-VALUE}).")
        String size;

        @Option(names = "--key-prefix", defaultValue = "doc::", description = "Key prefix (default: ${DEFAULT-VALUE}).")
        String prefix;

        @Option(names = "--connections", defaultValue = "4", description = "Connections (default: ${DEFAULT-VALUE}).")
        int connections;

        @Option(names = "--quiet", description = "No progress bar.")
        boolean quiet;

        @Mixin
        Credentials credentials;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (documents < 1) {
                throw new BenchException("--documents must be at least 1");
            }
            Loader.Sizes sizes = Loader.Sizes.parse(size);
            Target t = Target.parse(target);
            try (Interrupts interrupts = new Interrupts();
                    ProgressBar bar = new ProgressBarBuilder()
                            .setTaskName("load")
                            .setInitialMax(documents)
                            .setStyle(ProgressBarStyle.ASCII)
                            .setConsumer(
                                    quiet
                                            ? new SilentConsumer()
                                            : new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                            .setUpdateIntervalMillis(250)
                            .build()) {
                Loader.Summary s = Loader.load(
                        credentials.connect(t), prefix, documents, sizes, connections, bar::stepBy, interrupts.stop);
                bar.stepTo(documents);
                spec.commandLine()
                        .getOut()
                        .printf(
                                Locale.ROOT,
                                "loaded %,d documents (%s, %,.1f MB) into %s in %.1f s " + "(%,.0f docs/s)%s%n",
                                s.documents(),
                                sizes,
                                s.bytes() / 1e6,
                                t,
                                s.seconds(),
                                s.documents() / s.seconds(),
                                s.errors() == 0
                                        ? ""
                                        : String.format(
                                                Locale.ROOT,
                                                "; %d writes failed (first status 0x%x)",
                                                s.errors(),
                                                s.firstErrorStatus()));
                return s.errors() == 0 ? 0 : 1;
            }
        }
    }

    /** A progress-bar consumer that shows nothing. */
    private static final class SilentConsumer implements me.tongfei.progressbar.ProgressBarConsumer {
        @Override
        public int getMaxRenderedLength() {
            return 80;
        }

        @Override
        public void accept(String rendered) {}

        @Override
        public void close() {}
    }

    @Command(
            name = "connections",
            mixinStandardHelpOptions = true,
            description = "Open many authenticated connections, hold them idle, close them; with "
                    + "--server-pid, print the server's live heap per idle connection.")
    static final class Connections implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--target", required = true, description = "HOST:PORT[,MGMT_PORT] of the server.")
        String target;

        @Option(names = "--count", defaultValue = "10000", description = "How many (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(
                names = "--sources",
                defaultValue = "127.0.0.1",
                description = "Source addresses, A.B.C.D+N (N from A.B.C.D) or a list; each gives one range of "
                        + "ephemeral ports (about 28,000 on Linux) towards the server (default: ${DEFAULT-VALUE}).")
        String sources;

        @Option(
                names = "--in-flight",
                defaultValue = "256",
                description = "Connections being set up at once (default: ${DEFAULT-VALUE}).")
        int inFlight;

        @Option(
                names = "--hold",
                defaultValue = "0s",
                description = "How long to hold them open once ready; 'stdin': until standard input ends "
                        + "(default: ${DEFAULT-VALUE}).")
        String hold;

        @Option(
                names = "--server-pid",
                description = "The server's process id (a JVM on this machine): measure its live heap "
                        + "(jcmd GC.class_histogram) before, with the connections open, and after.")
        Long serverPid;

        @Mixin
        Credentials credentials;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            if (count < 1 || inFlight < 1) {
                throw new BenchException("--count and --in-flight must be at least 1");
            }
            if (credentials.noAuth) {
                throw new BenchException("connections always log in: drop --no-auth");
            }
            Duration h = hold.equals("stdin") ? null : duration(hold, "--hold");
            return new ConnectionScale(
                            Target.parse(target),
                            count,
                            ConnectionScale.parseSources(sources),
                            inFlight,
                            credentials.user,
                            credentials.password,
                            credentials.bucket,
                            spec.commandLine().getOut())
                    .run(h, serverPid);
        }
    }

    @Command(
            name = "churn",
            mixinStandardHelpOptions = true,
            description = "A churn soak: at a fixed rate, connect, log in, select the bucket, set, get, close "
                    + "(some reset mid-conversation); print the server's connections, live heap, direct memory, "
                    + "threads and open files every sample interval, and whether they stayed flat.")
    static final class Churn implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--target", required = true, description = "HOST:PORT,MGMT_PORT of the server.")
        String target;

        @Option(
                names = "--rate",
                defaultValue = "100",
                description = "New connections per second (default: ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--duration", defaultValue = "10m", description = "How long (default: ${DEFAULT-VALUE}).")
        String duration;

        @Option(names = "--sample", defaultValue = "30s", description = "One row every (default: ${DEFAULT-VALUE}).")
        String sample;

        @Option(
                names = "--warm-up",
                defaultValue = "60s",
                description = "The end is compared with the first row after this (default: ${DEFAULT-VALUE}).")
        String warmUp;

        @Option(
                names = "--in-flight",
                defaultValue = "64",
                description = "Connections in their cycle at once, at most (default: ${DEFAULT-VALUE}).")
        int inFlight;

        @Option(
                names = "--reset-every",
                defaultValue = "10",
                description = "Every Nth connection resets right after sending its requests; 0: none "
                        + "(default: ${DEFAULT-VALUE}).")
        int resetEvery;

        @Option(
                names = "--server-pid",
                description = "The server's process id (a JVM on this machine): its live heap (jcmd "
                        + "GC.class_histogram) and open files in every row.")
        Long serverPid;

        @Mixin
        Credentials credentials;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            if (!(rate > 0) || inFlight < 1 || resetEvery < 0) {
                throw new BenchException("--rate must be above 0, --in-flight at least 1, --reset-every 0 or more");
            }
            if (credentials.noAuth) {
                throw new BenchException("churn always logs in: drop --no-auth");
            }
            return new ChurnSoak(
                            Target.parse(target),
                            rate,
                            inFlight,
                            resetEvery,
                            credentials.user,
                            credentials.password,
                            credentials.bucket,
                            spec.commandLine().getOut())
                    .run(
                            duration(duration, "--duration"),
                            duration(sample, "--sample"),
                            duration(warmUp, "--warm-up"),
                            serverPid);
        }
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description =
                    "Drive a workload against one server " + "and print the figures (and write a report with --out).")
    static final class Run implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--target", required = true, description = "HOST:PORT[,MGMT_PORT] of the server.")
        String target;

        @Option(
                names = "--workload",
                defaultValue = "default",
                description = "A workload file (YAML) or one of: "
                        + "default, fairness, fairness-sdk, kv, pipelined (default: ${DEFAULT-VALUE}).")
        String workload;

        @Option(
                names = "--duration",
                defaultValue = "30s",
                description = "How long (baseline and load phases " + "together; default: ${DEFAULT-VALUE}).")
        String duration;

        @Option(names = "--out", description = "Write report.md, report.html and results.json here.")
        Path out;

        @Mixin
        Credentials credentials;

        @Mixin
        ClientChoice client;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Workload w = Workload.load(workload);
            Target t = Target.parse(target);
            Duration total = duration(duration, "--duration");
            String label = t.toString();
            try (Interrupts interrupts = new Interrupts()) {
                Comparison c = new Comparison(
                        List.of(new Comparison.Side(label, client.apply(credentials.connect(t)), () -> {})),
                        w,
                        1,
                        total,
                        Duration.ZERO,
                        interrupts.stop,
                        m -> spec.commandLine().getErr().println(m));
                try {
                    c.run();
                } finally {
                    print(
                            spec,
                            new Report(
                                    commandLine(spec),
                                    w,
                                    Map.of(label, t.toString()),
                                    c.phaseDuration(),
                                    1,
                                    interrupts.stop.get(),
                                    c.results()),
                            out);
                }
                return 0;
            }
        }
    }

    private static String commandLine(CommandLine.Model.CommandSpec spec) {
        // The parse result of a subcommand holds the whole command line, the subcommand's name included.
        List<String> args =
                new ArrayList<>(spec.root().commandLine().getParseResult().originalArgs());
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--password") && i + 1 < args.size()) {
                args.set(i + 1, "***");
            } else if (args.get(i).startsWith("--password=")) {
                args.set(i, "--password=***");
            }
        }
        return "kv-bench " + String.join(" ", args);
    }

    static void print(CommandLine.Model.CommandSpec spec, Report report, Path out) {
        java.io.PrintWriter w = spec.commandLine().getOut();
        w.println(report.mainTable());
        w.println(report.serverTable());
        if (out != null) {
            report.write(out);
            w.println("report: " + out.resolve("report.html") + " (also report.md, results.json)");
        }
        w.flush();
    }

    @Command(
            name = "compare",
            mixinStandardHelpOptions = true,
            description = "Run one workload against two "
                    + "servers (--a, --b), or against one server switched between output modes (--target with "
                    + "--switch-mode), in alternating rounds, and write a report.")
    static final class Compare implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--a", description = "HOST:PORT[,MGMT_PORT] of the first server.")
        String a;

        @Option(names = "--b", description = "HOST:PORT[,MGMT_PORT] of the second server.")
        String b;

        @Option(
                names = "--label-a",
                defaultValue = "a",
                description = "Name of the first server in the report " + "(default: ${DEFAULT-VALUE}).")
        String labelA;

        @Option(
                names = "--label-b",
                defaultValue = "b",
                description = "Name of the second (default: ${DEFAULT-VALUE}).")
        String labelB;

        @Option(names = "--target", description = "HOST:PORT[,MGMT_PORT] of one server, with --switch-mode.")
        String target;

        @Option(
                names = "--switch-mode",
                description = "Compare the output modes of --target by switching it "
                        + "(POST /settings/output-mode) before each phase.")
        boolean switchMode;

        @Option(
                names = "--workload",
                defaultValue = "default",
                description = "A workload file (YAML) or one of: "
                        + "default, fairness, fairness-sdk, kv, pipelined (default: ${DEFAULT-VALUE}).")
        String workload;

        @Option(
                names = "--duration",
                defaultValue = "2m",
                description = "Total measuring time, all rounds and " + "sides (default: ${DEFAULT-VALUE}).")
        String duration;

        @Option(names = "--rounds", defaultValue = "3", description = "Rounds (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(
                names = "--warmup",
                defaultValue = "5s",
                description = "Warm-up per side before the first round, " + "not measured (default: ${DEFAULT-VALUE}).")
        String warmup;

        @Option(
                names = "--out",
                defaultValue = "kv-bench-report",
                description = "Report folder (default: " + "${DEFAULT-VALUE}).")
        Path out;

        @Mixin
        Credentials credentials;

        @Mixin
        ClientChoice client;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (rounds < 1) {
                throw new BenchException("--rounds must be at least 1");
            }
            Workload w = Workload.load(workload);
            List<Comparison.Side> sides = new ArrayList<>();
            Map<String, String> described = new LinkedHashMap<>();
            if (switchMode) {
                if (target == null || a != null || b != null) {
                    throw new BenchException("--switch-mode takes --target, not --a/--b");
                }
                Target t = Target.parse(target);
                ModeSwitch modes = new ModeSwitch(t, credentials.noAuth ? "" : credentials.user, credentials.password);
                for (String mode : List.of("spool", "sync")) {
                    sides.add(new Comparison.Side(mode, client.apply(credentials.connect(t)), () -> modes.set(mode)));
                    described.put(mode, t + " switched to " + mode);
                }
            } else {
                if (a == null || b == null || target != null) {
                    throw new BenchException("compare needs --a and --b, or --target with --switch-mode");
                }
                if (labelA.equals(labelB)) {
                    throw new BenchException("--label-a and --label-b must differ");
                }
                Target ta = Target.parse(a);
                Target tb = Target.parse(b);
                sides.add(new Comparison.Side(labelA, client.apply(credentials.connect(ta)), () -> {}));
                sides.add(new Comparison.Side(labelB, client.apply(credentials.connect(tb)), () -> {}));
                described.put(labelA, ta.toString());
                described.put(labelB, tb.toString());
            }
            try (Interrupts interrupts = new Interrupts()) {
                java.io.PrintWriter err = spec.commandLine().getErr();
                Comparison c = new Comparison(
                        sides,
                        w,
                        rounds,
                        duration(duration, "--duration"),
                        duration(warmup, "--warmup"),
                        interrupts.stop,
                        m -> {
                            err.println(m);
                            err.flush();
                        });
                try {
                    c.run();
                } finally {
                    print(
                            spec,
                            new Report(
                                    commandLine(spec),
                                    w,
                                    described,
                                    c.phaseDuration(),
                                    rounds,
                                    interrupts.stop.get(),
                                    c.results()),
                            out);
                }
                return 0;
            }
        }
    }
}
