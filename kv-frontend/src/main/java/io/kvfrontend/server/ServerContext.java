package io.kvfrontend.server;

import io.kvfrontend.auth.SaslServer;
import io.kvfrontend.auth.User;
import io.kvfrontend.cluster.ClusterMap;
import io.kvfrontend.cluster.ErrorMap;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.connection.CommandRunner;
import io.kvfrontend.connection.Connection;
import io.kvfrontend.connection.ConnectionLimits;
import io.kvfrontend.connection.ConnectionRegistry;
import io.kvfrontend.connection.ConnectionServices;
import io.kvfrontend.connection.EventLoopTurns;
import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.connection.OutputScheduler;
import io.kvfrontend.dispatch.Dispatcher;
import io.kvfrontend.dispatch.Services;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.http.BucketsApi;
import io.kvfrontend.http.CollectionsApi;
import io.kvfrontend.http.MetricsApi;
import io.kvfrontend.http.MgmtRouter;
import io.kvfrontend.http.PoolsApi;
import io.kvfrontend.http.SettingsApi;
import io.kvfrontend.http.UsersApi;
import io.kvfrontend.metrics.BucketMetrics;
import io.kvfrontend.metrics.CommandMetrics;
import io.kvfrontend.metrics.JvmMetrics;
import io.kvfrontend.metrics.ServerStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every connection of one server shares: configuration, engine, dispatcher, counters and
 * meters. Built once at start-up and passed to each connection.
 *
 * <p><b>Thread-safe</b> (immutable references to thread-safe parts).
 */
public final class ServerContext implements ConnectionServices, Services, SettingsApi.OutputModeSwitch {
    private static final Logger LOG = LoggerFactory.getLogger(ServerContext.class);
    private final Object usersLock = new Object();
    private static final long FRAMING_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ServerConfig config;
    private final Engine engine;
    private final Dispatcher dispatcher;
    private final MeterRegistry registry;
    private final OutputMetrics outputMetrics;
    private final ServerStats stats = new ServerStats();
    private final CommandMetrics commandMetrics;
    private final BucketMetrics bucketMetrics;
    private final JvmMetrics jvmMetrics = new JvmMetrics();
    private final ConnectionRegistry connections = new ConnectionRegistry();
    private final long startMillis = System.currentTimeMillis();
    private final String version;
    private final String transportName;
    private final int eventLoopThreads;
    private final AtomicLong lastFramingLog = new AtomicLong(System.nanoTime() - FRAMING_LOG_INTERVAL_NANOS);
    private final AtomicLong lastRejectionLog = new AtomicLong(System.nanoTime() - FRAMING_LOG_INTERVAL_NANOS);
    private final AtomicLong lastAcceptFailureLog = new AtomicLong(System.nanoTime() - FRAMING_LOG_INTERVAL_NANOS);
    private final SaslServer sasl;
    private final ClusterMap clusterMap = new ClusterMap();
    private final ErrorMap errorMap = new ErrorMap();
    private final EventLoopTurns loopTurns;
    private final ConnectionLimits limits;
    /** PLAIN's PBKDF2 and other work too slow for an event loop; null without real loops. */
    private final ThreadPoolExecutor slowWork;
    /** Schedulers for loops {@link #loopTurns} did not build. */
    private final Map<EventExecutor, OutputScheduler> otherSchedulers = new ConcurrentHashMap<>();

    public ServerContext(
            ServerConfig config,
            Engine engine,
            Dispatcher dispatcher,
            MeterRegistry registry,
            OutputMetrics outputMetrics,
            String version,
            String transportName,
            int eventLoopThreads,
            SaslServer sasl) {
        this(config, engine, dispatcher, registry, outputMetrics, version, transportName, eventLoopThreads, sasl, null);
    }

