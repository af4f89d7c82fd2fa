package io.kvfrontend.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.config.ConfigException;
import io.kvfrontend.config.ConfigLoader;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.config.TlsConfig;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.LogCapture;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestCertificates;
import io.kvfrontend.testsupport.TestCertificates.KeyKind;
import io.kvfrontend.testsupport.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TLS configuration: the settings from flags and the environment, and every way the certificate,
 * the key, the password or a port can be wrong, each stopping start-up with one message that names
 * the setting at fault.
 */
class TlsConfigurationTest {
    @TempDir
    static Path dir;

    static TestCertificates.Pair rsa;
    static TestCertificates.Pair ec;
    static TestCertificates.Pair other;

    @BeforeAll
    static void makeCertificates() {
        Instant now = Instant.now().minus(Duration.ofHours(1));
        rsa = TestCertificates.generate(dir, "rsa", KeyKind.RSA, now, Duration.ofDays(1));
        ec = TestCertificates.generate(dir, "ec", KeyKind.EC, now, Duration.ofDays(1));
        other = TestCertificates.generate(dir, "other", KeyKind.RSA, now, Duration.ofDays(1));
    }

    private static ServerConfig load(Map<String, String> env, String... args) {
        return ((ConfigLoader.Run) ConfigLoader.load(args, env)).config();
    }

    private static ServerConfig.Builder server(TlsConfig tls) {
        return TestServer.config().tls(tls);
    }

    private static TlsConfig files(String cert, String key) {
        return TlsConfig.builder().cert(cert).key(key).port(0).mgmtPort(0).build();
    }

    private static void assertStartFails(ServerConfig config, String key, String... inMessage) {
        assertNamesKey(() -> TestServer.start(config).close(), key, inMessage);
    }

