package io.kvfrontend.server;

import io.kvfrontend.config.ConfigException;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.config.TlsConfig;
import io.kvfrontend.http.HttpStats;
import io.kvfrontend.http.MgmtHttpServer;
import io.kvfrontend.tls.ServerTls;
import io.kvfrontend.tls.TlsSetupException;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS listeners: the MCBP TLS port ({@code tls-port}, advertised as {@code kvSSL}) and
 * the management HTTPS port ({@code mgmt-tls-port}, advertised as {@code mgmtSSL}), both on the
 * plain listeners' event loops and address. The MCBP TLS port is the plain port's bootstrap with
 * TLS put in front of the plain port's own initializer, so both run the same protocol pipeline.
 *
 * <p>Bound by the thread that starts the server; <b>thread-safe</b> for {@link #close()} and the
 * port getters afterwards.
 */
final class TlsListeners {
    private static final Logger LOG = LoggerFactory.getLogger(TlsListeners.class);

    private final ServerConfig config;
    /** {@code null} when no certificate is configured. */
    private final ServerTls tls;

    private volatile Channel kv;
    private volatile MgmtHttpServer mgmt;

    private TlsListeners(ServerConfig config, ServerTls tls) {
        this.config = config;
        this.tls = tls;
    }

    /**
     * Reads and checks the certificate and key, before anything is bound.
     *
     * @throws ConfigException naming the TLS setting at fault
     */
    static TlsListeners fromConfig(ServerConfig config) {
        TlsConfig t = config.tls();
        try {
            return new TlsListeners(
                    config,
                    ServerTls.load(
                            t.certPath(),
                            t.keyPath(),
                            t.keyPassword(),
                            ServerTls.Provider.valueOf(t.provider().name())));
        } catch (TlsSetupException e) {
            throw new ConfigException(e.setting(), e.detail());
        }
    }

    /**
     * Binds what is configured. On a failed bind, calls {@code stopOthers} (which closes what the
     * server bound before) after closing its own, and throws a ConfigException naming the port.
     *
     * @param plain the plain MCBP port's bootstrap, with its child handler set
     * @param acceptFailures the listening channel's last handler, as on the plain port
     */
    void bind(
            ServerBootstrap plain,
            ChannelHandler acceptFailures,
            ServerContext context,
            EventLoopGroup boss,
            EventLoopGroup mgmtLoops,
            Class<? extends ServerChannel> channelClass,
            HttpStats httpStats,
            MeterRegistry registry,
            Runnable stopOthers)
            throws InterruptedException {
        if (tls == null) {
            return;
        }
        tls.bindTo(registry);
        String host = config.host();
        if (config.tls().kvEnabled()) {
            ServerBootstrap b =
                    plain.clone().childHandler(tls.initializer(plain.config().childHandler()));
            try {
                kv = b.bind(new InetSocketAddress(host, config.tls().port()))
                        .sync()
                        .channel();
                kv.pipeline().addLast("accept-failures", acceptFailures);
            } catch (Exception e) {
                // bind() rethrows the socket's IOException without declaring it.
                stopOthers.run();
                throw failed(e, "tls-port", host, config.tls().port());
            }
        }
        if (config.tls().mgmtEnabled()) {
            try {
                mgmt = MgmtHttpServer.bind(
                        context.mgmtRouter(),
                        context.sasl()::users,
                        config.authEnabled(),
                        boss,
                        mgmtLoops,
                        channelClass,
                        host,
                        config.tls().mgmtPort(),
                        httpStats,
                        tls);
            } catch (Exception e) {
                close();
                stopOthers.run();
                throw failed(e, "mgmt-tls-port", host, config.tls().mgmtPort());
            }
        }
        LOG.info(
                "TLS ({}, {}): MCBP {}, management HTTPS {}",
                tls.providerName(),
                String.join(" and ", tls.protocols()),
                kv == null ? "off" : "port " + kvPort(),
                mgmt == null ? "off" : "port " + mgmtPort());
        if (!config.saslMechanisms().contains("PLAIN")) {
            LOG.warn("TLS is on but sasl-mechanisms does not offer PLAIN, which Couchbase SDKs use over TLS "
                    + "(couchbases://): they cannot log in on the TLS port");
        }
    }

    private static RuntimeException failed(Exception e, String key, String host, int port) throws InterruptedException {
        if (e instanceof InterruptedException ie) {
            throw ie;
        }
        return new ConfigException(key, "cannot listen on " + host + ":" + port + ": " + e.getMessage());
    }

    /** TLS as configured, or {@code null} when off. */
    ServerTls tls() {
        return tls;
    }

    /** The MCBP TLS port bound, or -1. */
    int kvPort() {
        Channel c = kv;
        return c == null ? -1 : ((InetSocketAddress) c.localAddress()).getPort();
    }

    /** The management HTTPS port bound, or -1. */
    int mgmtPort() {
        MgmtHttpServer m = mgmt;
        return m == null ? -1 : m.port();
    }

    /** Stops accepting on both; open connections are closed with the server's. Idempotent. */
    void close() {
        Channel c = kv;
        if (c != null) {
            c.close().syncUninterruptibly();
        }
        MgmtHttpServer m = mgmt;
        if (m != null) {
            m.close();
        }
    }
}
