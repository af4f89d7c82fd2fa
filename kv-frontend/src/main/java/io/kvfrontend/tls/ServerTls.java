package io.kvfrontend.tls;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of TLS: one {@link SslContext} built from the configured PEM files, shared by the
 * MCBP TLS port and the management HTTPS port, and what each of their connections puts first in its
 * pipeline: the {@code SslHandler} ("tls") and a small handler ("tls-events") that counts handshakes
 * and turns TLS failures (a plain-text client, an old protocol version, a bad record) into one
 * rate-limited log line and a close, never a stack trace per bad client (conventions.md, "Errors").
 *
 * <p>Only TLS 1.3 and 1.2 are enabled, with the provider's default cipher suites for them. The
 * provider is OpenSSL (BoringSSL from netty-tcnative) when it loads, else the JDK's engine; the
 * {@code tls-provider} setting can force either.
 *
 * <p><b>Thread-safe</b> (immutable context; counters are adders).
 */
public final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    /** TLS 1.2 and later only (issue 6). */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final SslContext context;
    private final String providerName;
    private final X509Certificate leaf;
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);
    private final ChannelHandler events = new TlsEvents();

    private ServerTls(SslContext context, String providerName, X509Certificate leaf) {
        this.context = context;
        this.providerName = providerName;
        this.leaf = leaf;
    }

    /**
     * Reads and checks the certificate and key and builds the context, or returns {@code null} when
     * TLS is off (no certificate configured).
     *
     * @throws TlsSetupException naming the setting at fault: a missing or unreadable file, a key that
     *                         does not belong to the certificate, a wrong password, an unavailable
     *                         provider
     */
    public static ServerTls load(String certPath, String keyPath, String keyPassword, Provider wanted) {
        if (certPath == null) {
            return null;
        }
        List<X509Certificate> chain = PemFiles.certificates(certPath);
        PrivateKey key = PemFiles.privateKey(keyPath, keyPassword);
        X509Certificate leaf = chain.get(0);
        if (!keyMatches(key, leaf.getPublicKey())) {
            throw new TlsSetupException(
                    "tls-key",
                    keyPath + " is not the private key of the certificate in " + certPath + " ("
                            + leaf.getSubjectX500Principal().getName() + ")");
        }
        SslProvider provider = provider(wanted);
        String providerName = provider == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
        SslContext context;
        try {
            context = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .build();
        } catch (SSLException | RuntimeException e) {
            throw new TlsSetupException(
                    "tls-cert",
                    "cannot set up TLS with " + certPath + " and " + keyPath + " (" + providerName + "): "
                            + e.getMessage());
        }
        checkValidity(leaf, certPath);
        return new ServerTls(context, providerName, leaf);
    }

    /** Which TLS implementation to use ({@code tls-provider}). */
    public enum Provider {
        /** OpenSSL where netty-tcnative loads, else the JDK. */
        AUTO,
        OPENSSL,
        JDK
    }

    /** OpenSSL where it loads (or is demanded), else the JDK; says which and why. */
    private static SslProvider provider(Provider wanted) {
        switch (wanted) {
            case JDK:
                LOG.info("TLS provider: JDK (tls-provider=jdk)");
                return SslProvider.JDK;
            case OPENSSL:
                if (!OpenSsl.isAvailable()) {
                    throw new TlsSetupException(
                            "tls-provider", "openssl is not available here: " + OpenSsl.unavailabilityCause());
                }
                LOG.info("TLS provider: OpenSSL {} (tls-provider=openssl)", OpenSsl.versionString());
                return SslProvider.OPENSSL;
            default:
                if (OpenSsl.isAvailable()) {
                    LOG.info("TLS provider: OpenSSL {} (netty-tcnative loaded)", OpenSsl.versionString());
                    return SslProvider.OPENSSL;
                }
                LOG.info(
                        "TLS provider: JDK (OpenSSL is not available: {})",
                        String.valueOf(OpenSsl.unavailabilityCause()));
                return SslProvider.JDK;
        }
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: a random challenge signed with
     * one verifies with the other. Key kinds without a signature scheme here are accepted unchecked.
     */
    static boolean keyMatches(PrivateKey key, PublicKey publicKey) {
        String algorithm = key.getAlgorithm().toUpperCase(Locale.ROOT);
        String signature = switch (algorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EDDSA", "ED25519", "ED448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (signature == null) {
            return true;
        }
        if (!publicKey.getAlgorithm().toUpperCase(Locale.ROOT).equals(algorithm)
                && !(signature.equals("EdDSA")
                        && publicKey.getAlgorithm().toUpperCase(Locale.ROOT).startsWith("ED"))) {
            return false;
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(signature);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(signature);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signed);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Logs what the certificate is good for; an expired one still starts, with a warning. */
    private static void checkValidity(X509Certificate leaf, String file) {
        String names = subjectNames(leaf);
        try {
            leaf.checkValidity();
            LOG.info(
                    "TLS certificate {}: {}, names {}, valid until {}",
                    file,
                    leaf.getSubjectX500Principal().getName(),
                    names,
                    leaf.getNotAfter().toInstant());
        } catch (CertificateExpiredException e) {
            LOG.warn(
                    "TLS certificate {} ({}) expired on {}: clients will refuse it",
                    file,
                    leaf.getSubjectX500Principal().getName(),
                    leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            LOG.warn(
                    "TLS certificate {} ({}) is not valid before {}: clients will refuse it",
                    file,
                    leaf.getSubjectX500Principal().getName(),
                    leaf.getNotBefore().toInstant());
        }
    }

    /** The subject alternative names, for the log: what host names and addresses clients may verify. */
    static String subjectNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object type = san.get(0);
                    Object value = san.get(1);
                    if (Integer.valueOf(2).equals(type)) {
                        out.add("DNS:" + value);
                    } else if (Integer.valueOf(7).equals(type)) {
                        out.add("IP:" + value);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return "(unreadable subject alternative names)";
        }
        return out.isEmpty()
                ? "(no subject alternative names: clients that verify host names will refuse it)"
                : String.join(", ", out);
    }

    public SslContext context() {
        return context;
    }

    /** {@code OpenSSL (BoringSSL)} or {@code JDK}. */
    public String providerName() {
        return providerName;
    }

    /** The protocol versions enabled. */
    public List<String> protocols() {
        return PROTOCOLS;
    }

    public X509Certificate certificate() {
        return leaf;
    }

    /** Handshakes completed, on every TLS port. */
    public long handshakes() {
        return handshakes.sum();
    }

    /** Handshakes that failed (a plain-text client, an unsupported version, no common cipher, a timeout). */
    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /** {@code kv.tls.handshakes} with {@code outcome=success|failure}. */
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("kv.tls.handshakes", handshakes, LongAdder::sum)
                .tag("outcome", "success")
                .description("TLS handshakes on the MCBP and management TLS ports")
                .register(registry);
        FunctionCounter.builder("kv.tls.handshakes", handshakeFailures, LongAdder::sum)
                .tag("outcome", "failure")
                .description("TLS handshakes on the MCBP and management TLS ports")
                .register(registry);
    }

    /** Puts the {@code SslHandler} ("tls") and the failure handler ("tls-events") at the end of a new pipeline. */
    public void addTo(ChannelPipeline pipeline) {
        pipeline.addLast("tls", context.newHandler(pipeline.channel().alloc()));
        pipeline.addLast("tls-events", events);
    }

    /**
     * The initializer of a TLS port: TLS first, then the handlers {@code plain} (the plain port's
     * initializer) adds, so both ports run the very same protocol pipeline.
     */
    public ChannelInitializer<Channel> initializer(ChannelHandler plain) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                addTo(ch.pipeline());
                ch.pipeline().addLast(plain);
            }
        };
    }

    /** Whether {@code cause} is, or was caused by, a TLS failure. */
    static boolean isTlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String describe(Throwable cause) {
        if (cause instanceof java.nio.channels.ClosedChannelException) {
            return "the connection closed before the handshake completed";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof io.netty.handler.ssl.NotSslRecordException) {
            // Its message dumps the bytes received, which may be a plain-text client's password.
            return "not a TLS record (a plain-text client on a TLS port?)";
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName()
                + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
    }

    /** Counts handshakes; logs and closes on TLS failures instead of passing them on. Sharable. */
    @ChannelHandler.Sharable
    private final class TlsEvents extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    handshakes.increment();
                } else {
                    handshakeFailures.increment();
                    long now = System.nanoTime();
                    long last = lastFailureLog.get();
                    if (now - last >= FAILURE_LOG_INTERVAL_NANOS && lastFailureLog.compareAndSet(last, now)) {
                        LOG.info(
                                "TLS handshake from {} on port {} failed: {} (logged at most every 10 s)",
                                ctx.channel().remoteAddress(),
                                localPort(ctx),
                                describe(done.cause()));
                    }
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (isTlsFailure(cause)) {
                // Already counted and logged through the handshake event, or a broken record after
                // it: either way the connection cannot go on.
                LOG.debug("TLS failure on {}: {}", ctx.channel(), describe(cause));
                ctx.close();
                return;
            }
            ctx.fireExceptionCaught(cause);
        }

        private String localPort(ChannelHandlerContext ctx) {
            return ctx.channel().localAddress() instanceof java.net.InetSocketAddress a
                    ? Integer.toString(a.getPort())
                    : String.valueOf(ctx.channel().localAddress());
        }
    }
}
