package io.kvfrontend.metrics;

import io.kvfrontend.auth.SaslOutcome;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide command and connection counters, in the names memcached's general {@code STAT} group
 * uses, so memcached tooling reads them unchanged; the connection, framing, authentication and byte
 * counters are also the {@code kv.connections.*}, {@code kv.frames.rejected},
 * {@code kv.auth.failures} and {@code kv.bytes.*} meters ({@link #bindTo}), which read these adders,
 * so STAT and a scrape agree.
 *
 * <p><b>Thread-safe</b> (adders only; any event loop increments them without contention).
 */
public final class ServerStats implements MeterBinder {
    public final AtomicLong currConnections = new AtomicLong();
    public final LongAdder totalConnections = new LongAdder();
    public final LongAdder rejectedConnections = new LongAdder();
    /** Accepts the listening sockets failed (out of file descriptors, most often). */
    public final LongAdder acceptFailures = new LongAdder();

    public final LongAdder closedConnections = new LongAdder();
    public final LongAdder framingErrors = new LongAdder();
    /** Connections closed for not authenticating within auth-timeout. */
    public final LongAdder authTimeouts = new LongAdder();
    /** Connections closed for a request that did not arrive within frame-timeout. */
    public final LongAdder frameTimeouts = new LongAdder();
    /** Failed SASL authentications, all reasons. */
    public final LongAdder authFailures = new LongAdder();

    private final java.util.EnumMap<SaslOutcome.Refusal, LongAdder> authFailuresByReason =
            new java.util.EnumMap<>(SaslOutcome.Refusal.class);

    public ServerStats() {
        for (SaslOutcome.Refusal r : SaslOutcome.Refusal.values()) {
            authFailuresByReason.put(r, new LongAdder());
        }
    }

    /** Counts a refused authentication. */
    public void authFailed(SaslOutcome.Refusal reason) {
        authFailures.increment();
        authFailuresByReason.get(reason).increment();
    }

    /** Refused authentications for this reason. */
    public long authFailures(SaslOutcome.Refusal reason) {
        return authFailuresByReason.get(reason).sum();
    }

    public final LongAdder cmdGet = new LongAdder();
    public final LongAdder getHits = new LongAdder();
    public final LongAdder getMisses = new LongAdder();
    public final LongAdder cmdSet = new LongAdder();
    public final LongAdder deleteHits = new LongAdder();
    public final LongAdder deleteMisses = new LongAdder();
    public final LongAdder incrHits = new LongAdder();
    public final LongAdder incrMisses = new LongAdder();
    public final LongAdder decrHits = new LongAdder();
    public final LongAdder decrMisses = new LongAdder();
    public final LongAdder casHits = new LongAdder();
    public final LongAdder casMisses = new LongAdder();
    public final LongAdder casBadval = new LongAdder();
    public final LongAdder cmdTouch = new LongAdder();
    public final LongAdder touchHits = new LongAdder();
    public final LongAdder touchMisses = new LongAdder();
    public final LongAdder cmdFlush = new LongAdder();
    public final LongAdder cmdLock = new LongAdder();
    public final LongAdder bytesRead = new LongAdder();
    public final LongAdder bytesWritten = new LongAdder();
    /** Cluster-map change notifications pushed to clients. */
    public final LongAdder clusterMapPushes = new LongAdder();

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("kv.connections.open", currConnections, AtomicLong::get)
                .description("MCBP connections open")
                .register(registry);
        counter(registry, "kv.connections.accepted", totalConnections, "MCBP connections accepted");
        counter(
                registry,
                "kv.connections.refused",
                rejectedConnections,
                "MCBP connections refused (closed at once) over max-connections");
        counter(
                registry,
                "kv.connections.accept.failures",
                acceptFailures,
                "accepts that failed on a listening socket (out of file descriptors, most often)");
        counter(registry, "kv.connections.closed", closedConnections, "accepted MCBP connections closed since");
        counter(
                registry,
                "kv.frames.rejected",
                framingErrors,
                "connections closed for a framing error (bad magic, inconsistent lengths, frame too large)");
        for (SaslOutcome.Refusal r : SaslOutcome.Refusal.values()) {
            FunctionCounter.builder("kv.auth.failures", authFailuresByReason.get(r), LongAdder::sum)
                    .tag("reason", r.tag())
                    .description("SASL authentications that failed, by reason")
                    .register(registry);
        }
        FunctionCounter.builder("kv.connections.timeouts", authTimeouts, LongAdder::sum)
                .tag("reason", "auth")
                .description("connections closed for not authenticating within auth-timeout, or for a request "
                        + "not fully arrived within frame-timeout")
                .register(registry);
        FunctionCounter.builder("kv.connections.timeouts", frameTimeouts, LongAdder::sum)
                .tag("reason", "frame")
                .description("connections closed for not authenticating within auth-timeout, or for a request "
                        + "not fully arrived within frame-timeout")
                .register(registry);
        counter(registry, "kv.bytes.received", bytesRead, "bytes read from MCBP connections");
        counter(registry, "kv.bytes.sent", bytesWritten, "bytes written to MCBP connections");
        counter(
                registry,
                "kv.clustermap.pushes",
                clusterMapPushes,
                "cluster-map change notifications pushed to clients that negotiated them");
    }

    private static void counter(MeterRegistry registry, String name, LongAdder adder, String description) {
        FunctionCounter.builder(name, adder, LongAdder::sum)
                .description(description)
                .register(registry);
    }

    /** The {@code connections} STAT group: the figures of the {@code kv.connections.*} meters and friends. */
    public Map<String, String> connectionStats() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("curr_connections", Long.toString(currConnections.get()));
        m.put("total_connections", Long.toString(totalConnections.sum()));
        m.put("rejected_conns", Long.toString(rejectedConnections.sum()));
        m.put("closed_connections", Long.toString(closedConnections.sum()));
        m.put("accept_failures", Long.toString(acceptFailures.sum()));
        m.put("framing_errors", Long.toString(framingErrors.sum()));
        m.put("auth_timeouts", Long.toString(authTimeouts.sum()));
        m.put("frame_timeouts", Long.toString(frameTimeouts.sum()));
        m.put("auth_errors", Long.toString(authFailures.sum()));
        m.put("bytes_read", Long.toString(bytesRead.sum()));
        m.put("bytes_written", Long.toString(bytesWritten.sum()));
        return m;
    }

    /** The counters as {@code STAT} name/value pairs, in a stable order. */
    public Map<String, String> asStats() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("curr_connections", Long.toString(currConnections.get()));
        m.put("total_connections", Long.toString(totalConnections.sum()));
        m.put("rejected_conns", Long.toString(rejectedConnections.sum()));
        m.put("framing_errors", Long.toString(framingErrors.sum()));
        m.put("auth_errors", Long.toString(authFailures.sum()));
        m.put("cmd_get", Long.toString(cmdGet.sum()));
        m.put("cmd_set", Long.toString(cmdSet.sum()));
        m.put("cmd_flush", Long.toString(cmdFlush.sum()));
        m.put("cmd_touch", Long.toString(cmdTouch.sum()));
        m.put("cmd_lock", Long.toString(cmdLock.sum()));
        m.put("get_hits", Long.toString(getHits.sum()));
        m.put("get_misses", Long.toString(getMisses.sum()));
        m.put("delete_hits", Long.toString(deleteHits.sum()));
        m.put("delete_misses", Long.toString(deleteMisses.sum()));
        m.put("incr_hits", Long.toString(incrHits.sum()));
        m.put("incr_misses", Long.toString(incrMisses.sum()));
        m.put("decr_hits", Long.toString(decrHits.sum()));
        m.put("decr_misses", Long.toString(decrMisses.sum()));
        m.put("cas_hits", Long.toString(casHits.sum()));
        m.put("cas_misses", Long.toString(casMisses.sum()));
        m.put("cas_badval", Long.toString(casBadval.sum()));
        m.put("touch_hits", Long.toString(touchHits.sum()));
        m.put("touch_misses", Long.toString(touchMisses.sum()));
        m.put("bytes_read", Long.toString(bytesRead.sum()));
        m.put("bytes_written", Long.toString(bytesWritten.sum()));
        return m;
    }
}
