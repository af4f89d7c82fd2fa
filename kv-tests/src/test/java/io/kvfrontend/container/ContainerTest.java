package io.kvfrontend.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.ScanResult;
import com.couchbase.client.java.kv.ScanType;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image as users run it (container-testing.md): built from {@code docker/Dockerfile}
 * with podman on a locally made base image, run with ports published on loopback and all
 * configuration from environment variables. Podman is installed by the project's own script if it
 * is missing.
 */
class ContainerTest {
    private static final String IMAGE = "localhost/kv-frontend:test";
    private static final String PASSWORD = "container-secret";
    private static final Duration STOP_BOUND = Duration.ofSeconds(20);

    private static Podman podman;
    private static final List<String> started = new ArrayList<>();

    @BeforeAll
    static void buildImage() {
        podman = new Podman(Podman.repoRoot());
        podman.script("install-podman.sh", Duration.ofMinutes(5)).orFail("installing podman");
        podman.script("build-image.sh", Duration.ofMinutes(5)).orFail("building the image");
    }

    @AfterAll
    static void removeContainers() {
        for (String id : started) {
            podman.podman(Duration.ofSeconds(30), "rm", "-f", "-t", "2", id);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    /** Starts the image with the kv port published on a free loopback port; returns [id, port]. */
    private static String[] run(String... env) throws IOException {
        return run(List.of(), env);
    }

    /** Like {@link #run(String...)}, with more {@code podman run} options (ports, volumes). */
    private static String[] run(List<String> options, String... env) throws IOException {
        int port = freePort();
        List<String> publish = new ArrayList<>(List.of("-p", "127.0.0.1:" + port + ":11210"));
        publish.addAll(options);
        return start(publish, port, env);
    }

    /** Starts the image with these {@code podman run} options; {@code port} is the published kv port. */
    private static String[] start(List<String> publish, int port, String... env) {
        List<String> args = new ArrayList<>(
                List.of("run", "-d", "--network", "slirp4netns", "-e", "KV_ADMIN_PASSWORD=" + PASSWORD));
        args.addAll(publish);
        for (String e : env) {
            args.add("-e");
            args.add(e);
        }
        args.add(IMAGE);
        String id = podman.podman(Duration.ofMinutes(1), args.toArray(String[]::new))
                .orFail("podman run")
                .output();
        id = id.lines().reduce((a, b) -> b).orElseThrow().trim();
        started.add(id);
        String container = id;
        Await.until(
                Duration.ofSeconds(60),
                () -> podman.podman(Duration.ofSeconds(30), "healthcheck", "run", container)
                                .exitCode()
                        == 0,
                () -> "container " + container + " healthy; logs:\n"
                        + podman.podman(Duration.ofSeconds(10), "logs", container)
                                .output());
        return new String[] {id, Integer.toString(port)};
    }

    /**
     * The Java SDK against the container: the server listens on the same port numbers it is
     * published on, because the cluster map tells the SDK which ports to use.
     */
    @Test
    void aJavaSdkClientUpsertsAndRangeScansTheContainer() throws Exception {
        int kv = freePort();
        int mgmt = freePort();
        String[] c = start(
                List.of("-p", "127.0.0.1:" + kv + ":" + kv, "-p", "127.0.0.1:" + mgmt + ":" + mgmt),
                kv,
                "KV_PORT=" + kv,
                "KV_MGMT_PORT=" + mgmt);
        Cluster cluster = Cluster.connect(
                "couchbase://127.0.0.1:" + kv + "=kv,127.0.0.1:" + mgmt + "=manager",
                ClusterOptions.clusterOptions("Administrator", PASSWORD)
                        .environment(e -> e.timeoutConfig(t -> t.kvTimeout(Duration.ofSeconds(10)))));
        try {
            Bucket bucket = cluster.bucket("default");
            bucket.waitUntilReady(Duration.ofSeconds(30));
            Collection col = bucket.defaultCollection();
            for (int i = 0; i < 50; i++) {
                col.upsert(String.format("scan::%03d", i), JsonObject.create().put("n", i));
            }
            List<String> ids = col.scan(ScanType.prefixScan("scan::"))
                    .map(ScanResult::id)
                    .sorted()
                    .toList();
            assertThat(ids).hasSize(50).first().isEqualTo("scan::000");
            assertThat(col.get("scan::007").contentAsObject().getInt("n")).isEqualTo(7);
        } finally {
            cluster.disconnect();
        }
        // Snappy's native codec loads in the image (it unpacks into the container's /tmp as uid 10001).
        assertThat(podman.podman(Duration.ofSeconds(10), "logs", c[0]).output())
                .contains("listening on")
                .contains("snappy on)");
    }

    private static MemcachedClient client(int port) throws IOException {
        return new MemcachedClient(
                new ConnectionFactoryBuilder()
                        .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                        .setOpTimeout(5000)
                        .setAuthDescriptor(new AuthDescriptor(
                                new String[] {"PLAIN"}, new PlainCallbackHandler("Administrator", PASSWORD)))
                        .build(),
                List.of(new InetSocketAddress("127.0.0.1", port)));
    }

    @Test
    void theImageRunsAsANonRootUserWithAHealthCheckAndTheMcbpPorts() {
        String inspect = podman.podman(
                        Duration.ofSeconds(30),
                        "image",
                        "inspect",
                        IMAGE,
                        "--format",
                        "{{.Config.User}}|{{json .HealthCheck}}|{{json .Config.ExposedPorts}}")
                .orFail("inspect")
                .output();
        String[] parts = inspect.split("\\|");
        assertThat(parts[0]).isEqualTo("10001:10001");
        assertThat(parts[1]).contains("io.kvfrontend.server.HealthProbe");
        assertThat(parts[2])
                .contains("11210/tcp")
                .contains("8091/tcp")
                .contains("11207/tcp")
                .contains("18091/tcp");
    }

    @Test
    void servesAMemcachedClientReportsHealthyAndStopsCleanlyOnSigterm() throws Exception {
        String[] c = run();
        int port = Integer.parseInt(c[1]);
        MemcachedClient mc = client(port);
        try {
            assertThat(mc.set("container-key", 0, "container-value").get()).isTrue();
            assertThat(mc.get("container-key")).isEqualTo("container-value");
            Map<String, String> output =
                    mc.getStats("output").values().iterator().next();
            assertThat(output).containsEntry("output_mode", "spool");
        } finally {
            mc.shutdown();
        }
        assertThat(podman.podman(Duration.ofSeconds(30), "healthcheck", "run", c[0])
                        .exitCode())
                .isZero();

        long start = System.nanoTime();
        podman.podman(STOP_BOUND.plusSeconds(10), "stop", "-t", Long.toString(STOP_BOUND.toSeconds()), c[0])
                .orFail("podman stop");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("stop on SIGTERM").isLessThan(STOP_BOUND);
        String logs = podman.podman(Duration.ofSeconds(10), "logs", c[0]).output();
        assertThat(logs).contains("kv-frontend stopped").doesNotContain("default password");
    }

    /**
     * TLS as the README sets it up: a pair from docker/make-dev-cert.sh mounted read-only, named by
     * KV_TLS_CERT and KV_TLS_KEY; a client trusting the certificate logs in with PLAIN over 11207.
     */
    @Test
    void servesMcbpOverTlsWithAMountedCertificate() throws Exception {
        Path certs = Podman.repoRoot().resolve("kv-tests/target/container-certs");
        Files.deleteIfExists(certs.resolve("cert.pem"));
        Files.deleteIfExists(certs.resolve("key.pem"));
        podman.script("make-dev-cert.sh", Duration.ofMinutes(1), certs.toString())
                .orFail("make-dev-cert.sh");
        // The container's user (10001) must be able to read the key: fine for a local pair.
        Files.setPosixFilePermissions(certs.resolve("key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
        int tlsPort = freePort();
        String[] c = run(
                List.of("-p", "127.0.0.1:" + tlsPort + ":11207", "-v", certs + ":/certs:ro"),
                "KV_TLS_CERT=/certs/cert.pem",
                "KV_TLS_KEY=/certs/key.pem");
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(certs.resolve("cert.pem"))) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        try (McbpClient tls = new McbpClient(TestCertificates.connect(TestCertificates.clientContext(cert), tlsPort))) {
            assertThat(tls.call(Frames.request(0x21)
                                    .key("PLAIN")
                                    .value("\0Administrator\0" + PASSWORD)
                                    .opaque(1))
                            .status())
                    .isZero();
            assertThat(tls.call(Frames.request(0x01)
                                    .key("tls-key")
                                    .extras(Frames.storeExtras(0, 0))
                                    .value("tls-value")
                                    .opaque(2))
                            .status())
                    .isZero();
        }
        MemcachedClient mc = client(Integer.parseInt(c[1]));
        try {
            assertThat(mc.get("tls-key"))
                    .as("the plain port serves the same data")
                    .isEqualTo("tls-value");
        } finally {
            mc.shutdown();
        }
        String logs = podman.podman(Duration.ofSeconds(10), "logs", c[0]).output();
        assertThat(logs).contains("TLS provider:").contains("MCBP port 11207");
        if ("amd64".equals(System.getProperty("os.arch"))) {
            // netty-tcnative ships linux-x86_64 only; the test base image carries the libraries it needs.
            assertThat(logs).contains("TLS provider: OpenSSL");
        }
    }

    @Test
    void theOutputModeComesFromTheEnvironment() throws Exception {
        String[] c = run("KV_OUTPUT_MODE=sync");
        MemcachedClient mc = client(Integer.parseInt(c[1]));
        try {
            assertThat(mc.set("k", 0, "v").get()).isTrue();
            Map<String, String> output =
                    mc.getStats("output").values().iterator().next();
            assertThat(output).containsEntry("output_mode", "sync");
        } finally {
            mc.shutdown();
        }
        assertThat(podman.podman(Duration.ofSeconds(10), "logs", c[0]).output()).contains("output mode sync");
    }
}
