package io.kvfrontend.connection;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The health of one event loop: how long its turns take and where the time goes (I/O, background
 * output, queued tasks), so an operator can tell from {@code /metrics} whether background output
 * crowds out requests. One instance per loop, tagged {@code loop} with the loop's index.
 *
 * <ul>
 *   <li>{@code kv.eventloop.turn}: one turn of the loop, not counting the wait for I/O: the I/O it
 *       handled, the background output it sent, the tasks it ran (a histogram);</li>
 *   <li>{@code kv.eventloop.tasks}: the queued-task part of a turn (a histogram);</li>
 *   <li>{@code kv.eventloop.busy} ({@code phase=io|output|tasks}): time spent in each part, in all.</li>
 * </ul>
 *
 * <p><b>Event-loop confined</b> for recording; meters read the counters from any thread.
 */
public final class LoopMetrics {
    /** Histogram bounds of turns: most are a few microseconds; a crowded loop's are milliseconds. */
    static final Duration[] TURN_BUCKETS = {
        Duration.ofNanos(1_000), Duration.ofNanos(2_500), Duration.ofNanos(5_000), Duration.ofNanos(10_000),
        Duration.ofNanos(25_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000),
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofSeconds(1)
    };

    private final String loop;
    private final AtomicLong ioNanos = new AtomicLong();
    private final AtomicLong outputNanos = new AtomicLong();
    private final AtomicLong taskNanos = new AtomicLong();
    private final AtomicLong turnCount = new AtomicLong();
    private volatile Timer turns;
    private volatile Timer tasks;

    LoopMetrics(int index) {
        this.loop = Integer.toString(index);
    }

    void bindTo(MeterRegistry registry) {
        turns = Timer.builder("kv.eventloop.turn")
                .tag("loop", loop)
                .serviceLevelObjectives(TURN_BUCKETS)
                .description("one event-loop turn, without the wait for I/O: I/O handled, background output "
                        + "sent, queued tasks run")
                .register(registry);
        tasks = Timer.builder("kv.eventloop.tasks")
                .tag("loop", loop)
                .serviceLevelObjectives(TURN_BUCKETS)
                .description("the queued tasks an event-loop turn ran")
                .register(registry);
        busy(registry, "io", ioNanos, "handling ready I/O (reads, decoding, commands, writes)");
        busy(registry, "output", outputNanos, "sending background output, one quantum per connection per turn");
        busy(registry, "tasks", taskNanos, "running queued tasks");
    }

    private void busy(MeterRegistry registry, String phase, AtomicLong nanos, String what) {
        FunctionCounter.builder("kv.eventloop.busy", nanos, n -> n.get() / 1e9)
                .tag("loop", loop)
                .tag("phase", phase)
                .baseUnit("seconds")
                .description("event-loop time spent " + what)
                .register(registry);
    }

    /** One turn: its I/O, background-output and task parts, in nanoseconds. */
    void turn(long io, long output, long taskPhase) {
        ioNanos.lazySet(ioNanos.get() + io);
        outputNanos.lazySet(outputNanos.get() + output);
        taskNanos.lazySet(taskNanos.get() + taskPhase);
        turnCount.lazySet(turnCount.get() + 1);
        Timer t = turns;
        if (t != null) {
            t.record(io + output + taskPhase, TimeUnit.NANOSECONDS);
            tasks.record(taskPhase, TimeUnit.NANOSECONDS);
        }
    }

    /** Turns so far (for STAT). */
    long turns() {
        return turnCount.get();
    }

    long busyNanos() {
        return ioNanos.get() + outputNanos.get() + taskNanos.get();
    }
}
