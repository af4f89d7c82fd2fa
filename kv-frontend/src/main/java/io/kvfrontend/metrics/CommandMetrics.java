package io.kvfrontend.metrics;

import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Opcode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Commands by opcode and status ({@code kv.commands}) and their latency by opcode
 * ({@code kv.command.duration}), from dispatch to the final response written to the connection's
 * output (a command that would block: to the response after it resumed).
 *
 * <p>Tags are bounded: {@code opcode} is an {@link Opcode} name in lower case or {@code unknown},
 * {@code status} a {@link Status} name in lower case (conventions.md, "Metrics"). Every counter
 * cell exists from the start, in arrays indexed by opcode slot and status ordinal, so recording is
 * two array reads and an adder increment. A cell's counter is registered once, when it first counts
 * (the success cells of the served opcodes at binding, so they show as 0 before any traffic); a
 * timer is registered once, when its opcode first completes. Either way at most one registry
 * lookup per series for the life of the server, never one per request.
 *
 * <p>Timers publish fixed histogram buckets ({@link #BUCKETS}: 18 bounds from 10 us to 5 s) so
 * Prometheus can aggregate percentiles across servers. Every timer of the name has them (Prometheus
 * wants one type per metric name: a mix of histograms and summaries breaks the scrape); the series
 * count stays bounded because a timer exists only for an opcode that has run: about 21 series per
 * opcode in use, typically a dozen opcodes.
 *
 * <p><b>Thread-safe.</b>
 */
public final class CommandMetrics implements MeterBinder {
    /** Histogram bucket bounds: a cache hit on loopback is tens of microseconds. */
    public static final Duration[] BUCKETS = {
        Duration.ofNanos(10_000), Duration.ofNanos(25_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000),
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5)
    };

    public static final String UNKNOWN = "unknown";
    private static final Status[] STATUSES = Status.values();
    private static final int UNKNOWN_SLOT = 0;

    /** Wire opcode to slot; codes this server does not know map to {@link #UNKNOWN_SLOT}. */
    private final int[] slotOf = new int[256];

    private final String[] opcodeTag;
    /** Slot * statuses + status ordinal. */
    private final LongAdder[] counts;
    /** Racy reads are fine: a counter registered twice is the same counter. */
    private final boolean[] counterRegistered;

    private final AtomicReferenceArray<Timer> timers;
    private final Set<Opcode> served;
    private volatile MeterRegistry registry;

    /**
     * @param served opcodes with an executor: their success counters are registered at binding
     */
    public CommandMetrics(Set<Opcode> served) {
        Opcode[] ops = Opcode.values();
        opcodeTag = new String[ops.length + 1];
        opcodeTag[UNKNOWN_SLOT] = UNKNOWN;
        for (int i = 0; i < ops.length; i++) {
            slotOf[ops[i].code()] = i + 1;
            opcodeTag[i + 1] = ops[i].name().toLowerCase(Locale.ROOT);
        }
        counts = new LongAdder[opcodeTag.length * STATUSES.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
        counterRegistered = new boolean[counts.length];
        timers = new AtomicReferenceArray<>(opcodeTag.length);
        this.served = Set.copyOf(served);
    }

    /** The tag value of a status: its name in lower case. */
    public static String statusTag(Status s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        for (Opcode op : served) {
            registerCounter(slotOf[op.code()] * STATUSES.length + Status.SUCCESS.ordinal());
        }
    }

    /**
     * One command finished. Event loop; allocation-free once the command's series exist.
     *
     * @param opcode the wire opcode
     * @param status what it answered ({@code null}: nothing, counted as success)
     * @param nanos  from dispatch to the final response
     */
    public void record(int opcode, Status status, long nanos) {
        int slot = slotOf[opcode & 0xff];
        int cell = slot * STATUSES.length + (status == null ? 0 : status.ordinal());
        counts[cell].increment();
        if (!counterRegistered[cell]) {
            registerCounter(cell);
        }
        Timer t = timers.get(slot);
        if (t == null) {
            t = registerTimer(slot);
            if (t == null) {
                return;
            }
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
    }

    private synchronized void registerCounter(int cell) {
        MeterRegistry r = registry;
        if (r == null || counterRegistered[cell]) {
            return;
        }
        int slot = cell / STATUSES.length;
        Status status = STATUSES[cell % STATUSES.length];
        FunctionCounter.builder("kv.commands", counts[cell], LongAdder::sum)
                .tag("opcode", opcodeTag[slot])
                .tag("status", statusTag(status))
                .description("commands answered, by opcode and status")
                .register(r);
        counterRegistered[cell] = true;
    }

    private synchronized Timer registerTimer(int slot) {
        MeterRegistry r = registry;
        Timer t = timers.get(slot);
        if (t != null || r == null) {
            return t;
        }
        t = Timer.builder("kv.command.duration")
                .tag("opcode", opcodeTag[slot])
                .serviceLevelObjectives(BUCKETS)
                .description("time from dispatch to the command's final response")
                .register(r);
        timers.set(slot, t);
        return t;
    }

    /** Commands of this opcode answered with this status. */
    public long count(Opcode op, Status status) {
        return counts[slotOf[op.code()] * STATUSES.length + status.ordinal()].sum();
    }

    /** Commands of unknown opcodes answered with this status. */
    public long unknownCount(Status status) {
        return counts[UNKNOWN_SLOT * STATUSES.length + status.ordinal()].sum();
    }

    /** Visits every non-zero counter: opcode tag, status tag, count. */
    public void forEachCount(CountVisitor v) {
        for (int cell = 0; cell < counts.length; cell++) {
            long n = counts[cell].sum();
            if (n != 0) {
                v.visit(opcodeTag[cell / STATUSES.length], statusTag(STATUSES[cell % STATUSES.length]), n);
            }
        }
    }

    /** Visits the timer of every opcode that has completed a command (none before binding). */
    public void forEachTimer(TimerVisitor v) {
        for (int slot = 0; slot < opcodeTag.length; slot++) {
            Timer t = timers.get(slot);
            if (t != null) {
                v.visit(opcodeTag[slot], t);
            }
        }
    }

    /** A counter cell. */
    @FunctionalInterface
    public interface CountVisitor {
        void visit(String opcode, String status, long count);
    }

    /** An opcode's timer. */
    @FunctionalInterface
    public interface TimerVisitor {
        void visit(String opcode, Timer timer);
    }

    /**
     * The {@code q} quantile (0-1) of a histogram snapshot in microseconds, interpolated linearly
     * within the bucket that holds it, as Prometheus' {@code histogram_quantile} does, but never above
     * the largest value seen; {@code NaN} without buckets or values. Values beyond the last bucket
     * are reported as its bound.
     */
    public static double quantileMicros(HistogramSnapshot s, double q) {
        CountAtBucket[] buckets = s.histogramCounts();
        long total = s.count();
        if (buckets.length == 0 || total == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (CountAtBucket b : buckets) {
            double upper = b.bucket(TimeUnit.MICROSECONDS);
            if (b.count() >= rank) {
                double inBucket = b.count() - lowerCount;
                double v = inBucket <= 0 ? upper : lowerBound + (upper - lowerBound) * (rank - lowerCount) / inBucket;
                double max = s.max(TimeUnit.MICROSECONDS);
                return max > 0 ? Math.min(v, max) : v;
            }
            lowerBound = upper;
            lowerCount = b.count();
        }
        return lowerBound;
    }
}
