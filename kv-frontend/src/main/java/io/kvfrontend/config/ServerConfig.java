package io.kvfrontend.config;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.RangeScanSettings;
import java.time.Duration;
import java.util.List;

/**
 * The server's whole configuration, immutable, passed through constructors (conventions.md,
 * "Configuration is an immutable record ... never a static singleton").
 *
 * @param host                  address to bind the MCBP port to
 * @param port                  plain MCBP port (0 = ephemeral, for tests)
 * @param transport             socket transport
 * @param eventLoopThreads      event-loop threads (0 = twice the processor count)
 * @param backgroundThreads     engine background threads (expiry pager, range scans)
 * @param backgroundNice        how much lower than the event loops those threads run (Linux nice increment)
 * @param outputMode            how off-loop writes reach a channel
 * @param spoolLowWaterBytes    output low-water mark: paused producers resume below it
 * @param spoolHighWaterBytes   output high-water mark: producers pause above it
 * @param outputQuantumBytes    background output one connection may move to its socket per event-loop turn
 * @param socketSendBufferBytes each connection's kernel send buffer ({@code SO_SNDBUF}; 0 = the kernel's, auto-tuned)
 * @param maxFrameBytes         largest request body accepted from an authenticated connection
 * @param preAuthMaxFrameBytes  largest request body accepted before authentication
 * @param maxWaitingRequests    requests queued behind a blocked command before reading stops
 * @param maxWaitingBytes       bytes of requests queued behind a blocked command before reading stops
 * @param buckets               buckets created at start-up
 * @param expiryPagerInterval   how often the background pager removes expired items
 * @param authEnabled           whether clients must authenticate (off only for local development)
 * @param users                 users, with passwords and bucket access
 * @param saslMechanisms        SASL mechanisms offered, strongest first
 * @param scramIterations       PBKDF2 iterations of the stored SCRAM secrets
 * @param mgmtPort              management HTTP port (0 = ephemeral, -1 = off)
 * @param maxConnections        open connections beyond which new ones are refused (closed at once)
 * @param shutdownTimeout       how long a stop waits for in-flight commands and output to drain
 * @param rangeScans            range-scan idle timeout, lifetime, concurrency limits and batch size
 * @param tls                   the TLS ports and their certificate ({@link TlsConfig#OFF} by default)
 * @param metricsAuth           whether {@code GET /metrics} needs credentials (when authentication is on)
 * @param authTimeout           how long a connection may stay unauthenticated before it is closed (zero: for ever)
 * @param frameTimeout          how long a request may take to arrive once its first bytes have (zero: for ever)
 */
