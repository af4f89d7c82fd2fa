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
 * The server's current output mode, which can change at runtime, and the meters of the
 * {@code CookieOutput} implementation: one set per mode, tagged with it (conventions.md, "Metrics":
 * bounded tags, registered once). A frame is counted in the mode its producer writes in (a producer
 * keeps the mode it started with, see {@code CommandCookie}); what the loop does for all
 * connections (slices, turns, scheduling delay) is counted in the mode current at the time. Spool
 * depth and bytes are totals over all connections.
 *
 * <p><b>Thread-safe.</b>
 */
public final class OutputMetrics implements MeterBinder {
    private volatile OutputMode mode;
    private final Counters spool = new Counters(OutputMode.SPOOL);
    private final Counters sync = new Counters(OutputMode.SYNC);

    public OutputMetrics(OutputMode mode) {
        this.mode = mode;
    }

    /** The mode producers that start now write in. */
    public OutputMode mode() {
        return mode;
    }

    /** Makes {@code next} the mode of producers that start from now on; returns the previous one. */
    public synchronized OutputMode switchMode(OutputMode next) {
        OutputMode previous = mode;
        mode = next;
        return previous;
    }

    /** The meters of one mode. */
    public Counters of(OutputMode m) {
        return m == OutputMode.SPOOL ? spool : sync;
    }

    /** The meters of the current mode. */
    Counters current() {
        return of(mode);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (OutputMode m : OutputMode.values()) {
            of(m).bindTo(registry);
            Gauge.builder("kv.output.mode", this, o -> o.mode == m ? 1 : 0)
                    .tag("mode", m.configName())
                    .description("1 for the output mode new producers use, 0 for the other")
                    .register(registry);
        }
    }

    /** Both modes' counters added up, with the current mode. */
    public Snapshot snapshot() {
        Snapshot a = spool.snapshot();
        Snapshot b = sync.snapshot();
        return new Snapshot(
                mode,
                a.onLoopWrites + b.onLoopWrites,
                a.offLoopWrites + b.offLoopWrites,
                a.drains + b.drains,
                a.handOffs + b.handOffs,
                a.handOffWaitNanos + b.handOffWaitNanos,
                a.loopTasks + b.loopTasks,
                a.pauses + b.pauses,
                a.resumes + b.resumes,
                a.dropped + b.dropped,
                a.spoolDepth + b.spoolDepth,
                a.spoolBytes + b.spoolBytes,
                a.quantumExhausted + b.quantumExhausted,
                a.scheduleDelays + b.scheduleDelays,
                a.scheduleDelayNanos + b.scheduleDelayNanos,
                a.outputTurns + b.outputTurns,
                a.outputTurnBytes + b.outputTurnBytes,
                a.producers + b.producers);
    }

    /** The counters of one mode. */
    public Snapshot snapshot(OutputMode m) {
        return of(m).snapshot();
    }

    /** Counter values at one moment. */
    public record Snapshot(
            OutputMode mode,
            long onLoopWrites,
            long offLoopWrites,
            long drains,
            long handOffs,
            long handOffWaitNanos,
            long loopTasks,
            long pauses,
            long resumes,
            long dropped,
            long spoolDepth,
            long spoolBytes,
            long quantumExhausted,
            long scheduleDelays,
            long scheduleDelayNanos,
            long outputTurns,
            long outputTurnBytes,
            long producers) {}

    /** The meters of one output mode. <b>Thread-safe.</b> */
    public static final class Counters {
        private final OutputMode mode;
        private final AtomicLong producerCount = new AtomicLong();
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
        private final AtomicLong quantumExhaustedCount = new AtomicLong();
        private final AtomicLong scheduleDelayCount = new AtomicLong();
        private final AtomicLong scheduleDelayNanos = new AtomicLong();
        private final AtomicLong outputTurnCount = new AtomicLong();
        private final AtomicLong outputTurnBytes = new AtomicLong();
        private DistributionSummary itemsPerDrain;
        private DistributionSummary bytesPerTurn;
        private Timer handOffWait;
        private Timer scheduleDelay;

        Counters(OutputMode mode) {
            this.mode = mode;
        }