    /**
     * @param loopTurns the MCBP event loops' turns and output schedulers, or {@code null} when
     *                  connections run on other loops (tests on an {@code EmbeddedChannel})
     */
    public ServerContext(
            ServerConfig config,
            Engine engine,
            Dispatcher dispatcher,
            MeterRegistry registry,
            OutputMetrics outputMetrics,
            String version,
            String transportName,
            int eventLoopThreads,
            SaslServer sasl,
            EventLoopTurns loopTurns) {
        this.loopTurns = loopTurns;
        this.config = config;
        this.limits = new ConnectionLimits(
                config.authEnabled(),
                config.maxFrameBytes(),
                config.maxWaitingRequests(),
                config.maxWaitingBytes(),
                config.maxConnections(),
                config.authTimeout(),
                config.frameTimeout());
        this.sasl = sasl;
        this.engine = engine;
        this.dispatcher = dispatcher;
        this.registry = registry;
        this.outputMetrics = outputMetrics;
        this.version = version;
        this.transportName = transportName;
        this.eventLoopThreads = eventLoopThreads;
        this.commandMetrics = new CommandMetrics(dispatcher.servedOpcodes());
        this.bucketMetrics = new BucketMetrics(engine);
        if (loopTurns == null) {
            this.slowWork = null;
        } else {
            int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
            // One task per connection at most (the connection waits for its answer), so the queue is
            // bounded by the connections; the threads run below the loops' priority, like scans.
            this.slowWork = new ThreadPoolExecutor(
                    threads,
                    threads,
                    30,
                    TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(),
                    new BackgroundThreads("kv-auth-", config.backgroundNice()));
            this.slowWork.allowCoreThreadTimeOut(true);
        }
    }

    @Override
    public Executor slowWork() {
        return slowWork;
    }

    /** Stops the slow-work threads (after the connections closed: nothing waits for them). */
    public void closeSlowWork() {
        if (slowWork != null) {
            slowWork.shutdownNow();
        }
    }

    /**
     * Registers this server's meters with its registry, once, at start-up: connections, frames,
     * authentication and bytes ({@link ServerStats}), commands, buckets, JVM and Netty allocator.
     */
    public void bindMeters() {
        stats.bindTo(registry);
        commandMetrics.bindTo(registry);
        bucketMetrics.bindTo(registry);
        jvmMetrics.bindTo(registry);
    }

    /** Detaches what the meters attached to the JVM (the GC listener). */
    public void closeMeters() {
        jvmMetrics.close();
    }

    /** The management API's routes: {@code /pools...} (PoolsApi), {@code /metrics}, {@code /settings}. */
    public MgmtRouter mgmtRouter() {
        BucketsApi.BucketAdmin buckets = new BucketsApi.BucketAdmin() {
            @Override
            public Status create(BucketConfig bucket, String who) {
                return createBucket(bucket, who);
            }

            @Override
            public Status delete(String name, String who) {
                return deleteBucket(name, who, null);
            }
        };
        MgmtRouter.Builder router = new PoolsApi(version, clusterMap, engine).addTo(MgmtRouter.builder());
        router = new BucketsApi(engine, buckets).addTo(router);
        router = new CollectionsApi(engine, b -> {
                    clusterMap.changed();
                    pushClusterMap();
                })
                .addTo(router);
        router = new UsersApi(new UsersApi.UserAdmin() {
                    @Override
                    public java.util.Optional<User> user(String name) {
                        return sasl.users().user(name);
                    }

                    @Override
                    public java.util.Set<String> userNames() {
                        return sasl.users().userNames();
                    }

                    @Override
                    public void upsert(User user, char[] password, String who) {
                        upsertUser(user, password, who);
                    }

                    @Override
                    public boolean delete(String name, String who) {
                        return deleteUser(name, who);
                    }
                })
                .addTo(router);
        router = new MetricsApi(registry, config.metricsAuth()).addTo(router);
        return new SettingsApi(this).addTo(router).build();
    }

    @Override
    public ConnectionLimits limits() {
        return limits;
    }

    @Override
    public CommandRunner commandRunner(Connection connection) {
        return dispatcher.runnerFor(connection, this);
    }

    public ServerConfig config() {
        return config;
    }

