package io.kvfrontend.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.server.KvServer;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.TestServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The packaged {@code kv-tests/target/kv-bench.jar} as users run it (a child process) against real
 * servers on sockets: load, run and compare write consistent figures and the report; every error
 * named in the issue is one line and exit code 2; Ctrl-C still writes what was measured.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvBenchIT {
    private static final Duration DEADLINE = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private KvServer spool;
    private KvServer sync;
    private Path work;

    @BeforeAll
    void start() throws Exception {
        spool = KvServer.start(config(OutputMode.SPOOL));
        sync = KvServer.start(config(OutputMode.SYNC));
        work = Files.createTempDirectory(moduleDir().resolve("target"), "kv-bench-it-");
        for (KvServer s : List.of(spool, sync)) {
            Result load = bench("load", "--target", target(s), "--documents", "2000", "--size", "200..400", "--quiet");
            assertThat(load.code).as(load.toString()).isZero();
            assertThat(load.out).contains("loaded 2,000 documents");
            assertThat(s.engine().bucket("default").stats().items()).isEqualTo(2000);
        }
    }

    @AfterAll
    void stop() {
        spool.close();
        sync.close();
    }

    private static ServerConfig config(OutputMode mode) {
        return TestServer.withAuth().mgmtPort(0).outputMode(mode).build();
    }

    private static String target(KvServer s) {
        return "127.0.0.1:" + s.port() + "," + s.mgmtPort();
    }

    /**
     * {@code connections}: every connection logs in and is counted by the server, the heap figure
     * comes from the server process's histogram (this JVM's, where the server runs), and closing
     * them leaves the server with the connections it had.
     */
    @Test
    void connectionsOpensAuthenticatedConnectionsMeasuresTheServerAndClosesThem() throws Exception {
        long openBefore = sync.context().stats().currConnections.get();
        long totalBefore = sync.context().stats().totalConnections.sum();
        long refusedBefore = sync.context().stats().authFailures.sum();
        Result r = bench(
                "connections",
                "--target",
                target(sync),
                "--count",
                "300",
                "--sources",
                "127.0.0.2+2",
                "--server-pid",
                Long.toString(ProcessHandle.current().pid()));
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.out)
                .contains("connections: 300 ready, 0 failed, of 300")
                .contains("2 source addresses")
                .containsPattern(
                        "server live heap with the connections open: [+-][0-9,]+ bytes, -?[0-9]+ bytes per connection")
                .contains("io.netty.channel.DefaultChannelHandlerContext")
                .contains("READY 300")
                .contains("closed 300 connections")
                .contains("server live heap after the closes");
        assertThat(sync.context().stats().totalConnections.sum() - totalBefore).isEqualTo(300);
        assertThat(sync.context().stats().authFailures.sum() - refusedBefore).isZero();
        Await.until(
                DEADLINE,
                () -> sync.context().stats().currConnections.get() == openBefore,
                "the server to see every close");
    }

    /**
     * {@code churn}, against each output mode: it keeps its rate, every cycle logs in and is counted
     * by the server (those that reset as well), no connection is left behind, and with nothing open
     * at the end the server's threads, files and direct memory are where they were after warm-up.
     */
    @Test
    void churnKeepsItsRateAndFindsTheServerWhereItWasAfterWarmUp() throws Exception {
        for (KvServer s : List.of(spool, sync)) {
            long totalBefore = s.context().stats().totalConnections.sum();
            long refusedBefore = s.context().stats().authFailures.sum();
            Result r = bench(
                    "churn",
                    "--target",
                    target(s),
                    "--rate",
                    "100",
                    "--duration",
                    "4s",
                    "--sample",
                    "1s",
                    "--warm-up",
                    "1s",
                    "--reset-every",
                    "5");
            assertThat(r.code).as(r.toString()).isZero();
            Matcher m = Pattern.compile("cycles: ([0-9,]+) completed, ([0-9,]+) reset, 0 failed")
                    .matcher(r.out);
            assertThat(m.find()).as(r.out).isTrue();
            long completed = Long.parseLong(m.group(1).replace(",", ""));
            long reset = Long.parseLong(m.group(2).replace(",", ""));
            // 400 due in 4 s at 100/s; one in five resets.
            assertThat(completed + reset).as(r.out).isEqualTo(400);
            assertThat(reset).isEqualTo(80);
            assertThat(r.out)
                    .contains("threads")
                    .contains("open files")
                    .containsPattern("netty direct +[0-9,]+ -> +[0-9,]+ \\([+-][0-9,]+; flat")
                    .containsPattern("threads +[0-9,]+ -> +[0-9,]+ \\([+-][0-9,]+; flat")
                    .containsPattern("open files +[0-9,]+ -> +[0-9,]+ \\([+-][0-9,]+; flat")
                    .contains("FLAT");
            assertThat(s.context().stats().totalConnections.sum() - totalBefore).isEqualTo(400);
            assertThat(s.context().stats().authFailures.sum() - refusedBefore).isZero();
            assertThat(s.context().stats().currConnections.get()).isZero();
        }
    }

    @Test
    void runCountsWhatTheServerCountsAndWritesTheReport() throws Exception {
        Path out = work.resolve("run");
        double getsBefore = commands(spool, "get");
        Result r = bench(
                "run", "--target", target(spool), "--workload", "kv", "--duration", "3s", "--out", out.toString());
        assertThat(r.code).as(r.toString()).isZero();
        double serverGets = commands(spool, "get") - getsBefore;

        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        assertThat(results.get("interrupted").asBoolean()).isFalse();
        long clientGets = 0;
        long clientSets = 0;
        for (JsonNode phase : results.get("phases")) {
            assertThat(phase.get("seconds").asDouble()).isPositive();
            clientGets += phase.path("ops").path("get").path("count").asLong();
            clientSets += phase.path("ops").path("set").path("count").asLong();
        }
        assertThat(clientGets).isPositive();
        // The client stops counting at the deadline; what is in flight then (at most one per
        // connection and pipeline slot) is answered and counted by the server only.
        Workload.Kv kv = Workload.load("kv").kv();
        int inFlight = kv.connections() * kv.pipeline();
        assertThat(serverGets).isBetween((double) clientGets, (double) clientGets + inFlight);
        // And the report's server-side figure is the same scrape difference.
        double reported = 0;
        for (JsonNode phase : results.get("phases")) {
            var fields = phase.get("server_meters").fields();
            while (fields.hasNext()) {
                var f = fields.next();
                if (f.getKey().startsWith("kv_commands_total{opcode=\"get\"")) {
                    reported += f.getValue().asDouble();
                }
            }
        }
        assertThat(reported).isBetween((double) clientGets, (double) clientGets + inFlight);
        assertThat(clientSets).isPositive();

        String md = Files.readString(out.resolve("report.md"));
        assertThat(md).contains("| side | phase | KV ops/s").contains("Server side (from `/metrics`)");
        String html = Files.readString(out.resolve("report.html"));
        assertThat(count(html, "src=\"data:image/png;base64,")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void compareAlternatesTwoServersAndChartsEveryFigure() throws Exception {
        Path out = work.resolve("compare");
        Result r = bench(
                "compare",
                "--a",
                target(spool),
                "--label-a",
                "spool",
                "--b",
                target(sync),
                "--label-b",
                "sync",
                "--workload",
                "default",
                "--duration",
                "8s",
                "--rounds",
                "2",
                "--warmup",
                "0s",
                "--out",
                out.toString(),
                "--password",
                "password");
        assertThat(r.code).as(r.toString()).isZero();
        // Round 1 runs a then b, round 2 b then a; each turn a baseline and a load phase.
        assertThat(r.err)
                .containsSubsequence(
                        "round 1/2: spool baseline",
                        "round 1/2: sync baseline",
                        "round 2/2: sync baseline",
                        "round 2/2: spool baseline");
        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        assertThat(results.get("phases")).hasSize(8);
        List<String> sides = new ArrayList<>();
        results.get("sides").fieldNames().forEachRemaining(sides::add);
        assertThat(sides).containsExactly("spool", "sync");
        for (JsonNode phase : results.get("phases")) {
            if (phase.get("phase").asText().equals("load")) {
                assertThat(phase.get("scans").get("items").asLong())
                        .as("scan items")
                        .isPositive();
                assertThat(phase.get("server_meters")
                                .path("kv_output_writes_total{mode=\""
                                        + phase.get("side").asText() + "\",origin=\"offloop\"}")
                                .asDouble())
                        .as("off-loop writes in the side's own mode")
                        .isPositive();
            }
        }
        String html = Files.readString(out.resolve("report.html"));
        // Throughput per mode, latency percentiles per op type, neighbour latency over time, server meters.
        assertThat(count(html, "src=\"data:image/png;base64,")).isGreaterThanOrEqualTo(4);
        String md = Files.readString(out.resolve("report.md"));
        assertThat(md)
                .contains("| spool | load |")
                .contains("| sync | load |")
                .contains("- command: `kv-bench compare --a ")
                .contains("--password ***")
                .doesNotContain("--password password");
    }

    @Test
    void switchModeComparesOneServerInBothModes() throws Exception {
        Path out = work.resolve("switch");
        Result r = bench(
                "compare",
                "--target",
                target(spool),
                "--switch-mode",
                "--workload",
                "default",
                "--duration",
                "4s",
                "--rounds",
                "1",
                "--warmup",
                "0s",
                "--out",
                out.toString());
        assertThat(r.code).as(r.toString()).isZero();
        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        for (JsonNode phase : results.get("phases")) {
            if (phase.get("phase").asText().equals("load")) {
                String mode = phase.get("side").asText();
                assertThat(phase.get("server_meters")
                                .path("kv_output_writes_total{mode=\"" + mode + "\",origin=\"offloop\"}")
                                .asDouble())
                        .as("off-loop writes in " + mode)
                        .isPositive();
            }
        }
        // The server is left in the mode of the last phase, and said so.
        assertThat(spool.context().outputMetrics().mode()).isIn(OutputMode.SPOOL, OutputMode.SYNC);
        spool.context().switchOutputMode(OutputMode.SPOOL, "test");
    }

    @Test
    void everyErrorIsOneLineAndExitCode2() throws Exception {
        int closed = freePort();
        Path badWorkload = work.resolve("bad.yaml");
        Files.writeString(badWorkload, "name: bad\nkv: {connections: 1}\nscanz: {}\n");
        String t = "127.0.0.1:" + spool.port();
        Object[][] cases = {
            {new String[] {"run", "--target", "127.0.0.1:" + closed}, "cannot connect to 127.0.0.1:" + closed},
            {new String[] {"run", "--target", t, "--password", "wrong"}, "authentication failed"},
            {new String[] {"run", "--target", t, "--bucket", "nope"}, "bucket 'nope' does not exist"},
            {new String[] {"run", "--target", "127.0.0.1:" + spool.mgmtPort()}, "does not speak MCBP"},
            {new String[] {"run", "--target", t, "--workload", badWorkload.toString()}, "unknown workload key 'scanz'"},
            {new String[] {"run", "--target", t, "--workload", "no-such-workload"}, "no-such-workload"},
            {new String[] {"churn", "--target", t}, "churn needs the server's /metrics"},
            {new String[] {"churn", "--target", t, "--rate", "0"}, "--rate must be above 0"},
            {new String[] {"compare", "--target", t, "--switch-mode"}, "management port"},
            {new String[] {"run", "--target", t, "--client", "other"}, "--client must be raw, sdk or sdk-uncompressed"},
            {new String[] {"load", "--target", "nonsense"}, "nonsense"},
        };
        for (Object[] c : cases) {
            String[] args = (String[]) c[0];
            Result r = bench(args);
            assertThat(r.code).as(r.toString()).isEqualTo(2);
            List<String> lines = r.err.lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).as(r.toString()).hasSize(1);
            assertThat(lines.get(0)).startsWith("kv-bench: ").contains((String) c[1]);
        }
    }

    @Test
    void ctrlCStopsAndStillWritesWhatWasMeasured() throws Exception {
        Path out = work.resolve("interrupted");
        Path stdout = work.resolve("interrupted.out");
        Path stderr = work.resolve("interrupted.err");
        double before = commands(spool, "get");
        Process p = start(
                stdout,
                stderr,
                "run",
                "--target",
                target(spool),
                "--workload",
                "kv",
                "--duration",
                "10m",
                "--out",
                out.toString());
        try {
            // Measuring has begun once the server counts this client's gets.
            Await.until(DEADLINE, () -> commands(spool, "get") - before > 1000, "kv-bench never started measuring");
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid()))
                    .inheritIO()
                    .start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .as("kv-bench stopped")
                    .isTrue();
        } finally {
            p.destroyForcibly();
        }
        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        assertThat(results.get("interrupted").asBoolean()).isTrue();
        assertThat(results.get("phases")).isNotEmpty();
        assertThat(results.get("phases")
                        .get(0)
                        .path("ops")
                        .path("get")
                        .path("count")
                        .asLong())
                .isPositive();
        assertThat(Files.readString(out.resolve("report.md"))).contains("interrupted");
        assertThat(Files.readString(stdout)).contains("| side | phase |");
    }

    // ------------------------------------------------------------------ helpers

    private static int count(String s, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Commands with this opcode the server answered, every status. */
    private static double commands(KvServer s, String opcode) {
        double total = 0;
        for (var m :
                s.context().registry().find("kv.commands").tag("opcode", opcode).meters()) {
            if (m instanceof FunctionCounter fc) {
                total += fc.count();
            } else if (m instanceof Counter c) {
                total += c.count();
            }
        }
        return total;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private static Path moduleDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath();
    }

    private static Path jar() {
        Path jar = moduleDir().resolve("target/kv-bench.jar");
        if (!Files.isRegularFile(jar)) {
            fail("kv-bench.jar is built in kv-tests' package phase; run mvn verify from the repository root");
        }
        return jar;
    }

    private record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private Process start(Path stdout, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
    }

    private Result bench(String... args) throws Exception {
        Path stdout = Files.createTempFile(work, "out-", ".txt");
        Path stderr = Files.createTempFile(work, "err-", ".txt");
        Process p = start(stdout, stderr, args);
        if (!p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("kv-bench " + String.join(" ", args) + " did not finish within " + DEADLINE);
        }
        return new Result(
                p.exitValue(),
                Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }
}
