package io.kvfrontend.dispatch;

import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketStats;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.RangeScanStats;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.metrics.CommandMetrics;
import io.kvfrontend.metrics.JvmMetrics;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Executors of the session commands: Noop, Version, Verbosity, Quit and Stat.
 *
 * <p><b>Immutable</b> (static methods, run on the event loop).
 */
final class SessionExecutors {
    private SessionExecutors() {}

    static void noop(Command c) {
        c.respondSuccess();
    }

    static void version(Command c) {
        c.respondValue(c.server().version().getBytes(StandardCharsets.US_ASCII), Datatype.RAW);
    }

    /** Verbosity: accepted and ignored; logging is configured with the logging settings. */
    static void verbosity(Command c) {
        c.respondSuccess();
    }

    /** Quit answers and then closes; QuitQ closes without answering. */
    static void quit(Command c) {
        if (!c.isQuiet()) {
            c.respondSuccess();
        }
        c.connection().closeAfterFlush();
    }

    /**
     * Stat (mcbp-protocol.md 12): one packet per statistic, then an empty terminator. Key = group
     * name, optionally followed by a space and an argument; an optional value holds JSON
     * parameters (none are used yet). Groups: {@code ""} (general), {@code connections},
     * {@code commands}, {@code buckets}, {@code output}, {@code scans}, {@code jvm}; each holds the
     * figures of the matching meters (README, "Metrics"). Unknown group: KeyEnoent, no terminator.
     */
    static void stat(Command c) {
        if (c.request().valueLength() > 0
                && (c.request().datatype() != Datatype.JSON
                        || !JsonDetector.isJson(c.request().valueBytes()))) {
            c.respondError(Status.EINVAL, "Stat parameters must be a JSON object sent with the JSON datatype");
            return;
        }
        String key = c.request().key().toString(StandardCharsets.UTF_8);
        int space = key.indexOf(' ');
        String group = space < 0 ? key : key.substring(0, space);
        Map<String, String> stats = switch (group) {
            case "" -> general(c);
            case "connections" -> c.server().stats().connectionStats();
            case "commands" -> commands(c.server().commandMetrics());
            case "jvm" -> JvmMetrics.stats();
            case "buckets" -> buckets(c.server());
            case "output" -> c.server().outputStats();
            case "scans" -> scans(c.server());
            default -> null;
        };
        if (stats == null) {
            c.respondError(Status.KEY_ENOENT, "Unknown stat group \"" + group + "\"");
            return;
        }
        for (Map.Entry<String, String> e : stats.entrySet()) {
            c.respond(
                    Status.SUCCESS,
                    Datatype.RAW,
                    0,
                    null,
                    e.getKey().getBytes(StandardCharsets.UTF_8),
                    e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        c.respondSuccess();
    }

    private static Map<String, String> general(Command c) {
        Services s = c.server();
        Map<String, String> m = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        m.put("pid", Long.toString(ProcessHandle.current().pid()));
        m.put("uptime", Long.toString((now - s.startMillis()) / 1000));
        m.put("time", Long.toString(now / 1000));
        m.put("version", s.version());
        m.put("pointer_size", "64");
        m.put("threads", Integer.toString(s.eventLoopThreads()));
        m.put("transport", s.transportName());
        m.put("output_mode", s.outputMetrics().mode().configName());
        m.putAll(s.stats().asStats());
        Bucket b = c.bucket();
        if (b != null) {
            BucketStats bs = b.stats();
            m.put("bucket", b.name());
            m.put("curr_items", Long.toString(bs.items()));
            m.put("bytes", Long.toString(bs.memUsedBytes()));
            m.put("limit_maxbytes", Long.toString(bs.quotaBytes()));
        }
        return m;
    }

    /**
     * The {@code commands} group: {@code OPCODE:STATUS} = commands answered (each non-zero
     * {@code kv.commands} cell), and per opcode that has run, the {@code kv.command.duration} timer:
     * {@code OPCODE:latency_count}, {@code _total_us}, {@code _max_us}, and {@code _p50_us},
     * {@code _p90_us}, {@code _p99_us} interpolated within the histogram buckets as Prometheus'
     * {@code histogram_quantile} would.
     */
    private static Map<String, String> commands(CommandMetrics metrics) {
        Map<String, String> m = new LinkedHashMap<>();
        metrics.forEachCount((opcode, status, n) -> m.put(opcode + ":" + status, Long.toString(n)));
        metrics.forEachTimer((opcode, timer) -> {
            var snapshot = timer.takeSnapshot();
            String p = opcode + ":latency_";
            m.put(p + "count", Long.toString(snapshot.count()));
            m.put(p + "total_us", Long.toString((long) snapshot.total(TimeUnit.MICROSECONDS)));
            m.put(p + "max_us", Long.toString((long) snapshot.max(TimeUnit.MICROSECONDS)));
            if (snapshot.histogramCounts().length > 0) {
                for (double q : new double[] {0.5, 0.9, 0.99}) {
                    double v = CommandMetrics.quantileMicros(snapshot, q);
                    m.put(
                            p + "p" + (int) Math.round(q * 100) + "_us",
                            Double.isNaN(v) ? "0" : String.format(Locale.ROOT, "%.1f", v));
                }
            }
        });
        return m;
    }

    /**
     * The {@code scans} group: each bucket's range-scan registry (open scans, outcomes, items sent)
     * and the statistics of its Caffeine cache. Empty for an engine without scans.
     */
    private static Map<String, String> scans(Services s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : s.engine().bucketNames()) {
            Bucket b = s.engine().bucket(name);
            RangeScanStats rs = b == null ? null : b.rangeScanStats();
            if (rs == null) {
                continue;
            }
            String p = name + ":range_scans_";
            m.put(p + "open", Long.toString(rs.open()));
            m.put(p + "continuing", Long.toString(rs.continuing()));
            m.put(p + "connections", Long.toString(rs.connections()));
            m.put(p + "created", Long.toString(rs.created()));
            m.put(p + "completed", Long.toString(rs.completed()));
            m.put(p + "cancelled", Long.toString(rs.cancelled()));
            m.put(p + "expired", Long.toString(rs.expired()));
            m.put(p + "rejected_busy", Long.toString(rs.rejected()));
            m.put(p + "continues", Long.toString(rs.continues()));
            m.put(p + "items_sent", Long.toString(rs.itemsSent()));
            m.put(p + "bytes_sent", Long.toString(rs.bytesSent()));
            m.put(p + "lookup_hits", Long.toString(rs.lookupHits()));
            m.put(p + "lookup_misses", Long.toString(rs.lookupMisses()));
            m.put(p + "evictions", Long.toString(rs.evictions()));
        }
        return m;
    }

    private static Map<String, String> buckets(Services s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : s.engine().bucketNames()) {
            Bucket b = s.engine().bucket(name);
            if (b == null) {
                continue;
            }
            BucketStats bs = b.stats();
            m.put(name + ":curr_items", Long.toString(bs.items()));
            m.put(name + ":mem_used", Long.toString(bs.memUsedBytes()));
            m.put(name + ":quota", Long.toString(bs.quotaBytes()));
            m.put(name + ":vbuckets", Integer.toString(bs.numVBuckets()));
            m.put(name + ":expired_pager", Long.toString(bs.expiredByPager()));
            m.put(name + ":expired_access", Long.toString(bs.expiredOnAccess()));
            m.put(name + ":quota_rejections", Long.toString(bs.quotaRejections()));
        }
        return m;
    }
}
