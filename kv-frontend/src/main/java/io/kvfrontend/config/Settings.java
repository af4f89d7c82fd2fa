package io.kvfrontend.config;

import io.kvfrontend.auth.Mechanisms;
import io.kvfrontend.connection.OutputMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every setting the server has, in the order {@code --help} and the README list them. Each is a
 * config-file key, a {@code --key} flag and a {@code KV_KEY} environment variable
 * (see {@link Setting}); precedence is defaults < config file < environment < flags.
 *
 * <p><b>Immutable</b> (constants only).
 */
public final class Settings {
    private Settings() {}

    private static Setting s(String key, String label, String def, String description, Setting.Applier a) {
        return new Setting(key, label, def, description, false, a);
    }

    private static Setting secret(String key, String label, String def, String description, Setting.Applier a) {
        return new Setting(key, label, def, description, true, a);
    }

    /** All settings but {@code config} (the file itself). */
    public static final List<Setting> ALL = List.of(
            s(
                    "host",
                    "ADDRESS",
                    "0.0.0.0",
                    "Address the MCBP and management ports listen on.",
                    (t, v) -> t.builder.host(v.trim())),
            s(
                    "port",
                    "PORT",
                    "11210",
                    "Plain MCBP port; 0 picks a free one.",
                    (t, v) -> t.builder.port(Values.integer(v, 0, 65535))),
            s(
                    "mgmt-port",
                    "PORT",
                    "8091",
                    "Management HTTP port (the REST paths SDKs use, e.g. for waitUntilReady); 0 picks a free "
                            + "one, -1 turns it off.",
                    (t, v) -> t.builder.mgmtPort(Values.integer(v, -1, 65535))),
            s(
                    "transport",
                    "auto|epoll|nio",
                    "auto",
                    "Socket transport; auto uses native epoll where it loads.",
                    (t, v) -> t.builder.transport(Transport.parse(v))),
            s(
                    "event-loop-threads",
                    "N",
                    "0",
                    "Event-loop threads; 0 means twice the processor count.",
                    (t, v) -> t.builder.eventLoopThreads(Values.integer(v, 0, 1024))),
            s(
                    "background-threads",
                    "N",
                    "0",
                    "Engine background threads (expiry pager, range scans); 0 means the processor count, at "
                            + "least 2.",
                    (t, v) -> {
                        int n = Values.integer(v, 0, 1024);
                        t.builder.backgroundThreads(
                                n > 0 ? n : Math.max(2, Runtime.getRuntime().availableProcessors()));
                    }),
            s(
                    "background-nice",
                    "N",
                    "10",
                    "How much lower than the event loops the background threads run (Linux nice increment, "
                            + "0-19; 0 = the same priority): range scans then take the CPU the loops leave.",
                    (t, v) -> t.builder.backgroundNice(Values.integer(v, 0, 19))),
            s(
                    "max-connections",
                    "N",
                    "10000",
                    "Open connections beyond which new ones are closed at once.",
                    (t, v) -> t.builder.maxConnections(Values.integer(v, 1, Integer.MAX_VALUE))),
            s(
                    "output-mode",
                    "spool|sync",
                    "spool",
                    "How background threads' writes reach a connection: spool (queue, drained on the event "
                            + "loop) or sync (hand each write to the event loop and wait).",
                    (t, v) -> t.builder.outputMode(OutputMode.parse(v))),
            s(
                    "spool-low-water",
                    "SIZE",
                    "256k",
                    "Paused producers resume when a connection's buffered output " + "is down to this.",
                    (t, v) -> t.lowWater = Values.bytes(v, 1, Integer.MAX_VALUE)),
            s(
                    "spool-high-water",
                    "SIZE",
                    "1m",
                    "Producers pause when a connection's buffered output reaches this.",
                    (t, v) -> t.highWater = Values.bytes(v, 1, Integer.MAX_VALUE)),
            s(
                    "output-quantum",
                    "SIZE",
                    "32k",
                    "Background output (range scans) an event loop sends per turn, over all its connections, "
                            + "before it reads requests again; at most spool-high-water (unset: 32k, or "
                            + "spool-high-water if that is smaller).",
                    (t, v) -> t.outputQuantum = Values.bytes(v, 1, Integer.MAX_VALUE)),
            s(
                    "socket-send-buffer",
                    "SIZE",
                    "0",
                    "Each connection's kernel send buffer (SO_SNDBUF); 0 leaves it to the kernel, which "
                            + "grows it to net.ipv4.tcp_wmem's maximum. Output in the kernel is outside "
                            + "the spool water marks.",
                    (t, v) -> t.builder.socketSendBuffer((int) Values.bytes(v, 0, Integer.MAX_VALUE))),
            s(
                    "max-frame-size",
                    "SIZE",
                    "30m",
                    "Largest request body accepted from an authenticated client; "
                            + "a larger one closes the connection.",
                    (t, v) -> t.builder.maxFrameBytes((int) Values.bytes(v, 1024, Integer.MAX_VALUE))),
            s(
                    "pre-auth-max-frame-size",
                    "SIZE",
                    "16k",
                    "Largest request body accepted before authentication.",
                    (t, v) -> t.builder.preAuthMaxFrameBytes((int) Values.bytes(v, 256, Integer.MAX_VALUE))),
            s(
                    "max-waiting-requests",
                    "N",
                    "1024",
                    "Requests queued behind a blocked command before the connection stops reading.",
                    (t, v) -> t.waitingRequests = Values.integer(v, 1, Integer.MAX_VALUE)),
            s(
                    "max-waiting-bytes",
                    "SIZE",
                    "4m",
                    "Bytes of requests queued behind a blocked command before the connection stops reading.",
                    (t, v) -> t.waitingBytes = Values.bytes(v, 1, Long.MAX_VALUE)),
            s(
                    "buckets",
                    "SPECS",
                    "default",
                    "Buckets to create, separated by ';': NAME[:quota=SIZE,vbuckets=N,max-value-size=SIZE,"
                            + "flush=BOOL,compression=off|passive|active] (scopes and collections: config file).",
                    (t, v) -> t.bucketSpecs = splitSpecs(v)),
            s(
                    "bucket-quota",
                    "SIZE",
                    "256m",
                    "Memory quota of a bucket that does not set its own.",
                    (t, v) -> t.bucketQuota = Values.bytes(v, 1, Long.MAX_VALUE)),
            s(
                    "vbuckets",
                    "N",
                    "1024",
                    "vBuckets of a bucket that does not set its own (a power of two, 1-1024).",
                    (t, v) -> t.vbuckets = Values.integer(v, 1, 1024)),
            s(
                    "max-value-size",
                    "SIZE",
                    "20m",
                    "Largest value a bucket that does not set its own accepts (E2big beyond).",
                    (t, v) -> t.maxValueSize = (int) Values.bytes(v, 0, Integer.MAX_VALUE)),
            s(
                    "flush-enabled",
                    "BOOL",
                    "true",
                    "Whether Flush empties a bucket that does not say otherwise.",
                    (t, v) -> t.flushEnabled = Values.bool(v)),
            s(
                    "expiry-pager-interval",
                    "DURATION",
                    "10s",
                    "How often expired items are removed in the background.",
                    (t, v) -> t.builder.expiryPagerInterval(Values.duration(v, Duration.ofMillis(1)))),
            s(
                    "no-auth",
                    "BOOL",
                    "false",
                    "Let every client use every bucket without authenticating (local development only; "
                            + "logged as a warning).",
                    (t, v) -> t.builder.authEnabled(!Values.bool(v))),
            s(
                    "admin-user",
                    "NAME",
                    UserConfig.DEFAULT_ADMIN,
                    "The administrator's user name.",
                    (t, v) -> t.adminUser = v.trim()),
            secret(
                    "admin-password",
                    "PASSWORD",
                    UserConfig.DEFAULT_ADMIN_PASSWORD,
                    "The administrator's password (a warning is logged while it is the default).",
                    (t, v) -> t.adminPassword = v),
            secret(
                    "users",
                    "SPECS",
                    "",
                    "More users, separated by ';': NAME:PASSWORD[:admin|:*|:BUCKET+BUCKET] (no third part: "
                            + "no bucket).",
                    (t, v) -> t.userSpecs = splitSpecs(v)),
            s(
                    "sasl-mechanisms",
                    "LIST",
                    "SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN",
                    "SASL mechanisms offered, separated by spaces or commas.",
                    (t, v) -> {
                        List<String> names = Arrays.stream(v.trim().split("[\\s,]+"))
                                .filter(x -> !x.isEmpty())
                                .toList();
                        Mechanisms.of(names); // rejects unknown names and an empty list
                        t.builder.saslMechanisms(names);
                    }),
            s(
                    "scram-iterations",
                    "N",
                    "4096",
                    "PBKDF2 iterations of the stored SCRAM secrets (at least 2).",
                    (t, v) -> t.builder.scramIterations(Values.integer(v, 2, 10_000_000))),
            s(
                    "tls-port",
                    "PORT",
                    Integer.toString(TlsConfig.DEFAULT_PORT),
                    "MCBP-over-TLS port, bound when tls-cert and tls-key are set; 0 picks a free one, -1 turns "
                            + "it off.",
                    (t, v) -> t.builder.tls().port(Values.integer(v, -1, 65535))),
            s(
                    "mgmt-tls-port",
                    "PORT",
                    Integer.toString(TlsConfig.DEFAULT_MGMT_PORT),
                    "Management HTTPS port (what SDKs on couchbases:// use, e.g. for waitUntilReady), bound when "
                            + "tls-cert and tls-key are set; 0 picks a free one, -1 turns it off.",
                    (t, v) -> t.builder.tls().mgmtPort(Values.integer(v, -1, 65535))),
            s(
                    "tls-cert",
                    "FILE",
                    "",
                    "PEM certificate chain (leaf first) of the TLS ports; TLS is on when this and tls-key are set.",
                    (t, v) -> t.builder.tls().cert(v)),
            s(
                    "tls-key",
                    "FILE",
                    "",
                    "PEM PKCS#8 private key of tls-cert (BEGIN PRIVATE KEY, or BEGIN ENCRYPTED PRIVATE KEY with "
                            + "tls-key-password).",
                    (t, v) -> t.builder.tls().key(v)),
            secret(
                    "tls-key-password",
                    "PASSWORD",
                    "",
                    "Password of an encrypted tls-key.",
                    (t, v) -> t.builder.tls().keyPassword(v)),
            s(
                    "tls-provider",
                    "auto|openssl|jdk",
                    "auto",
                    "TLS implementation: auto uses OpenSSL (netty-tcnative's BoringSSL) where it loads, else the "
                            + "JDK's.",
                    (t, v) -> t.builder.tls().provider(TlsConfig.Provider.parse(v))),
            s(
                    "scan-idle-timeout",
                    "DURATION",
                    "60s",
                    "A range scan nobody continues for this long is cancelled and removed.",
                    (t, v) -> t.builder.rangeScans(
                            t.builder.rangeScans().withIdleTimeout(Values.duration(v, Duration.ofMillis(1))))),
            s(
                    "scan-max-lifetime",
                    "DURATION",
                    "180s",
                    "A range scan is cancelled this long after it was created, whether in use or not.",
                    (t, v) -> t.builder.rangeScans(
                            t.builder.rangeScans().withMaxLifetime(Values.duration(v, Duration.ofMillis(1))))),
            s(
                    "max-scans-per-bucket",
                    "N",
                    "256",
                    "Open range scans a bucket allows; a create beyond it gets Ebusy.",
                    (t, v) -> t.builder.rangeScans(t.builder
                            .rangeScans()
                            .withLimits(
                                    Values.integer(v, 1, 1_000_000),
                                    t.builder.rangeScans().maxScansPerConnection()))),
            s(
                    "max-scans-per-connection",
                    "N",
                    "32",
                    "Open range scans one connection may have created; a create beyond it gets Ebusy.",
                    (t, v) -> t.builder.rangeScans(t.builder
                            .rangeScans()
                            .withLimits(t.builder.rangeScans().maxScansPerBucket(), Values.integer(v, 1, 1_000_000)))),
            s(
                    "scan-batch-size",
                    "SIZE",
                    "8k",
                    "Bytes of items per range-scan response frame.",
                    (t, v) -> t.builder.rangeScans(
                            t.builder.rangeScans().withBatchBytes((int) Values.bytes(v, 64, 16 * 1024 * 1024)))),
            s(
                    "metrics-auth",
                    "BOOL",
                    "true",
                    "Whether GET /metrics on the management port needs the HTTP Basic credentials of a user "
                            + "who may see every bucket (an administrator or NAME:PASSWORD:*); false lets any "
                            + "scraper read it. Moot with --no-auth.",
                    (t, v) -> t.builder.metricsAuth(Values.bool(v))),
            s(
                    "auth-timeout",
                    "DURATION",
                    "60s",
                    "Close a connection that has not authenticated within this time (0: never), as Couchbase "
                            + "Server closes idle unauthenticated connections. Moot with --no-auth.",
                    (t, v) -> t.builder.authTimeout(Values.duration(v, Duration.ZERO))),
            s(
                    "frame-timeout",
                    "DURATION",
                    "30s",
                    "Close a connection whose request, once begun, has not fully arrived within this time (0: "
                            + "never): a client sending a byte now and then cannot hold a connection for ever.",
                    (t, v) -> t.builder.frameTimeout(Values.duration(v, Duration.ZERO))),
            s(
                    "shutdown-timeout",
                    "DURATION",
                    "10s",
                    "On stop, how long in-flight commands and pending output may take to drain.",
                    (t, v) -> t.builder.shutdownTimeout(Values.duration(v, Duration.ZERO))),
            s(
                    "log-level",
                    "LEVEL",
                    "info",
                    "Log level: error, warn, info, debug or trace.",
                    (t, v) -> t.logLevel = LogLevel.parse(v)));

    /** The setting with this key, or {@code null}. */
    public static Setting byKey(String key) {
        for (Setting s : ALL) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        return null;
    }

    static List<String> splitSpecs(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(";")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    /** The configuration reference as a Markdown table (the README's copy is checked against it). */
    public static String markdownReference() {
        StringBuilder sb = new StringBuilder();
        sb.append("| flag | environment | default | meaning |\n");
        sb.append("|---|---|---|---|\n");
        sb.append("| `--config FILE` | `KV_CONFIG` | (none) | A YAML file with any of the keys below "
                + "(and structured `buckets`/`users`). |\n");
        for (Setting s : ALL) {
            sb.append("| `")
                    .append(s.flag())
                    .append(' ')
                    .append(s.label())
                    .append("` | `")
                    .append(s.env())
                    .append("` | ")
                    .append(s.defaultValue().isEmpty() ? "(none)" : "`" + s.defaultValue() + "`")
                    .append(" | ")
                    .append(s.description().replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }
}
