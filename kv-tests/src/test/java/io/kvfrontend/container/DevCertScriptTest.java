package io.kvfrontend.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.config.TlsConfig;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestCertificates;
import io.kvfrontend.testsupport.TestServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker/make-dev-cert.sh}, the README's way to a local TLS pair: it writes a certificate
 * for localhost and 127.0.0.1 and a PKCS#8 key the server takes as they are, keeps an existing pair,
 * and openssl's encrypted PKCS#8 form of the key works with {@code tls-key-password}. Needs openssl,
 * which Debian's JDK packages bring (ca-certificates).
 */
class DevCertScriptTest {
    @TempDir
    Path dir;

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void makesAPairTheServerAndAVerifyingClientAcceptAndKeepsIt() throws Exception {
        Podman scripts = new Podman(Podman.repoRoot());
        Path certs = dir.resolve("certs");
        String first = scripts.script("make-dev-cert.sh", Duration.ofMinutes(1), certs.toString(), "kv.test")
                .orFail("make-dev-cert.sh")
                .output();
        assertThat(first).contains("wrote");
        Path cert = certs.resolve("cert.pem");
        Path key = certs.resolve("key.pem");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
        byte[] certBytes = Files.readAllBytes(cert);
        byte[] keyBytes = Files.readAllBytes(key);

        String again = scripts.script("make-dev-cert.sh", Duration.ofMinutes(1), certs.toString())
                .orFail("make-dev-cert.sh again")
                .output();
        assertThat(again).contains("keeping");
        assertThat(Files.readAllBytes(cert)).isEqualTo(certBytes);
        assertThat(Files.readAllBytes(key)).isEqualTo(keyBytes);

        X509Certificate x509 = read(cert);
        assertThat(x509.getSubjectAlternativeNames())
                .extracting(san -> san.get(1).toString())
                .contains("localhost", "127.0.0.1", "kv.test");
        TlsConfig tls = TlsConfig.builder()
                .cert(cert.toString())
                .key(key.toString())
                .port(0)
                .mgmtPort(-1)
                .build();
        try (TestServer server = TestServer.start(TestServer.config().tls(tls).build());
                SSLSocket s = TestCertificates.connect(
                        TestCertificates.clientContext(x509), server.server().tlsPort());
                McbpClient c = new McbpClient(s)) {
            assertThat(s.getSession().getPeerCertificates()[0]).isEqualTo(x509);
            assertThat(c.call(Frames.request(0x0a).opaque(1)).status()).isZero();
        }
    }

    @Test
    void anOpensslEncryptedKeyWorksWithItsPassword() throws Exception {
        Podman scripts = new Podman(Podman.repoRoot());
        Path certs = dir.resolve("certs");
        scripts.script("make-dev-cert.sh", Duration.ofMinutes(1), certs.toString())
                .orFail("make-dev-cert.sh");
        Path encrypted = dir.resolve("key.enc.pem");
        // As the README says to encrypt a key: PKCS#8, PBES2 with AES-256.
        Process p = new ProcessBuilder(List.of(
                        "openssl",
                        "pkcs8",
                        "-topk8",
                        "-v2",
                        "aes-256-cbc",
                        "-in",
                        certs.resolve("key.pem").toString(),
                        "-out",
                        encrypted.toString(),
                        "-passout",
                        "pass:dev-secret"))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(Files.readString(encrypted)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        X509Certificate x509 = read(certs.resolve("cert.pem"));
        TlsConfig tls = TlsConfig.builder()
                .cert(certs.resolve("cert.pem").toString())
                .key(encrypted.toString())
                .keyPassword("dev-secret")
                .port(0)
                .mgmtPort(-1)
                .build();
        try (TestServer server = TestServer.start(TestServer.config().tls(tls).build());
                McbpClient c = new McbpClient(TestCertificates.connect(
                        TestCertificates.clientContext(x509), server.server().tlsPort()))) {
            assertThat(c.call(Frames.request(0x0a).opaque(1)).status()).isZero();
        }
    }
}
