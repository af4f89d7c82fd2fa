package io.kvfrontend.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.config.TlsConfig;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestCertificates;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The MCBP TLS port over real sockets, with each provider: the same protocol and auth as the plain
 * port behind TLS 1.3/1.2, old protocol versions and plain-text clients refused without harm, the
 * plain port alongside, the TLS ports in the cluster map, and a clean close on stop.
 */
class TlsPortTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    static TestCertificates.Pair pair;

    @BeforeAll
    static void makeCertificate() {
        pair = TestCertificates.generate(dir);
    }

    /** Authentication on, TLS with this provider. */
    private static ServerConfig tlsServer(TlsConfig.Provider provider) {
        return TestServer.withAuth()
                .tls(pair.tls().toBuilder().provider(provider).build())
                .build();
    }

    /** Authentication off (so a client may send anything at once), TLS with this provider. */
    private static ServerConfig tlsServerWithoutAuth(TlsConfig.Provider provider) {
        return TestServer.config()
                .tls(pair.tls().toBuilder().provider(provider).build())
                .build();
    }

    private static Response hello(McbpClient c) {
        return c.call(Frames.request(0x1f)
                .key("{\"a\":\"tls-test\"}")
                .value(new byte[] {0x00, 0x07})
                .opaque(1));
    }

    private static Response plain(McbpClient c, String user, String password) {
        return c.call(Frames.request(0x21)
                .key("PLAIN")
                .value("\0" + user + "\0" + password)
                .opaque(2));
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsConfig.Provider.class,
            names = {"OPENSSL", "JDK"})
    void helloSaslPlainSetAndGetWorkOverTlsAndThePlainPortAlongside(TlsConfig.Provider provider) {
        try (TestServer server = TestServer.start(tlsServer(provider))) {
            assertThat(server.server().tlsPort()).isPositive().isNotEqualTo(server.port());
            assertThat(server.server().tls().providerName())
                    .startsWith(provider == TlsConfig.Provider.JDK ? "JDK" : "OpenSSL");
            try (McbpClient c = pair.client(server.server().tlsPort())) {
                assertThat(((SSLSocket) c.socket()).getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(hello(c).status()).isZero();
                Response mechs = c.call(Frames.request(0x20).opaque(3));
                assertThat(mechs.valueString()).contains("PLAIN");
                // Same auth rules as the plain port: no bucket before login, a wrong password refused.
                assertThat(c.call(Frames.request(0x89).key("default").opaque(4)).status())
                        .isNotZero();
                assertThat(plain(c, "Administrator", "wrong").status()).isEqualTo(0x20);
                assertThat(plain(c, "Administrator", "password").status()).isZero();
                assertThat(c.call(Frames.request(0x89).key("default").opaque(5)).status())
                        .isZero();
                Response set = c.call(Frames.request(0x01)
                        .key("over-tls")
                        .extras(Frames.storeExtras(3, 0))
                        .value("secret value")
                        .opaque(6));
                assertThat(set.status()).isZero();
                Response get = c.call(Frames.request(0x00).key("over-tls").opaque(7));
                assertThat(get.status()).isZero();
                assertThat(get.valueString()).isEqualTo("secret value");
                assertThat(get.extrasInt(0)).isEqualTo(3);
                assertThat(get.cas()).isEqualTo(set.cas());

                // The server side: TLS in front of the plain port's very pipeline.
                assertThat(server.connectionOf(c).channel().pipeline().names())
                        .startsWith("tls", "tls-events", "bytes", "decoder", "connection");

                // The plain port serves the same data, at the same time.
                try (McbpClient p = server.client()) {
                    assertThat(plain(p, "Administrator", "password").status()).isZero();
                    assertThat(p.call(Frames.request(0x89).key("default").opaque(8))
                                    .status())
                            .isZero();
                    assertThat(p.call(Frames.request(0x00).key("over-tls").opaque(9))
                                    .valueString())
                            .isEqualTo("secret value");
                    assertThat(server.connectionOf(p).channel().pipeline().names())
                            .doesNotContain("tls");
                }
                assertThat(c.call(Frames.request(0x0a).opaque(10)).status())
                        .as("TLS connection still open")
                        .isZero();
            }
            assertThat(server.server().tls().handshakes()).isEqualTo(1);
            assertThat(server.server().tls().handshakeFailures()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsConfig.Provider.class,
            names = {"OPENSSL", "JDK"})
    void negotiatesTls13AndTls12(TlsConfig.Provider provider) throws IOException {
        try (TestServer server = TestServer.start(tlsServerWithoutAuth(provider))) {
            for (String version : List.of("TLSv1.3", "TLSv1.2")) {
                try (McbpClient c = new McbpClient(pair.connect(server.server().tlsPort(), version))) {
                    assertThat(((SSLSocket) c.socket()).getSession().getProtocol())
                            .isEqualTo(version);
                    assertThat(c.call(Frames.request(0x0a).opaque(1)).status()).isZero();
                }
            }
            Await.until(DEADLINE, () -> server.server().tls().handshakes() == 2, "two handshakes counted");
        }
    }

    @ParameterizedTest(name = "{0} refuses version 0x0{1}")
    @org.junit.jupiter.params.provider.CsvSource({"OPENSSL, 301", "OPENSSL, 302", "JDK, 301", "JDK, 302"})
    void refusesTls10And11Handshakes(TlsConfig.Provider provider, String version) throws IOException {
        try (TestServer server = TestServer.start(tlsServer(provider))) {
            int port = server.server().tlsPort();
            // The same hand-made ClientHello is answered with a ServerHello when it asks for TLS 1.2:
            // the refusals below are about the version, not a malformed hello.
            List<Record> accepted = exchange(port, ClientHello.build(0x0303));
            assertThat(accepted).isNotEmpty();
            assertThat(accepted.get(0).type).as("handshake record").isEqualTo(0x16);
            assertThat(accepted.get(0).body[0]).as("ServerHello").isEqualTo((byte) 2);
            assertThat(((accepted.get(0).body[4] & 0xff) << 8) | (accepted.get(0).body[5] & 0xff))
                    .as("server version")
                    .isEqualTo(0x0303);

            List<Record> refused = exchange(port, ClientHello.build(Integer.parseInt(version, 16)));
            assertThat(refused).as("a fatal alert, then the close").hasSize(1);
            assertThat(refused.get(0).type).as("alert record").isEqualTo(0x15);
            assertThat(refused.get(0).body[0]).as("fatal").isEqualTo((byte) 2);
            assertThat(refused.get(0).body[1]).as("protocol_version").isEqualTo((byte) 70);
            // The refused hello, and the accepted one the test abandoned after the ServerHello.
            Await.until(
                    DEADLINE,
                    () -> server.server().tls().handshakeFailures() == 2,
                    () -> "handshake failures counted: " + server.server().tls().handshakeFailures());
            assertThat(server.server().tls().handshakes()).isZero();
            Await.until(
                    DEADLINE,
                    () -> server.server().context().stats().currConnections.get() == 0,
                    "the refused connections are gone");
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsConfig.Provider.class,
            names = {"OPENSSL", "JDK"})
    void plainMcbpOnTheTlsPortIsClosedWithoutAnMcbpAnswer(TlsConfig.Provider provider) throws IOException {
        try (TestServer server = TestServer.start(tlsServer(provider))) {
            ByteArrayOutputStream plainText = new ByteArrayOutputStream();
            plainText.writeBytes(Frames.request(0x1f)
                    .key("{\"a\":\"plain client\"}")
                    .value(new byte[] {0x00, 0x07})
                    .opaque(1)
                    .build());
            plainText.writeBytes(Frames.request(0x21)
                    .key("PLAIN")
                    .value("\0Administrator\0password")
                    .opaque(2)
                    .build());
            plainText.writeBytes(Frames.request(0x0a).opaque(3).build());
            ch.qos.logback.classic.Logger tlsLog =
                    (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ServerTls.class);
            ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                    new ch.qos.logback.core.read.ListAppender<>();
            logged.start();
            tlsLog.addAppender(logged);
            try {
                byte[] answer = sendAndReadUntilClosed(server.server().tlsPort(), plainText.toByteArray());
                if (answer.length > 0) {
                    assertThat(answer[0])
                            .as("nothing but a TLS alert comes back")
                            .isEqualTo((byte) 0x15);
                }
                Await.until(DEADLINE, () -> server.server().tls().handshakeFailures() == 1, "the failure is counted");
            } finally {
                tlsLog.detachAppender(logged);
            }
            List<String> lines;
            synchronized (logged.list) {
                lines = logged.list.stream().map(e -> e.getFormattedMessage()).toList();
            }
            assertThat(lines).as("one line saying what happened").hasSize(1);
            assertThat(lines.get(0))
                    .contains("not a TLS record")
                    .as("the bytes received (a password here) are not logged")
                    .doesNotContain("70617373776f7264")
                    .doesNotContain("password");
            Await.until(
                    DEADLINE,
                    () -> server.server().context().stats().currConnections.get() == 0,
                    "the connection is gone");
            assertThat(server.server().context().stats().cmdSet.sum()
                            + server.server().context().stats().authFailures.sum())
                    .as("nothing reached the protocol")
                    .isZero();
            // The server is unharmed: TLS and plain clients still work.
            try (McbpClient c = pair.client(server.server().tlsPort());
                    McbpClient p = server.client()) {
                assertThat(hello(c).status()).isZero();
                assertThat(hello(p).status()).isZero();
            }
        }
    }

    @Test
    void theClusterMapAdvertisesKvSslAndMgmtSslOnlyWhenTlsIsOn() throws IOException {
        try (TestServer server =
                TestServer.start(TestServer.config().tls(pair.tls()).build())) {
            JsonNode services = services(server);
            assertThat(services.get("kv").asInt()).isEqualTo(server.port());
            assertThat(services.get("kvSSL").asInt()).isEqualTo(server.server().tlsPort());
            assertThat(services.get("mgmtSSL").asInt())
                    .isEqualTo(server.server().mgmtTlsPort())
                    .isPositive();
            // The plain mgmt port names the node for the SDK (sdk-compat.md 2.4): always there.
            assertThat(services.get("mgmt").asInt()).isEqualTo(8091);
        }
        try (TestServer server = TestServer.start(TestServer.config()
                .tls(pair.tls().toBuilder().mgmtPort(-1).build())
                .build())) {
            assertThat(server.server().mgmtTlsPort()).isEqualTo(-1);
            assertThat(fieldNames(services(server))).containsExactlyInAnyOrder("kv", "mgmt", "kvSSL");
        }
        try (TestServer server = TestServer.start(TestServer.config().build())) {
            assertThat(server.server().tlsPort()).isEqualTo(-1);
            assertThat(server.server().tls()).isNull();
            assertThat(fieldNames(services(server))).containsExactlyInAnyOrder("kv", "mgmt");
        }
        // Ports configured but no certificate: TLS stays off, nothing is bound or advertised.
        try (TestServer server = TestServer.start(TestServer.config()
                .tls(TlsConfig.builder().port(0).mgmtPort(0).build())
                .build())) {
            assertThat(server.server().tlsPort()).isEqualTo(-1);
            assertThat(fieldNames(services(server))).containsExactlyInAnyOrder("kv", "mgmt");
        }
    }

    /**
     * Stopping the server answers what it read and then ends each TLS connection with close_notify
     * before the half-close: a Netty TLS client (as the SDK's) sees the TLS close, not a truncation.
     */
    @ParameterizedTest
    @EnumSource(
            value = TlsConfig.Provider.class,
            names = {"OPENSSL", "JDK"})
    void aGracefulStopEndsTlsConnectionsWithCloseNotify(TlsConfig.Provider provider) throws Exception {
        TestServer server = TestServer.start(tlsServerWithoutAuth(provider));
        try (NettyTlsClient c =
                NettyTlsClient.connect(pair.certificate(), server.server().tlsPort())) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                batch.writeBytes(Frames.request(0x0a).opaque(i).build());
            }
            c.send(batch.toByteArray());
            Await.until(DEADLINE, () -> c.received().length >= 24, "the first response");
            CompletableFuture<Void> stop = CompletableFuture.runAsync(server::close);
            c.awaitClosed(DEADLINE);
            stop.get(30, TimeUnit.SECONDS);

            assertThat(c.closeNotifyReceived())
                    .as("close_notify before the end of the stream")
                    .isTrue();
            byte[] in = c.received();
            assertThat(in.length % 24).as("whole responses only").isZero();
            for (int i = 0; i < in.length / 24; i++) {
                assertThat(java.nio.ByteBuffer.wrap(in, i * 24 + 12, 4).getInt())
                        .as("responses in order")
                        .isEqualTo(i);
            }
        } finally {
            server.close();
        }
    }

    // ------------------------------------------------------------------------------ helpers

    private static JsonNode services(TestServer server) throws IOException {
        try (McbpClient c = server.client()) {
            Response config = c.call(Frames.request(0xb5).opaque(1));
            assertThat(config.status()).isZero();
            return JSON.readTree(config.value()).get("nodesExt").get(0).get("services");
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    /** A TLS record as received: content type and body. */
    record Record(int type, byte[] body) {}

    /** Sends {@code bytes} on a plain socket and returns the TLS records received until the server closes. */
    private static List<Record> exchange(int port, byte[] bytes) {
        byte[] in = sendAndReadUntilClosed(port, bytes);
        List<Record> out = new ArrayList<>();
        int i = 0;
        while (i + 5 <= in.length) {
            int length = ((in[i + 3] & 0xff) << 8) | (in[i + 4] & 0xff);
            int end = Math.min(in.length, i + 5 + length);
            out.add(new Record(in[i] & 0xff, java.util.Arrays.copyOfRange(in, i + 5, end)));
            i = end;
            if (out.get(out.size() - 1).type == 0x16 && out.size() == 1) {
                break; // a ServerHello: the handshake goes on; the test only needs the first record
            }
        }
        return out;
    }

    /**
     * Sends and reads everything until the server closes (or, for a handshake the server goes on
     * with, until it stops sending); fails if neither happens within the deadline.
     */
    private static byte[] sendAndReadUntilClosed(int port, byte[] bytes) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(1000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (System.nanoTime() < end) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    if (got.size() > 0 && (got.toByteArray()[0] & 0xff) == 0x16) {
                        return got.toByteArray(); // a handshake in progress: it will not close by itself
                    }
                    continue;
                } catch (IOException e) {
                    return got.toByteArray(); // reset: closed too
                }
                if (n < 0) {
                    return got.toByteArray();
                }
                got.write(buf, 0, n);
            }
            throw new AssertionError("the server neither closed nor answered within " + DEADLINE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A minimal TLS ClientHello with a given legacy version and no supported_versions extension. */
    static final class ClientHello {
        private ClientHello() {}

        static byte[] build(int version) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            u16(body, version);
            byte[] random = new byte[32];
            new java.security.SecureRandom().nextBytes(random);
            body.writeBytes(random);
            body.write(0); // no session id
            int[] suites = {
                0xc02f, 0xc02b, 0xc030, 0xc02c, 0xc013, 0xc009, 0xc014, 0xc00a, 0x009c, 0x002f, 0x0035, 0x00ff
            };
            u16(body, suites.length * 2);
            for (int s : suites) {
                u16(body, s);
            }
            body.write(1);
            body.write(0); // null compression
            ByteArrayOutputStream ext = new ByteArrayOutputStream();
            extension(ext, 0x000a, 0x001d, 0x0017); // supported_groups
            u16(ext, 0x000b); // ec_point_formats:
            u16(ext, 2);
            ext.write(1);
            ext.write(0); // uncompressed
            extension(ext, 0x000d, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0201, 0x0203); // sig algs
            u16(body, ext.size());
            body.writeBytes(ext.toByteArray());

            ByteArrayOutputStream handshake = new ByteArrayOutputStream();
            handshake.write(1); // ClientHello
            u24(handshake, body.size());
            handshake.writeBytes(body.toByteArray());

            ByteArrayOutputStream record = new ByteArrayOutputStream();
            record.write(0x16);
            u16(record, 0x0301);
            u16(record, handshake.size());
            record.writeBytes(handshake.toByteArray());
            return record.toByteArray();
        }

        /** An extension whose data is a list of 16-bit values with a 16-bit length in bytes. */
        private static void extension(ByteArrayOutputStream out, int type, int... list) {
            u16(out, type);
            u16(out, 2 + list.length * 2);
            u16(out, list.length * 2);
            for (int v : list) {
                u16(out, v);
            }
        }

        private static void u16(ByteArrayOutputStream out, int v) {
            out.write((v >>> 8) & 0xff);
            out.write(v & 0xff);
        }

        private static void u24(ByteArrayOutputStream out, int v) {
            out.write((v >>> 16) & 0xff);
            u16(out, v & 0xffff);
        }
    }
}