        void bindTo(MeterRegistry registry) {
            String m = mode.configName();
            Gauge.builder("kv.output.producers", producerCount, AtomicLong::get)
                    .tag("mode", m)
                    .description("commands writing from background threads now, by the mode they write in")
                    .register(registry);
            counter(
                    registry,
                    "kv.output.writes",
                    "frames written from the connection's own event loop",
                    onLoopWriteCount,
                    "origin",
                    "loop",
                    "mode",
                    m);
            counter(
                    registry,
                    "kv.output.writes",
                    "frames written from other threads",
                    offLoopWriteCount,
                    "origin",
                    "offloop",
                    "mode",
                    m);
            counter(
                    registry,
                    "kv.output.drains",
                    "output slices served: a connection's turn to move queued frames "
                            + "(spooled or handed off) to its socket",
                    drainCount,
                    "mode",
                    m);
            counter(
                    registry,
                    "kv.output.quantum.exhausted",
                    "slices that stopped at the output quantum with frames "
                            + "left: background output that had to yield to other connections",
                    quantumExhaustedCount,
                    "mode",
                    m);
            counter(
                    registry,
                    "kv.output.loop.tasks",
                    "tasks the output path put on event loops",
                    loopTaskCount,
                    "mode",
                    m);
            counter(registry, "kv.output.pauses", "producers told to pause for capacity", pauseCount, "mode", m);
            counter(registry, "kv.output.resumes", "paused producers called back", resumeCount, "mode", m);
            counter(
                    registry,
                    "kv.output.dropped",
                    "writes dropped because the connection had closed",
                    droppedCount,
                    "mode",
                    m);
            Gauge.builder("kv.output.spool.depth", spoolDepth, AtomicLong::get)
                    .tag("mode", m)
                    .description("frames waiting in spool queues, all connections")
                    .register(registry);
            Gauge.builder("kv.output.spool.bytes", spoolBytes, AtomicLong::get)
                    .tag("mode", m)
                    .description("bytes waiting in spool queues or hand-offs, all connections")
                    .baseUnit("bytes")
                    .register(registry);
            itemsPerDrain = DistributionSummary.builder("kv.output.drain.items")
                    .tag("mode", m)
                    .description("frames written by one output slice")
                    .register(registry);
            bytesPerTurn = DistributionSummary.builder("kv.output.turn.bytes")
                    .tag("mode", m)
                    .baseUnit("bytes")
                    .serviceLevelObjectives(TURN_BYTES)
                    .description("background output bytes one event-loop turn moved, over all its connections (turns "
                            + "that moved any)")
                    .register(registry);
            scheduleDelay = Timer.builder("kv.output.schedule.delay")
                    .tag("mode", m)
                    .serviceLevelObjectives(LoopMetrics.TURN_BUCKETS)
                    .description("how long a connection with queued output (spooled frames or hand-offs) waited for "
                            + "its slice")
                    .register(registry);
            handOffWait = Timer.builder("kv.output.handoff.wait")
                    .tag("mode", m)
                    .description("time a producer waited for the event loop to perform its write")
                    .register(registry);
        }

        /** Histogram bounds of output bytes per turn. */
        private static final double[] TURN_BYTES = {4096, 16384, 65536, 262144, 1048576, 4194304, 16777216};

        private static void counter(
                MeterRegistry registry, String name, String description, AtomicLong value, String... tags) {
            FunctionCounter.builder(name, value, AtomicLong::get)
                    .tags(tags)
                    .description(description)
                    .register(registry);
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

        /** A slice ran and wrote {@code items} frames (0 for one that found nothing). */
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

        void quantumExhausted() {
            quantumExhaustedCount.incrementAndGet();
        }

        void scheduleDelay(long nanos) {
            scheduleDelayCount.incrementAndGet();
            scheduleDelayNanos.addAndGet(nanos);
            Timer t = scheduleDelay;
            if (t != null) {
                t.record(nanos, TimeUnit.NANOSECONDS);
            }
        }

        void turnBytes(long bytes) {
            outputTurnCount.incrementAndGet();
            outputTurnBytes.addAndGet(bytes);
            DistributionSummary s = bytesPerTurn;
            if (s != null) {
                s.record(bytes);
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

        void producerStarted() {
            producerCount.incrementAndGet();
        }

        void producerEnded() {
            producerCount.decrementAndGet();
        }

        /** A consistent-enough copy of the counters, for STAT and benchmarks. */
        Snapshot snapshot() {
            return new Snapshot(
                    mode,
                    onLoopWriteCount.get(),
                    offLoopWriteCount.get(),
                    drainCount.get(),
                    handOffCount.get(),
                    handOffWaitNanos.get(),
                    loopTaskCount.get(),
                    pauseCount.get(),
                    resumeCount.get(),
                    droppedCount.get(),
                    spoolDepth.get(),
                    spoolBytes.get(),
                    quantumExhaustedCount.get(),
                    scheduleDelayCount.get(),
                    scheduleDelayNanos.get(),
                    outputTurnCount.get(),
                    outputTurnBytes.get(),
                    producerCount.get());
        }
    }
}