public record ServerConfig(
        String host,
        int port,
        Transport transport,
        int eventLoopThreads,
        int backgroundThreads,
        int backgroundNice,
        OutputMode outputMode,
        int spoolLowWaterBytes,
        int spoolHighWaterBytes,
        int outputQuantumBytes,
        int socketSendBufferBytes,
        int maxFrameBytes,
        int preAuthMaxFrameBytes,
        int maxWaitingRequests,
        long maxWaitingBytes,
        List<BucketConfig> buckets,
        Duration expiryPagerInterval,
        boolean authEnabled,
        List<UserConfig> users,
        List<String> saslMechanisms,
        int scramIterations,
        int mgmtPort,
        int maxConnections,
        Duration shutdownTimeout,
        TlsConfig tls,
        RangeScanSettings rangeScans,
        boolean metricsAuth,
        Duration authTimeout,
        Duration frameTimeout) {

    public static final int DEFAULT_PORT = 11210;
    public static final int DEFAULT_MGMT_PORT = 8091;
    /** The output quantum when none is set (and the high-water mark allows it). */
    public static final int DEFAULT_OUTPUT_QUANTUM = 32 * 1024;

    public ServerConfig {
        buckets = List.copyOf(buckets);
        users = List.copyOf(users);
        saslMechanisms = List.copyOf(saslMechanisms);
        require(port >= 0 && port <= 65535, "port", "must be 0-65535, got " + port);
        require(eventLoopThreads >= 0, "event-loop-threads", "must be >= 0, got " + eventLoopThreads);
        require(backgroundThreads >= 1, "background-threads", "must be >= 1, got " + backgroundThreads);
        require(backgroundNice >= 0 && backgroundNice <= 19, "background-nice", "must be 0-19, got " + backgroundNice);
        require(
                spoolLowWaterBytes > 0 && spoolLowWaterBytes <= spoolHighWaterBytes,
                "spool-low-water",
                "must be positive and <= spool-high-water, got " + spoolLowWaterBytes + " / " + spoolHighWaterBytes);
        require(
                outputQuantumBytes > 0 && outputQuantumBytes <= spoolHighWaterBytes,
                "output-quantum",
                "must be positive and <= spool-high-water, got " + outputQuantumBytes + " / " + spoolHighWaterBytes);
        require(
                socketSendBufferBytes >= 0,
                "socket-send-buffer",
                "must be 0 (the kernel's) or a size, got " + socketSendBufferBytes);
        require(maxFrameBytes >= 1024, "max-frame-size", "must be >= 1024, got " + maxFrameBytes);
        require(
                preAuthMaxFrameBytes >= 256 && preAuthMaxFrameBytes <= maxFrameBytes,
                "pre-auth-max-frame-size",
                "must be 256..max-frame-size, got " + preAuthMaxFrameBytes);
        require(maxWaitingRequests >= 1, "max-waiting-requests", "must be >= 1, got " + maxWaitingRequests);
        require(maxWaitingBytes >= 1, "max-waiting-bytes", "must be >= 1, got " + maxWaitingBytes);
        require(
                !expiryPagerInterval.isNegative() && !expiryPagerInterval.isZero(),
                "expiry-pager-interval",
                "must be positive, got " + expiryPagerInterval);
        require(
                buckets.stream().map(BucketConfig::name).distinct().count() == buckets.size(),
                "buckets",
                "bucket names must be unique");
        require(
                users.stream().map(UserConfig::name).distinct().count() == users.size(),
                "users",
                "user names must be unique");
        require(!authEnabled || !users.isEmpty(), "users", "authentication is on but no user is configured");
        require(!saslMechanisms.isEmpty(), "sasl-mechanisms", "at least one mechanism must be offered");
        require(
                scramIterations >= 2,
                "scram-iterations",
                "must be >= 2 (the SDK's SCRAM client needs it), got " + scramIterations);
        require(
                mgmtPort >= -1 && mgmtPort <= 65535,
                "mgmt-port",
                "must be -1 (off), 0 (ephemeral) or a port, got " + mgmtPort);
        require(maxConnections >= 1, "max-connections", "must be >= 1, got " + maxConnections);
        require(!shutdownTimeout.isNegative(), "shutdown-timeout", "must not be negative");
        require(!authTimeout.isNegative(), "auth-timeout", "must not be negative");
        require(!frameTimeout.isNegative(), "frame-timeout", "must not be negative");
        require(tls != null, "tls-cert", "the TLS configuration must not be null");
    }

    private static void require(boolean ok, String key, String message) {
        if (!ok) {
            throw new ConfigException(key, message);
        }
    }

    /** Every default: port 11210 on all interfaces, one bucket {@code default}, spool mode. */
    public static ServerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.transport = transport;
        b.eventLoopThreads = eventLoopThreads;
        b.backgroundThreads = backgroundThreads;
        b.backgroundNice = backgroundNice;
        b.outputMode = outputMode;
        b.spoolLowWaterBytes = spoolLowWaterBytes;
        b.spoolHighWaterBytes = spoolHighWaterBytes;
        b.outputQuantumBytes = outputQuantumBytes;
        b.socketSendBufferBytes = socketSendBufferBytes;
        b.maxFrameBytes = maxFrameBytes;
        b.preAuthMaxFrameBytes = preAuthMaxFrameBytes;
        b.maxWaitingRequests = maxWaitingRequests;
        b.maxWaitingBytes = maxWaitingBytes;
        b.buckets = buckets;
        b.expiryPagerInterval = expiryPagerInterval;
        b.authEnabled = authEnabled;
        b.users = users;
        b.saslMechanisms = saslMechanisms;
        b.scramIterations = scramIterations;
        b.mgmtPort = mgmtPort;
        b.maxConnections = maxConnections;
        b.shutdownTimeout = shutdownTimeout;
        b.tls = tls.toBuilder();
        b.rangeScans = rangeScans;
        b.metricsAuth = metricsAuth;
        b.authTimeout = authTimeout;
        b.frameTimeout = frameTimeout;
        return b;
    }

    /** Mutable builder; {@link #build()} validates. Starts from the defaults. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = DEFAULT_PORT;
        private Transport transport = Transport.AUTO;
        private int eventLoopThreads = 0;
        private int backgroundThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int backgroundNice = 10;
        private OutputMode outputMode = OutputMode.SPOOL;
        private int spoolLowWaterBytes = 256 * 1024;
        private int spoolHighWaterBytes = 1024 * 1024;
        /** {@code null}: the default, or the high-water mark if that is smaller. */
        private Integer outputQuantumBytes;
        /** 0: leave the kernel's send buffer, which it sizes itself. */
        private int socketSendBufferBytes = 0;

        private int maxFrameBytes = 30 * 1024 * 1024;
        private int preAuthMaxFrameBytes = 16 * 1024;
        private int maxWaitingRequests = 1024;
        private long maxWaitingBytes = 4L * 1024 * 1024;
        private List<BucketConfig> buckets = List.of(BucketConfig.defaults("default"));
        private Duration expiryPagerInterval = Duration.ofSeconds(10);
        private boolean authEnabled = true;
        private List<UserConfig> users =
                List.of(UserConfig.admin(UserConfig.DEFAULT_ADMIN, UserConfig.DEFAULT_ADMIN_PASSWORD));
        private List<String> saslMechanisms = List.of("SCRAM-SHA512", "SCRAM-SHA256", "SCRAM-SHA1", "PLAIN");
        private int scramIterations = 4096;
        private int mgmtPort = DEFAULT_MGMT_PORT;
        private int maxConnections = 10_000;
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private TlsConfig.Builder tls = TlsConfig.OFF.toBuilder();
        private RangeScanSettings rangeScans = RangeScanSettings.defaults();
        private boolean metricsAuth = true;
        private Duration authTimeout = Duration.ofSeconds(60);
        private Duration frameTimeout = Duration.ofSeconds(30);

        private Builder() {}

        /** The range-scan limits so far (to change one with its {@code with...} method). */
        public RangeScanSettings rangeScans() {
            return rangeScans;
        }

        public Builder rangeScans(RangeScanSettings v) {
            rangeScans = v;
            return this;
        }

        /** The TLS settings being built, to change one at a time. */
        public TlsConfig.Builder tls() {
            return tls;
        }

        public Builder tls(TlsConfig v) {
            tls = v.toBuilder();
            return this;
        }

        public Builder metricsAuth(boolean v) {
            metricsAuth = v;
            return this;
        }

        public Builder maxConnections(int v) {
            maxConnections = v;
            return this;
        }

        public Builder authTimeout(Duration v) {
            authTimeout = v;
            return this;
        }

        public Builder frameTimeout(Duration v) {
            frameTimeout = v;
            return this;
        }

        public Builder shutdownTimeout(Duration v) {
            shutdownTimeout = v;
            return this;
        }

        public Builder authEnabled(boolean v) {
            authEnabled = v;
            return this;
        }

        public Builder users(List<UserConfig> v) {
            users = v;
            return this;
        }

        public Builder saslMechanisms(List<String> v) {
            saslMechanisms = v;
            return this;
        }

        public Builder scramIterations(int v) {
            scramIterations = v;
            return this;
        }

        public Builder mgmtPort(int v) {
            mgmtPort = v;
            return this;
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder transport(Transport v) {
            transport = v;
            return this;
        }

        public Builder eventLoopThreads(int v) {
            eventLoopThreads = v;
            return this;
        }

        public Builder backgroundThreads(int v) {
            backgroundThreads = v;
            return this;
        }

        public Builder backgroundNice(int v) {
            backgroundNice = v;
            return this;
        }

        public Builder outputMode(OutputMode v) {
            outputMode = v;
            return this;
        }

        public Builder spoolWaterMarks(int low, int high) {
            spoolLowWaterBytes = low;
            spoolHighWaterBytes = high;
            return this;
        }

        public Builder outputQuantum(int v) {
            outputQuantumBytes = v;
            return this;
        }

        public Builder socketSendBuffer(int v) {
            socketSendBufferBytes = v;
            return this;
        }

        public Builder maxFrameBytes(int v) {
            maxFrameBytes = v;
            return this;
        }

        public Builder preAuthMaxFrameBytes(int v) {
            preAuthMaxFrameBytes = v;
            return this;
        }

        public Builder maxWaiting(int requests, long bytes) {
            maxWaitingRequests = requests;
            maxWaitingBytes = bytes;
            return this;
        }

        public Builder buckets(List<BucketConfig> v) {
            buckets = v;
            return this;
        }

        public Builder expiryPagerInterval(Duration v) {
            expiryPagerInterval = v;
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(
                    host,
                    port,
                    transport,
                    eventLoopThreads,
                    backgroundThreads,
                    backgroundNice,
                    outputMode,
                    spoolLowWaterBytes,
                    spoolHighWaterBytes,
                    outputQuantumBytes != null
                            ? outputQuantumBytes
                            : Math.min(DEFAULT_OUTPUT_QUANTUM, spoolHighWaterBytes),
                    socketSendBufferBytes,
                    maxFrameBytes,
                    preAuthMaxFrameBytes,
                    maxWaitingRequests,
                    maxWaitingBytes,
                    buckets,
                    expiryPagerInterval,
                    authEnabled,
                    users,
                    saslMechanisms,
                    scramIterations,
                    mgmtPort,
                    maxConnections,
                    shutdownTimeout,
                    tls.build(),
                    rangeScans,
                    metricsAuth,
                    authTimeout,
                    frameTimeout);
        }
    }
}
