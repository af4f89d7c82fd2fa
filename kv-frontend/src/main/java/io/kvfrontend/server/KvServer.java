package io.kvfrontend.server;

import io.kvfrontend.auth.BucketAccess;
import io.kvfrontend.auth.Mechanisms;
import io.kvfrontend.auth.SaslServer;
import io.kvfrontend.auth.User;
import io.kvfrontend.auth.UserStore;
import io.kvfrontend.codec.McbpFrameDecoder;
import io.kvfrontend.config.ConfigException;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.config.Transport;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.connection.Connection;
import io.kvfrontend.connection.ConnectionRegistry;
import io.kvfrontend.connection.EventLoopTurns;
import io.kvfrontend.connection.McbpConnectionHandler;
import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.dispatch.CommandSpec;
import io.kvfrontend.dispatch.CommandTable;
import io.kvfrontend.dispatch.Dispatcher;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.SnappyCodec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.http.HttpStats;
import io.kvfrontend.http.MgmtHttpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCBP server: binds the port, builds each connection's pipeline, and owns the event loops.
 * The engine is pluggable; {@link Engines#fromConfig} builds the in-memory one.
 *
 * <p><b>Thread-safe</b> for {@link #close()}; otherwise used by the thread that started it.
 */
public final class KvServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvServer.class);

    private final ServerConfig config;
    private final Engine engine;
    private final ServerContext context;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    /** The management HTTP(S) endpoint's own loop. */
    private final EventLoopGroup mgmtGroup;

    private final Channel serverChannel;
    private final HttpStats httpStats = new HttpStats();
    /** The management HTTP endpoint; null when {@code mgmtPort} is -1. */
    private final MgmtHttpServer mgmt;
    /** The MCBP TLS and management HTTPS ports, when a certificate is configured. */
    private final TlsListeners tls;

    private volatile boolean closed;

    private KvServer(ServerConfig config, Engine engine, MeterRegistry registry, List<CommandSpec> extraCommands)
            throws InterruptedException {
        this.config = config;
        this.engine = engine;
        for (BucketConfig b : config.buckets()) {
            Status s = engine.createBucket(b);
            if (s != Status.SUCCESS) {
                throw new ConfigException("buckets", "cannot create bucket " + b.name() + ": " + s);
            }
        }
        this.tls = TlsListeners.fromConfig(config);
        boolean epoll = useEpoll(config.transport());
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelClass =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kv-accept", true), io);
        int loops = config.eventLoopThreads() == 0
                ? 2 * Runtime.getRuntime().availableProcessors()
                : config.eventLoopThreads();
        OutputMetrics outputMetrics = new OutputMetrics(config.outputMode());
        outputMetrics.bindTo(registry);
        // Each MCBP loop turn: I/O first, then a bounded slice of background output per connection.
        EventLoopTurns turns = new EventLoopTurns(io, outputMetrics, config.outputQuantumBytes());
        this.workerGroup = new MultiThreadIoEventLoopGroup(loops, new DefaultThreadFactory("kv-loop", true), turns);
        turns.bindTo(registry);
        // The management endpoint (scrapes of /metrics take milliseconds) never runs on an MCBP loop.
        this.mgmtGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kv-mgmt", true), io);

        this.context = new ServerContext(
                config,
                engine,
                new Dispatcher(CommandTable.standard(), extraCommands),
                registry,
                outputMetrics,
                version(),
                epoll ? "epoll" : "nio",
                loops,
                saslServer(config),
                turns);
        bindEventLoopGauges(registry);

        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.spoolLowWaterBytes(), config.spoolHighWaterBytes()));
        if (config.socketSendBufferBytes() > 0) {
            b.childOption(ChannelOption.SO_SNDBUF, config.socketSendBufferBytes());
        }
        b.childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                McbpFrameDecoder decoder = new McbpFrameDecoder(config.preAuthMaxFrameBytes(), (ctx, error, detail) -> {
                    context.stats().framingErrors.increment();
                    if (context.mayLogFramingError()) {
                        LOG.warn(
                                "closing connection from {}: framing error {} ({})",
                                ctx.channel().remoteAddress(),
                                error,
                                detail);
                    }
                });
                ch.pipeline()
                        .addLast("bytes", new ByteCounter(context.stats()))
                        .addLast("decoder", decoder)
                        .addLast("connection", new McbpConnectionHandler(context, decoder));
            }
        });
        AcceptFailures acceptFailures =
                new AcceptFailures(context.stats().acceptFailures, context::mayLogAcceptFailure);
        try {
            this.serverChannel = b.bind(new InetSocketAddress(config.host(), config.port()))
                    .sync()
                    .channel();
            // Last, after the acceptor that the channel's initialisation added before the bind ran.
            serverChannel.pipeline().addLast("accept-failures", acceptFailures);
        } catch (Exception e) {
            // bind() rethrows the socket's IOException (e.g. address in use) without declaring it.
            shutdownGroups();
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new ConfigException(
                    "port", "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
        }
        this.mgmt = bindMgmt(channelClass, registry);
        tls.bind(
                b,
                acceptFailures,
                context,
                bossGroup,
                mgmtGroup,
                channelClass,
                httpStats,
                registry,
                this::stopAfterFailedBind);
        // Once every port is bound: a failed start leaves no GC listener behind.
        context.bindMeters();
        context.clusterMap().ports(port(), mgmtPort());
        context.clusterMap().tlsPorts(tls.kvPort(), tls.mgmtPort());
        LOG.info(
                "kv-frontend {} listening on {} (transport {}, {} event loops, output mode {}, output quantum {} "
                        + "bytes, buckets {}, management HTTP {}, snappy {})",
                context.version(),
                serverChannel.localAddress(),
                context.transportName(),
                loops,
                config.outputMode().configName(),
                config.outputQuantumBytes(),
                engine.bucketNames(),
                mgmt == null ? "off" : "port " + mgmt.port(),
                SnappyCodec.available() ? "on" : "unavailable");
        warnAboutUnsafeAuth(config);
        for (BucketConfig bucket : config.buckets()) {
            if (bucket.maxValueBytes() + 2048L > config.maxFrameBytes()) {
                LOG.warn(
                        "bucket {} accepts values up to {} bytes, but frames are limited to {} bytes: a value that "
                                + "large can only be built by appends",
                        bucket.name(),
                        bucket.maxValueBytes(),
                        config.maxFrameBytes());
            }
        }
    }

    /**
     * Starts a server with the in-memory engine and a private Prometheus meter registry, scraped at
     * {@code GET /metrics} on the management port. (The overloads taking a registry export
     * {@code /metrics} only if it is, or contains, a {@code PrometheusMeterRegistry}.)
     */
    public static KvServer start(ServerConfig config) throws InterruptedException {
        return start(config, Engines.fromConfig(config), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** Starts a server on the given engine, which it closes when it closes. */
    public static KvServer start(ServerConfig config, Engine engine, MeterRegistry registry)
            throws InterruptedException {
        return start(config, engine, registry, List.of());
    }

    /**
     * Starts a server on the given engine with additional commands, which replace standard ones for
     * the same opcode (an engine's own commands, or a test's).
     */
    public static KvServer start(
            ServerConfig config, Engine engine, MeterRegistry registry, List<CommandSpec> extraCommands)
            throws InterruptedException {
        try {
            return new KvServer(config, engine, registry, extraCommands);
        } catch (InterruptedException | RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /**
     * The management HTTP endpoint on the same event loops and address, unless {@code mgmtPort} is
     * -1. A failed bind stops what was started and names the setting.
     */
    private MgmtHttpServer bindMgmt(Class<? extends ServerChannel> channelClass, MeterRegistry registry)
            throws InterruptedException {
        httpStats.bindTo(registry);
        if (config.mgmtPort() < 0) {
            return null;
        }
        try {
            return MgmtHttpServer.bind(
                    context.mgmtRouter(),
                    context.sasl()::users,
                    config.authEnabled(),
                    bossGroup,
                    mgmtGroup,
                    channelClass,
                    config.host(),
                    config.mgmtPort(),
                    httpStats,
                    null);
        } catch (Exception e) {
            // bind() rethrows the socket's IOException unchecked-style: catch it all.
            serverChannel.close().syncUninterruptibly();
            shutdownGroups();
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new ConfigException(
                    "mgmt-port", "cannot listen on " + config.host() + ":" + config.mgmtPort() + ": " + e.getMessage());
        }
    }

    /** A later listener failed to bind: stop the plain ones and the event loops. */
    private void stopAfterFailedBind() {
        serverChannel.close().syncUninterruptibly();
        if (mgmt != null) {
            mgmt.close();
        }
        shutdownGroups();
    }

    /** The user store (salted SCRAM secrets only) and the SASL mechanisms offered. */
    private static SaslServer saslServer(ServerConfig config) {
        UserStore.Builder users = UserStore.builder().iterations(config.scramIterations());
        for (UserConfig u : config.users()) {
            BucketAccess access = u.admin() || u.allBuckets() ? BucketAccess.all() : BucketAccess.of(u.buckets());
            try {
                users.addUser(new User(u.name(), u.admin(), access), u.password());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("users", e.getMessage());
            }
        }
        try {
            return SaslServer.builder(users.build())
                    .mechanisms(Mechanisms.of(config.saslMechanisms()))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("sasl-mechanisms", e.getMessage());
        }
    }

    private static void warnAboutUnsafeAuth(ServerConfig config) {
        if (!config.authEnabled()) {
            LOG.warn("authentication is OFF: every client may use every bucket (for local development only)");
            return;
        }
        for (UserConfig u : config.users()) {
            if (u.name().equals(UserConfig.DEFAULT_ADMIN) && u.password().equals(UserConfig.DEFAULT_ADMIN_PASSWORD)) {
                LOG.warn(
                        "user {} still has the default password; set another (--admin-password / "
                                + "KV_ADMIN_PASSWORD)",
                        u.name());
            }
        }
    }

    private static boolean useEpoll(Transport t) {
        return switch (t) {
            case NIO -> false;
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new ConfigException(
                            "transport", "epoll is not available here: " + Epoll.unavailabilityCause());
                }
                yield true;
            }
            case AUTO -> Epoll.isAvailable();
        };
    }

    /** Tasks waiting in each event loop's queue: how far behind the loops are. */
    private void bindEventLoopGauges(MeterRegistry registry) {
        int i = 0;
        for (EventExecutor e : workerGroup) {
            if (e instanceof SingleThreadEventExecutor loop) {
                Gauge.builder("kv.eventloop.pending.tasks", loop, SingleThreadEventExecutor::pendingTasks)
                        .tag("loop", Integer.toString(i))
                        .description("tasks queued on an event loop")
                        .register(registry);
            }
            i++;
        }
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The management HTTP port actually bound, or -1 when the endpoint is off. */
    public int mgmtPort() {
        return mgmt == null ? -1 : mgmt.port();
    }

    /** The MCBP TLS port actually bound, or -1 when TLS or that port is off. */
    public int tlsPort() {
        return tls.kvPort();
    }

    /** The management HTTPS port actually bound, or -1 when TLS or that port is off. */
    public int mgmtTlsPort() {
        return tls.mgmtPort();
    }

    /** TLS as configured (provider, certificate, handshake counts), or {@code null} when off. */
    public io.kvfrontend.tls.ServerTls tls() {
        return tls.tls();
    }

    /** Requests the management HTTP endpoint answered, by status (all zero when it is off). */
    public HttpStats httpStats() {
        return httpStats;
    }

    public ServerContext context() {
        return context;
    }

    public Engine engine() {
        return engine;
    }

    /** Stops accepting, closes every connection and the engine. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Graceful: stop accepting; let every connection answer what it has already read and flush
        // it, then close; whatever is still open after the shutdown timeout is closed anyway.
        serverChannel.close().syncUninterruptibly();
        if (mgmt != null) {
            mgmt.close();
        }
        tls.close();
        ConnectionRegistry connections = context.connections();
        // A connection accepted before the listener closed may become active only after the walk
        // below: it registers later and drains itself (see ConnectionRegistry.add).
        connections.stopping();
        for (Connection c : connections.all()) {
            try {
                c.eventLoop().execute(c::drainAndClose);
            } catch (RejectedExecutionException e) {
                // Its loop is already gone, and with it the connection.
            }
        }
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        while (connections.size() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        int forced = connections.size();
        if (forced > 0) {
            LOG.warn(
                    "{} connections still busy after the {} ms shutdown timeout; closing them",
                    forced,
                    config.shutdownTimeout().toMillis());
            for (Connection c : connections.all()) {
                c.channel().close();
            }
        }
        shutdownGroups();
        context.closeSlowWork();
        engine.close();
        context.closeMeters();
        LOG.info("kv-frontend stopped");
    }

    private void shutdownGroups() {
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        mgmtGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        bossGroup.terminationFuture().syncUninterruptibly();
        workerGroup.terminationFuture().syncUninterruptibly();
        mgmtGroup.terminationFuture().syncUninterruptibly();
    }

    /** The project version, from the build, or "dev". */
    static String version() {
        try (InputStream in = KvServer.class.getResourceAsStream("/kv-frontend-version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "dev");
            }
        } catch (IOException e) {
            LOG.debug("no version resource", e);
        }
        return "dev";
    }
}
