package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Http;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar as users start it ({@code java -jar kv-frontend/target/kv-frontend.jar}), in a
 * child process. The jar is built in kv-frontend's {@code package} phase, which runs before this
 * module's tests in a reactor {@code mvn verify}; a missing jar fails these tests rather than
 * skipping them.
 */
class PackagedJarTest {
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);
    private static final Duration EXIT_DEADLINE = Duration.ofSeconds(20);
    private static final int SASL_LIST_MECHS = 0x20;

    private final List<Process> started = new ArrayList<>();
    private Path log;

    @BeforeEach
    void createLog() throws IOException {
        Path dir = moduleDir().resolve("target");
        Files.createDirectories(dir);
        log = Files.createTempFile(dir, "packaged-jar-", ".log");
    }

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(EXIT_DEADLINE.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    private static Path moduleDir() {
        // Surefire runs tests with the module directory as basedir (and working directory).
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath();
    }

    private static Path jar() {
        Path jar = moduleDir().resolve("../kv-frontend/target/kv-frontend.jar").normalize();
        if (!Files.isRegularFile(jar)) {
            fail("The packaged server jar " + jar + " does not exist. It is built by kv-frontend's package phase: "
                    + "run `mvn verify` (or `mvn package`) from the repository root, not only `mvn test`.");
        }
        return jar;
    }

    private Process java(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        started.add(p);
        return p;
    }

    private String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    private int exitCode(Process p) throws Exception {
        if (!p.waitFor(EXIT_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            fail("the process did not exit within " + EXIT_DEADLINE + "; output:\n" + output());
        }
        return p.exitValue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    /**
     * A connection and SaslListMechs (allowed before authentication) answered, or {@code false}
     * while the server is not listening yet.
     */
    private static boolean answersListMechs(int port) {
        try (McbpClient c = McbpClient.connect(port)) {
            Response r = c.call(Frames.request(SASL_LIST_MECHS).opaque(1));
            return r.opcode() == SASL_LIST_MECHS
                    && r.status() == SUCCESS
                    && r.valueString().contains("PLAIN");
        } catch (UncheckedIOException notYetListening) {
            return false;
        }
    }

    /**
     * Out of file descriptors (a low open-file limit and a connection storm): accepts fail, the log
     * says so once (not once per attempt with a stack trace), and the server serves again once the
     * storm's connections are gone.
     */
    @Test
    void outOfFileDescriptorsItLogsOnceAndServesAgainAfterwards() throws Exception {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                "bash",
                "-c",
                "ulimit -n 128 && exec \"$0\" -jar \"$1\" --port " + port + " --host 127.0.0.1 --mgmt-port 0 --no-auth",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                jar().toString()));
        Process server = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        started.add(server);
        Await.until("the server answers on port " + port, START_DEADLINE, () -> {
            if (!server.isAlive()) {
                fail("the server exited with " + server.exitValue() + "; output:\n" + outputQuietly());
            }
            return answersListMechs(port);
        });
        List<java.net.Socket> storm = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                java.net.Socket s = new java.net.Socket();
                // Connects complete in the kernel's backlog even when the server cannot accept.
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                storm.add(s);
            }
            Await.until(
                    "the server to report failed accepts",
                    START_DEADLINE,
                    () -> outputQuietly().contains("cannot accept connections"));
        } finally {
            for (java.net.Socket s : storm) {
                s.close();
            }
        }
        Await.until("the server to answer again", START_DEADLINE, () -> answersListMechs(port));
        String out = output();
        assertThat(out.lines().filter(l -> l.contains("cannot accept connections")))
                .as("failed accepts logged at most once per 10 s")
                .hasSizeLessThanOrEqualTo(2)
                .allMatch(l -> l.contains("Too many open files") && l.contains("ulimit -n"));
        assertThat(out).doesNotContain("reached at the tail of the pipeline");
    }

    @Test
    void theJarServesMemcachedClientsAndStopsWhenAsked() throws Exception {
        int port = freePort();
        Process server = java("--port", Integer.toString(port), "--host", "127.0.0.1", "--mgmt-port", "0");

        Await.until("the packaged server answers SaslListMechs on port " + port, START_DEADLINE, () -> {
            if (!server.isAlive()) {
                fail("the server exited with " + server.exitValue() + " before answering; output:\n" + outputQuietly());
            }
            return answersListMechs(port);
        });

        // The defaults: authentication on, the administrator with the default password, and the
        // bucket "default" selected for a client that cannot select one.
        try (Spy s = Spy.connectAs(port, "Administrator", "password")) {
            MemcachedClient c = s.client();
            assertThat(c.set("packaged", 0, "works").get()).isTrue();
            assertThat(c.get("packaged")).isEqualTo("works");
        }

        server.destroy();
        if (!server.waitFor(EXIT_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            fail("the server did not stop within " + EXIT_DEADLINE + " of SIGTERM; output:\n" + output());
        }
        assertThat(output())
                .contains("listening on /127.0.0.1:" + port)
                .contains("Administrator still has the default password");
    }

    /**
     * SIGHUP reloads the configuration file: the output mode changes at runtime, a setting that needs a
     * restart is named in the log, and a file that no longer loads changes nothing.
     */
    @Test
    void sighupReloadsTheOutputModeFromTheConfigFile() throws Exception {
        int port = freePort();
        int mgmt = freePort();
        Path config = Files.createTempFile(moduleDir().resolve("target"), "sighup-", ".yaml");
        Files.writeString(config, "output-mode: spool\nmgmt-port: " + mgmt + "\n");
        Process server = java("--config", config.toString(), "--port", Integer.toString(port), "--host", "127.0.0.1");
        Await.until("the packaged server answers on port " + port, START_DEADLINE, () -> {
            if (!server.isAlive()) {
                fail("the server exited with " + server.exitValue() + "; output:\n" + outputQuietly());
            }
            return answersListMechs(port);
        });
        String admin = Http.basic("Administrator", "password");
        assertThat(Http.get(mgmt, "/settings/output-mode", admin).body()).isEqualTo("{\"mode\":\"spool\"}");

        Files.writeString(config, "output-mode: sync\nmgmt-port: " + mgmt + "\nevent-loop-threads: 3\n");
        hangUp(server);
        try {
            Await.until("the mode switched by SIGHUP", START_DEADLINE, () -> {
                if (!server.isAlive()) {
                    fail("the server exited with " + server.exitValue() + " on SIGHUP; output:\n" + outputQuietly());
                }
                return Http.get(mgmt, "/settings/output-mode", admin).body().contains("sync");
            });
        } catch (AssertionError e) {
            fail(e.getMessage() + "; server output:\n" + outputQuietly());
        }
        Await.until(
                "the restart-only change logged",
                START_DEADLINE,
                () -> outputQuietly().contains("apply only at restart"));
        assertThat(output())
                .contains("output mode switched from spool to sync (configuration reloaded on SIGHUP)")
                .contains("event-loop-threads = 3");

        Files.writeString(config, "output-mode: nope\nmgmt-port: " + mgmt + "\n");
        hangUp(server);
        Await.until(
                "the bad reload logged", START_DEADLINE, () -> outputQuietly().contains("not reloaded"));
        assertThat(output()).contains("output-mode").contains("nope");
        assertThat(Http.get(mgmt, "/settings/output-mode", admin).body()).isEqualTo("{\"mode\":\"sync\"}");
        assertThat(server.isAlive()).isTrue();
    }

    private static void hangUp(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor(EXIT_DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    @Test
    void helpExitsZeroAndListsTheOptions() throws Exception {
        Process p = java("--help");
        assertThat(exitCode(p)).as("exit code; output:\n%s", output()).isZero();
        assertThat(output()).contains("--port", "--host", "--output-mode");
    }

    @Test
    void anInvalidOutputModeExitsNonZeroNamingTheOption() throws Exception {
        Process p = java("--port", Integer.toString(freePort()), "--host", "127.0.0.1", "--output-mode", "nope");
        assertThat(exitCode(p)).as("exit code; output:\n%s", output()).isNotZero();
        assertThat(output()).contains("output-mode").contains("nope");
    }

    private String outputQuietly() {
        try {
            return output();
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
