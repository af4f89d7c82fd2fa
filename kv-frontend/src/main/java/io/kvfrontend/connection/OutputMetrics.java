package io.kvfrontend.connection;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of the {@code CookieOutput} implementation, one set per server, tagged with the output
 * mode (conventions.md, "Metrics": bounded tags, registered once). Spool depth and bytes are totals
 * over all connections.
 *
 * <p><b>Thread-safe.</b>
 */
public final class OutputMetrics implements MeterBinder {
    private final OutputMode mode;
    private final AtomicLong spoolDepth = new AtomicLong();
    private final AtomicLong spoolBytes = new AtomicLong();
    private final AtomicLong offLoopWriteCount = new AtomicLong();
    private final AtomicLong onLoopWriteCount = new AtomicLong();
    private final AtomicLong drainCount = new AtomicLong();
    private final AtomicLong pauseCount = new AtomicLong();
    private final AtomicLong resumeCount = new AtomicLong();
    private final AtomicLong droppedCount = new AtomicLong();
    private final AtomicLong handOffCount = new AtomicLong();
    private final AtomicLong handOffWaitNanos = new AtomicLong();
    private final AtomicLong loopTaskCount = new AtomicLong();
    private DistributionSummary itemsPerDrain;
    private Timer handOffWait;

    public OutputMetrics(OutputMode mode) {
        this.mode = mode;
    }

    public OutputMode mode() {
        return mode;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String m = mode.configName();
        counter(registry, "kv.output.writes", "frames written from the connection's own event loop", onLoopWriteCount,
                "origin", "loop", "mode", m);
        counter(registry, "kv.output.writes", "frames written from other threads", offLoopWriteCount,
                "origin", "offloop", "mode", m);
        counter(registry, "kv.output.drains", "spool drain tasks run", drainCount, "mode", m);
        counter(registry, "kv.output.loop.tasks", "tasks the output path put on event loops", loopTaskCount,
                "mode", m);
        counter(registry, "kv.output.pauses", "producers told to pause for capacity", pauseCount, "mode", m);
        counter(registry, "kv.output.resumes", "paused producers called back", resumeCount, "mode", m);
        counter(registry, "kv.output.dropped", "writes dropped because the connection had closed", droppedCount,
                "mode", m);
        Gauge.builder("kv.output.spool.depth", spoolDepth, AtomicLong::get).tag("mode", m)
                .description("frames waiting in spool queues, all connections").register(registry);
        Gauge.builder("kv.output.spool.bytes", spoolBytes, AtomicLong::get).tag("mode", m)
                .description("bytes waiting in spool queues or hand-offs, all connections").baseUnit("bytes")
                .register(registry);
        itemsPerDrain = DistributionSummary.builder("kv.output.drain.items").tag("mode", m)
                .description("frames written by one drain task").register(registry);
        handOffWait = Timer.builder("kv.output.handoff.wait").tag("mode", m)
                .description("time a producer waited for the event loop to perform its write").register(registry);
    }

    private static void counter(MeterRegistry registry, String name, String description, AtomicLong value,
                                String... tags) {
        FunctionCounter.builder(name, value, AtomicLong::get).tags(tags).description(description).register(registry);
    }

    void onLoopWrite() {
        onLoopWriteCount.incrementAndGet();
    }

    void offLoopWrite() {
        offLoopWriteCount.incrementAndGet();
    }

    void spooled(long bytes) {
        spoolDepth.incrementAndGet();
        spoolBytes.addAndGet(bytes);
    }

    void unspooled(long bytes) {
        spoolDepth.decrementAndGet();
        spoolBytes.addAndGet(-bytes);
    }

    /** A drain task ran and wrote {@code items} frames (0 for a drain that found nothing). */
    void drained(int items) {
        drainCount.incrementAndGet();
        DistributionSummary s = itemsPerDrain;
        if (s != null) {
            s.record(items);
        }
    }

    void handedOff(long waitNanos) {
        handOffCount.incrementAndGet();
        handOffWaitNanos.addAndGet(waitNanos);
        Timer t = handOffWait;
        if (t != null) {
            t.record(waitNanos, TimeUnit.NANOSECONDS);
        }
    }

    void loopTask() {
        loopTaskCount.incrementAndGet();
    }

    void paused() {
        pauseCount.incrementAndGet();
    }

    void resumed() {
        resumeCount.incrementAndGet();
    }

    void dropped() {
        droppedCount.incrementAndGet();
    }

    /** A consistent-enough copy of the counters, for STAT and benchmarks. */
    public Snapshot snapshot() {
        return new Snapshot(mode, onLoopWriteCount.get(), offLoopWriteCount.get(), drainCount.get(),
                handOffCount.get(), handOffWaitNanos.get(), loopTaskCount.get(), pauseCount.get(), resumeCount.get(),
                droppedCount.get(), spoolDepth.get(), spoolBytes.get());
    }

    /** Counter values at one moment. */
    public record Snapshot(OutputMode mode, long onLoopWrites, long offLoopWrites, long drains, long handOffs,
                           long handOffWaitNanos, long loopTasks, long pauses, long resumes, long dropped,
                           long spoolDepth, long spoolBytes) {
    }
}