    @Override
    public Engine engine() {
        return engine;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public OutputMetrics outputMetrics() {
        return outputMetrics;
    }

    /** The MCBP loops' turn meters and schedulers, or {@code null} (see the constructor). */
    public EventLoopTurns loopTurns() {
        return loopTurns;
    }

    /** The output scheduler of the loop a connection runs on. Any thread. */
    @Override
    public OutputScheduler outputScheduler(EventExecutor loop) {
        OutputScheduler s = loopTurns == null ? null : loopTurns.schedulerOf(loop);
        return s != null
                ? s
                : otherSchedulers.computeIfAbsent(
                        loop, l -> OutputScheduler.selfDriven(l, outputMetrics, config.outputQuantumBytes()));
    }

    @Override
    public ServerStats stats() {
        return stats;
    }

    /** {@code kv.commands} and {@code kv.command.duration}. */
    @Override
    public CommandMetrics commandMetrics() {
        return commandMetrics;
    }

    /** Per-bucket meters; bucket commands report creations and deletions here. */
    @Override
    public BucketMetrics bucketMetrics() {
        return bucketMetrics;
    }

    /** Users, their secrets, and the SASL mechanisms offered. */
    @Override
    public SaslServer sasl() {
        return sasl;
    }

    @Override
    public ClusterMap clusterMap() {
        return clusterMap;
    }

    @Override
    public ErrorMap errorMap() {
        return errorMap;
    }

    @Override
    public ConnectionRegistry connections() {
        return connections;
    }

    @Override
    public long startMillis() {
        return startMillis;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public String transportName() {
        return transportName;
    }

    @Override
    public int eventLoopThreads() {
        return eventLoopThreads;
    }

    /**
     * Whether a framing error may be logged now: at most one line per interval server-wide, so a
     * misbehaving client cannot flood the log (conventions.md, "Errors").
     */
    public boolean mayLogFramingError() {
        return mayLog(lastFramingLog);
    }

    /** Like {@link #mayLogFramingError()}, for connections refused over the limit. */
    @Override
    public boolean mayLogRejection() {
        return mayLog(lastRejectionLog);
    }

    /** Like {@link #mayLogFramingError()}, for accepts a listening socket failed. */
    boolean mayLogAcceptFailure() {
        return mayLog(lastAcceptFailureLog);
    }

    private static boolean mayLog(AtomicLong lastLog) {
        long now = System.nanoTime();
        long last = lastLog.get();
        return now - last >= FRAMING_LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, now);
    }

    /**
     * The cluster map changed: every connection that asked for change notifications gets the new
     * one, on its own event loop. Any thread.
     */
    @Override
    public void pushClusterMap() {
        for (var c : connections.all()) {
            try {
                c.output().execute(c::pushClusterMapIfSubscribed);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // Its loop is shutting down, and the connection with it.
            }
        }
    }

    /**
     * Creates or replaces a user at run time (the user manager): a new user store for new logins;
     * connections of a user whose access changed are closed (once flushed), so none keeps rights
     * it no longer has. Any thread.
     */
    public void upsertUser(User user, char[] password, String who) {
        Optional<User> before;
        synchronized (usersLock) {
            before = sasl.users().user(user.name());
            sasl.users(sasl.users().withUser(user, password));
        }
        LOG.info("user {} {} by {}", user.name(), before.isPresent() ? "updated" : "created", who);
        if (before.isPresent() && !before.get().equals(user)) {
            closeConnectionsOf(user.name());
        }
    }

    /** Deletes a user and closes its connections (once flushed); false if there was none. Any thread. */
    public boolean deleteUser(String name, String who) {
        synchronized (usersLock) {
            if (sasl.users().user(name).isEmpty()) {
                return false;
            }
            sasl.users(sasl.users().withoutUser(name));
        }
        LOG.info("user {} deleted by {}", name, who);
        closeConnectionsOf(name);
        return true;
    }

    private void closeConnectionsOf(String userName) {
        for (Connection c : connections.all()) {
            c.output().execute(() -> {
                User u = c.user();
                if (u != null && u.name().equals(userName)) {
                    c.closeAfterFlush();
                }
            });
        }
    }

    @Override
    public Status createBucket(BucketConfig config, String who) {
        Status st = engine.createBucket(config);
        if (st == Status.SUCCESS) {
            clusterMap.changed();
            pushClusterMap();
            Bucket created = engine.bucket(config.name());
            if (created != null) {
                bucketMetrics.bucketCreated(created);
            }
            LOG.info("bucket {} created by {}", config.name(), who);
        }
        return st;
    }

    @Override
    public Status deleteBucket(String name, String who, io.kvfrontend.connection.Session caller) {
        Bucket b = engine.bucket(name);
        Status st = b == null ? Status.KEY_ENOENT : engine.deleteBucket(name);
        if (st != Status.SUCCESS) {
            return st;
        }
        clusterMap.removed(b);
        pushClusterMap();
        bucketMetrics.bucketDeleted(b);
        int users = 0;
        for (Connection other : connections.all()) {
            if (other != caller) {
                users++;
                other.output().execute(() -> {
                    if (other.bucket() == b) {
                        other.closeAfterFlush();
                    }
                });
            }
        }
        if (caller != null && caller.bucket() == b) {
            caller.bucket(null);
        }
        LOG.info("bucket {} deleted by {}; checked {} other connections", name, who, users);
        return st;
    }

    @Override
    public String outputMode() {
        return outputMetrics.mode().configName();
    }

    @Override
    public String switchOutputMode(String mode, String origin) {
        return switchOutputMode(OutputMode.parse(mode), origin).configName();
    }

    /**
     * Makes {@code mode} the output mode of producers that start from now on (those mid-stream keep
     * theirs) and logs the change; returns the previous mode.
     *
     * @param origin who asked, for the log
     */
    public OutputMode switchOutputMode(OutputMode mode, String origin) {
        OutputMode old = outputMetrics.switchMode(mode);
        if (old != mode) {
            LOG.info(
                    "output mode switched from {} to {} ({}); producers already running keep {}",
                    old.configName(),
                    mode.configName(),
                    origin,
                    old.configName());
        } else {
            LOG.info("output mode stays {} ({})", mode.configName(), origin);
        }
        return old;
    }

    /** The {@code output} STAT group: the output mode, its bounds and its counters. */
    @Override
    public Map<String, String> outputStats() {
        OutputMetrics.Snapshot s = outputMetrics.snapshot();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("output_mode", s.mode().configName());
        m.put("spool_low_water", Integer.toString(config.spoolLowWaterBytes()));
        m.put("spool_high_water", Integer.toString(config.spoolHighWaterBytes()));
        m.put("output_quantum", Integer.toString(config.outputQuantumBytes()));
        m.put("socket_send_buffer", Integer.toString(config.socketSendBufferBytes()));
        m.put("background_nice", Integer.toString(config.backgroundNice()));
        for (OutputMode mode : OutputMode.values()) {
            m.put(
                    "producers_" + mode.configName(),
                    Long.toString(outputMetrics.snapshot(mode).producers()));
        }
        m.put("writes_loop", Long.toString(s.onLoopWrites()));
        m.put("writes_offloop", Long.toString(s.offLoopWrites()));
        m.put("drains", Long.toString(s.drains()));
        m.put("handoffs", Long.toString(s.handOffs()));
        m.put("handoff_wait_ns", Long.toString(s.handOffWaitNanos()));
        m.put("loop_tasks", Long.toString(s.loopTasks()));
        m.put("pauses", Long.toString(s.pauses()));
        m.put("resumes", Long.toString(s.resumes()));
        m.put("dropped_after_close", Long.toString(s.dropped()));
        m.put("spool_depth", Long.toString(s.spoolDepth()));
        m.put("spool_bytes", Long.toString(s.spoolBytes()));
        m.put("quantum_exhausted", Long.toString(s.quantumExhausted()));
        m.put("output_turns", Long.toString(s.outputTurns()));
        m.put("output_turn_bytes", Long.toString(s.outputTurnBytes()));
        m.put("schedule_delays", Long.toString(s.scheduleDelays()));
        m.put("schedule_delay_ns", Long.toString(s.scheduleDelayNanos()));
        if (loopTurns != null) {
            m.put("loop_turns", Long.toString(loopTurns.turns()));
            m.put("loop_busy_ns", Long.toString(loopTurns.busyNanos()));
        }
        return m;
    }
}
