package io.kvfrontend.http;

import io.kvfrontend.auth.UserStore;
import io.kvfrontend.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management HTTP listener (issue 4): a Netty HTTP/1.1 server on its own event loop (never an
 * MCBP connection's: a {@code /metrics} scrape takes milliseconds), serving the routes of a
 * {@link MgmtRouter} with HTTP Basic authentication against the MCBP users. Requests are small and
 * answered inline on that loop; bodies are capped at
 * {@value #MAX_CONTENT_BYTES} bytes, header blocks at {@value #MAX_HEADER_BYTES}, and idle
 * connections close after {@value #IDLE_SECONDS} s. The same endpoint serves HTTPS on the
 * management TLS port ({@code mgmtSSL}), with TLS first in each connection's pipeline.
 *
 * <p><b>Thread-safe</b> for {@link #close()}; built by the thread that starts the server.
 */
public final class MgmtHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MgmtHttpServer.class);
    static final int MAX_CONTENT_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_INITIAL_LINE_BYTES = 4096;
    static final int IDLE_SECONDS = 120;
    private static final long BAD_REQUEST_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final MgmtRouter router;
    private final java.util.function.Supplier<UserStore> users;
    private final boolean authEnabled;
    private final HttpStats stats;
    private final LongAdder authFailures = new LongAdder();
    private final byte[] digestKey = new byte[32];
    private final AtomicLong lastBadRequestLog = new AtomicLong(System.nanoTime() - BAD_REQUEST_LOG_INTERVAL_NANOS);
    private final Channel channel;

    private MgmtHttpServer(
            MgmtRouter router,
            java.util.function.Supplier<UserStore> users,
            boolean authEnabled,
            HttpStats stats,
            ServerBootstrap bootstrap,
            SocketAddress address,
            ServerTls tls)
            throws InterruptedException {
        this.router = router;
        this.users = users;
        this.authEnabled = authEnabled;
        this.stats = stats;
        new SecureRandom().nextBytes(digestKey);
        this.channel = bootstrap
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            tls.addTo(ch.pipeline());
                        }
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast(
                                        "http",
                                        new HttpServerCodec(new HttpDecoderConfig()
                                                .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
                                                .setMaxHeaderSize(MAX_HEADER_BYTES)
                                                .setMaxChunkSize(MAX_CONTENT_BYTES)))
                                .addLast("keepAlive", new HttpServerKeepAliveHandler())
                                .addLast("aggregator", new HttpObjectAggregator(MAX_CONTENT_BYTES, true))
                                .addLast("mgmt", new MgmtHandler(MgmtHttpServer.this));
                    }
                })
                .bind(address)
                .sync()
                .channel();
    }

    /**
     * Binds an endpoint with the given routes (the server's are {@link PoolsApi}, {@link MetricsApi}
     * and {@link SettingsApi}) on the given event loops.
     *
     * @param port 0 for an ephemeral port
     * @param tls  {@code null} for HTTP; else HTTPS with this TLS set-up (the {@code mgmtSSL} port)
     */
    public static MgmtHttpServer bind(
            MgmtRouter router,
            java.util.function.Supplier<UserStore> users,
            boolean authEnabled,
            EventLoopGroup boss,
            EventLoopGroup workers,
            Class<? extends ServerChannel> channelClass,
            String host,
            int port,
            HttpStats stats,
            ServerTls tls)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true);
        return new MgmtHttpServer(router, users, authEnabled, stats, b, new InetSocketAddress(host, port), tls);
    }

    /** The port actually bound. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public HttpStats stats() {
        return stats;
    }

    /** Requests refused for missing or wrong credentials. */
    public long authFailureCount() {
        return authFailures.sum();
    }

    MgmtRouter router() {
        return router;
    }

    /** The current users (they change at run time through the user manager). */
    UserStore users() {
        return users.get();
    }

    boolean authEnabled() {
        return authEnabled;
    }

    LongAdder authFailures() {
        return authFailures;
    }

    /** Keys the per-connection digest of verified credentials; random per server. */
    byte[] digestKey() {
        return digestKey;
    }

    /** Logs a malformed request at most once per interval server-wide (conventions.md, "Errors"). */
    void mayLogBadRequest(SocketAddress from, Throwable cause) {
        long now = System.nanoTime();
        long last = lastBadRequestLog.get();
        if (now - last >= BAD_REQUEST_LOG_INTERVAL_NANOS && lastBadRequestLog.compareAndSet(last, now)) {
            LOG.info("malformed management request from {}: {}", from, String.valueOf(cause));
        }
    }

    /** Stops accepting; open connections close with the event loops. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
