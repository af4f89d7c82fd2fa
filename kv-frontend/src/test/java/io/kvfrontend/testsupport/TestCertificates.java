package io.kvfrontend.testsupport;

import io.kvfrontend.config.TlsConfig;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed certificates for tests, made in-process with BouncyCastle (no openssl needed): a
 * server certificate for {@code localhost} and {@code 127.0.0.1} (so clients can verify the host
 * name), written as PEM files the way {@code docker/make-dev-cert.sh} writes them, plus the client
 * side: an {@link SSLContext} that trusts exactly that certificate.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates() {}

    /** The kinds of key a test certificate can have. */
    public enum KeyKind {
        RSA("RSA", 2048, "SHA256withRSA"),
        EC("EC", 256, "SHA256withECDSA");

        final String algorithm;
        final int bits;
        final String signature;

        KeyKind(String algorithm, int bits, String signature) {
            this.algorithm = algorithm;
            this.bits = bits;
            this.signature = signature;
        }
    }

    /**
     * A certificate and its key, in memory and as PEM files.
     *
     * @param cert    the PEM certificate file
     * @param key     the PEM PKCS#8 key file (unencrypted)
     */
    public record Pair(Path cert, Path key, X509Certificate certificate, KeyPair keyPair) {

        /** TLS settings using this pair, with both TLS ports ephemeral. */
        public TlsConfig tls() {
            return TlsConfig.builder()
                    .cert(cert.toString())
                    .key(key.toString())
                    .port(0)
                    .mgmtPort(0)
                    .build();
        }

        /** A client TLS context that trusts this certificate only. */
        public SSLContext clientContext() {
            return TestCertificates.clientContext(certificate);
        }

        /**
         * A TLS socket to {@code 127.0.0.1:port}, handshake done, verifying the host name against the
         * certificate, with only the given protocol versions enabled (none given: the JDK's defaults).
         */
        public SSLSocket connect(int port, String... protocols) {
            return TestCertificates.connect(clientContext(), port, protocols);
        }

        /** {@link #connect} wrapped in the raw MCBP test client. */
        public McbpClient client(int port) {
            return new McbpClient(connect(port));
        }
    }

    /** An RSA pair for localhost and 127.0.0.1, valid from an hour ago for a day, in {@code dir}. */
    public static Pair generate(Path dir) {
        return generate(dir, "server", KeyKind.RSA, Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(1));
    }

    /**
     * A self-signed pair written to {@code dir/<name>.crt} and {@code dir/<name>.key}.
     *
     * @param notBefore start of validity
     * @param validity  how long it is valid
     */
    public static Pair generate(Path dir, String name, KeyKind kind, Instant notBefore, Duration validity) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(kind.algorithm);
            g.initialize(kind.bits, new SecureRandom());
            KeyPair keys = g.generateKeyPair();
            X500Name subject = new X500Name("CN=localhost,O=kv-frontend tests");
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    subject,
                    BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(notBefore),
                    Date.from(notBefore.plus(validity)),
                    subject,
                    keys.getPublic());
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")
            }));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    // keyCertSign as docker/make-dev-cert.sh: BoringSSL clients (the C++-core SDKs)
                    // accept a self-signed certificate as its own issuer only with it.
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(kind.signature).build(keys.getPrivate())));
            Files.createDirectories(dir);
            Path certFile = dir.resolve(name + ".crt");
            Path keyFile = dir.resolve(name + ".key");
            Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
            return new Pair(certFile, keyFile, cert, keys);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    /** The pair's key encrypted with {@code password} (PKCS#8, PBES2 with AES-256 and HMAC-SHA256). */
    public static Path writeEncryptedKey(Pair pair, Path file, String password) {
        try {
            OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                    .setPassword(password.toCharArray())
                    .setPRF(PKCS8Generator.PRF_HMACSHA256)
                    .setIterationCount(2048)
                    .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                    .build();
            return writePem(file, new JcaPKCS8Generator(pair.keyPair().getPrivate(), encryptor));
        } catch (Exception e) {
            throw new IllegalStateException("cannot encrypt a test key", e);
        }
    }

    /** The pair's key in the traditional PKCS#1 form ({@code BEGIN RSA PRIVATE KEY}). */
    public static Path writeTraditionalKey(Pair pair, Path file) {
        return writePem(file, pair.keyPair().getPrivate());
    }

    private static Path writePem(Path file, Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.writeString(file, out.toString(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** PEM text: the label, base64 in 64-character lines, the end line. */
    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** A client context trusting {@code trusted} only. */
    public static SSLContext clientContext(X509Certificate trusted) {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("server", trusted);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** See {@link Pair#connect}. */
    public static SSLSocket connect(SSLContext context, int port, String... protocols) {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
            s.setSoTimeout(10_000);
            if (protocols.length > 0) {
                s.setEnabledProtocols(protocols);
            }
            javax.net.ssl.SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (IOException e) {
            try {
                plain.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException(e);
        }
    }
}
