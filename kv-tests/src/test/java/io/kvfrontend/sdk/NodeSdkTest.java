package io.kvfrontend.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.ScopeConfig;
import io.kvfrontend.testsupport.TestCertificates;
import io.kvfrontend.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The official Node.js SDK (npm {@code couchbase}, pinned in {@code kv-tests/node/package-lock.json},
 * installed by {@code kv-tests/node/install.sh}) runs {@code kv-tests/node/test/*.test.js} with node's
 * built-in test runner against a real server, in each output mode: login (SCRAM with the C++ core's
 * nonce), KV, errors, collections, range scans and TLS.
 */
class NodeSdkTest {
    /** The tests in sdk.test.js; all must run and pass. */
    private static final int TESTS = 21;

    @TempDir
    static Path dir;

    static TestCertificates.Pair pair;

    @BeforeAll
    static void install() throws Exception {
        pair = TestCertificates.generate(dir);
        Result r = run(List.of("bash", node().resolve("install.sh").toString()), new String[0], 10);
        assertThat(r.code).as("install.sh: %s", r.output).isZero();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void theNodeSdkTestsPass(OutputMode mode) throws Exception {
        BucketConfig bucket =
                BucketConfig.defaults("default").withScopes(List.of(new ScopeConfig("s", List.of("c", "scan"))));
        try (TestServer server = TestServer.start(TestServer.withAuth()
                .outputMode(mode)
                .mgmtPort(0)
                .tls(pair.tls())
                .buckets(List.of(bucket))
                .build())) {
            Result r = run(
                    List.of("node", "--test", "--test-reporter=tap", "--test-concurrency=1", "test/"),
                    new String[] {
                        "KV_HOST", "127.0.0.1",
                        "KV_PORT", Integer.toString(server.port()),
                        "KV_MGMT_PORT", Integer.toString(server.server().mgmtPort()),
                        "KV_TLS_PORT", Integer.toString(server.server().tlsPort()),
                        "KV_CA", pair.cert().toString(),
                        "KV_MODE", mode.configName()
                    },
                    5);
            assertThat(r.code).as("node --test output:\n%s", r.output).isZero();
            assertThat(count(r.output, "pass")).as(r.output).isEqualTo(TESTS);
            assertThat(count(r.output, "fail")).as(r.output).isZero();
            assertThat(count(r.output, "skipped")).as(r.output).isZero();
            assertThat(count(r.output, "todo")).as(r.output).isZero();
            // The C++ core negotiates Duplex with brief change notifications: the buckets and
            // collections its managers made and dropped were pushed to its connections (no other
            // client talks to this server).
            assertThat(server.server().context().stats().clusterMapPushes.sum())
                    .as("cluster-map pushes to the Node SDK")
                    .isPositive();
            // Every command the SDK sent is served: none answered UnknownCommand or NotSupported.
            java.util.List<String> unserved = new java.util.ArrayList<>();
            server.server().context().commandMetrics().forEachCount((op, status, n) -> {
                if (status.equals("unknown_command") || status.equals("not_supported")) {
                    unserved.add(op + " " + status + " x" + n);
                }
            });
            assertThat(unserved)
                    .as("commands the Node SDK sent that the server does not serve")
                    .isEmpty();
            // The SDK sent node::snappy compressed, and the passive bucket kept it so.
            io.kvfrontend.engine.spi.Item snappy = server.server()
                    .engine()
                    .bucket("default")
                    .get(io.kvfrontend.engine.spi.DocKey.ofDefault("node::snappy".getBytes(StandardCharsets.UTF_8)))
                    .item();
            assertThat(snappy.datatype())
                    .isEqualTo(io.kvfrontend.engine.spi.Datatype.JSON | io.kvfrontend.engine.spi.Datatype.SNAPPY);
        }
    }

    /** The TAP summary line {@code # what N}. */
    private static int count(String tap, String what) {
        Matcher m = Pattern.compile("(?m)^# " + what + " (\\d+)$").matcher(tap);
        assertThat(m.find()).as("TAP summary '# %s' in:\n%s", what, tap).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static Path node() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath()
                .resolve("node");
    }

    private record Result(int code, String output) {}

    private static Result run(List<String> command, String[] env, int minutes) throws Exception {
        Path log = Files.createTempFile(dir, "node-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(node().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        Process p = pb.start();
        boolean done = p.waitFor(minutes, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(done)
                .as("%s finished within %d min; output:\n%s", command, minutes, output)
                .isTrue();
        return new Result(p.exitValue(), output);
    }
}