    private static void assertNamesKey(ThrowingCallable call, String key, String... inMessage) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.key()).isEqualTo(key);
            assertThat(e.getMessage()).startsWith(key + ": ").contains(inMessage);
        });
    }

    private static Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.US_ASCII);
        return p;
    }

    @Test
    void tlsIsOffByDefaultWithPorts11207And18091Kept() {
        TlsConfig tls = load(Map.of()).tls();
        assertThat(tls.enabled()).isFalse();
        assertThat(tls.port()).isEqualTo(11207);
        assertThat(tls.mgmtPort()).isEqualTo(18091);
        assertThat(tls.provider()).isEqualTo(TlsConfig.Provider.AUTO);
        assertThat(ServerConfig.defaults().tls()).isEqualTo(TlsConfig.OFF);
    }

    @Test
    void settingsComeFromFlagsAndTheEnvironment() {
        TlsConfig tls = load(
                        Map.of(
                                "KV_TLS_CERT",
                                "/certs/cert.pem",
                                "KV_TLS_KEY",
                                "/certs/key.pem",
                                "KV_TLS_KEY_PASSWORD",
                                "s3cret"),
                        "--tls-port",
                        "0",
                        "--mgmt-tls-port",
                        "-1",
                        "--tls-provider",
                        "jdk")
                .tls();
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.certPath()).isEqualTo("/certs/cert.pem");
        assertThat(tls.keyPath()).isEqualTo("/certs/key.pem");
        assertThat(tls.keyPassword()).isEqualTo("s3cret");
        assertThat(tls.port()).isZero();
        assertThat(tls.kvEnabled()).isTrue();
        assertThat(tls.mgmtEnabled()).isFalse();
        assertThat(tls.provider()).isEqualTo(TlsConfig.Provider.JDK);
        assertThat(tls.toString()).doesNotContain("s3cret");
        ConfigLoader.Run run = (ConfigLoader.Run) ConfigLoader.load(
                new String[0], Map.of("KV_TLS_CERT", "c", "KV_TLS_KEY", "k", "KV_TLS_KEY_PASSWORD", "s3cret"));
        assertThat(run.effective())
                .contains(
                        "tls-key-password = **** (environment KV_TLS_KEY_PASSWORD)",
                        "tls-cert = c (environment KV_TLS_CERT)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "--tls-cert /c.pem                          | tls-key          | required when tls-cert is set",
                "--tls-key /k.pem                           | tls-cert         | required when tls-key is set",
                "--tls-key-password pw                      | tls-key-password | tls-key is not",
                "--tls-port 70000                           | tls-port         | from -1 to 65535",
                "--tls-port -2                              | tls-port         | from -1 to 65535",
                "--mgmt-tls-port x                          | mgmt-tls-port    | whole number",
                "--tls-provider boringssl                   | tls-provider     | auto, openssl, jdk"
            })
    void invalidSettingsNameTheirKey(String args, String key, String message) {
        assertNamesKey(() -> load(Map.of(), args.trim().split(" ")), key, message);
    }

    @Test
    void missingFilesNameTheirSetting() {
        String missing = dir.resolve("missing.pem").toString();
        assertStartFails(server(files(missing, rsa.key().toString())).build(), "tls-cert", "no such file", missing);
        assertStartFails(server(files(rsa.cert().toString(), missing)).build(), "tls-key", "no such file", missing);
    }

    @Test
    void filesThatDoNotParseNameTheirSetting() throws IOException {
        String junk = write("junk.pem", "this is not PEM\n").toString();
        String badCert = write("bad-cert.pem", TestCertificates.pem("CERTIFICATE", new byte[] {1, 2, 3}))
                .toString();
        String badKey = write("bad-key.pem", TestCertificates.pem("PRIVATE KEY", new byte[] {1, 2, 3}))
                .toString();
        String key = rsa.key().toString();
        String cert = rsa.cert().toString();
        assertStartFails(server(files(junk, key)).build(), "tls-cert", "holds no PEM certificate");
        assertStartFails(server(files(key, key)).build(), "tls-cert", "holds no PEM certificate");
        assertStartFails(server(files(badCert, key)).build(), "tls-cert", "does not parse");
        assertStartFails(server(files(cert, junk)).build(), "tls-key", "holds no PEM private key");
        assertStartFails(server(files(cert, cert)).build(), "tls-key", "holds no PEM private key");
        assertStartFails(server(files(cert, badKey)).build(), "tls-key", "does not parse");
    }

    @Test
    void aKeyThatIsNotTheCertificatesKeyIsRefused() {
        assertStartFails(
                server(files(rsa.cert().toString(), other.key().toString())).build(),
                "tls-key",
                "is not the private key of the certificate");
        assertStartFails(
                server(files(rsa.cert().toString(), ec.key().toString())).build(),
                "tls-key",
                "is not the private key of the certificate");
        assertStartFails(
                server(files(ec.cert().toString(), rsa.key().toString())).build(),
                "tls-key",
                "is not the private key of the certificate");
    }

    @Test
    void aTraditionalPkcs1KeyIsRefusedWithTheCommandThatConvertsIt() {
        Path pkcs1 = TestCertificates.writeTraditionalKey(rsa, dir.resolve("pkcs1.key"));
        assertStartFails(
                server(files(rsa.cert().toString(), pkcs1.toString())).build(),
                "tls-key",
                "RSA PRIVATE KEY",
                "openssl pkcs8 -topk8");
    }

    @Test
    void anEncryptedKeyNeedsTheRightPassword() throws IOException {
        Path encrypted = TestCertificates.writeEncryptedKey(rsa, dir.resolve("encrypted.key"), "open sesame");
        TlsConfig.Builder tls = files(rsa.cert().toString(), encrypted.toString()).toBuilder();
        assertStartFails(server(tls.build()).build(), "tls-key-password", "is required", "encrypted");
        assertStartFails(server(tls.keyPassword("wrong").build()).build(), "tls-key-password", "does not decrypt");
        assertStartFails(
                server(files(rsa.cert().toString(), rsa.key().toString()).toBuilder()
                                .keyPassword("pw")
                                .build())
                        .build(),
                "tls-key-password",
                "is not encrypted");
        try (TestServer server = TestServer.start(
                        server(tls.keyPassword("open sesame").build()).build());
                McbpClient c = rsa.client(server.server().tlsPort())) {
            assertThat(c.call(Frames.request(0x0a).opaque(1)).status()).isZero();
        }
    }

    @Test
    void anEcCertificateWorksToo() throws IOException {
        try (TestServer server = TestServer.start(server(ec.tls()).build());
                SSLSocket s = ec.connect(server.server().tlsPort())) {
            assertThat(s.getSession().getPeerCertificates()[0]).isEqualTo(ec.certificate());
            McbpClient c = new McbpClient(s);
            assertThat(c.call(Frames.request(0x0a).opaque(1)).status()).isZero();
        }
    }

    @Test
    void anExpiredCertificateStartsWithAWarning() {
        TestCertificates.Pair expired = TestCertificates.generate(
                dir, "expired", KeyKind.EC, Instant.now().minus(Duration.ofDays(10)), Duration.ofDays(1));
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.start(server(expired.tls()).build())) {
            assertThat(server.server().tlsPort()).isPositive();
            assertThat(log.warningsAndErrors()).anyMatch(l -> l.contains("expired") && l.contains("expired.crt"));
        }
    }

    @Test
    void tlsPortsInUseNameTheirSettingAndStopWhatWasStarted() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            assertStartFails(
                    server(rsa.tls().toBuilder().port(port).build()).build(),
                    "tls-port",
                    "cannot listen on 127.0.0.1:" + port);
            assertStartFails(
                    server(rsa.tls().toBuilder().mgmtPort(port).build()).build(),
                    "mgmt-tls-port",
                    "cannot listen on 127.0.0.1:" + port);
        }
        Await.until(
                Duration.ofSeconds(10),
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.isAlive()
                                && (t.getName().startsWith("kv-accept")
                                        || t.getName().startsWith("kv-loop"))),
                "the failed servers' event loops have stopped");
    }
}
