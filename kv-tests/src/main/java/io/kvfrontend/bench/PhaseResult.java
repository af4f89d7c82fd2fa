package io.kvfrontend.bench;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one phase measured: operations by type with their latency distributions, range scans, a
 * per-second timeline, and the server's meters over the phase.
 *
 * @param label     which server (or mode) ran it
 * @param phase     {@code baseline} (KV alone) or {@code load} (KV with scans, or KV alone when the
 *                  workload has none)
 * @param seconds   how long it measured
 * @param ops       per operation type ({@code get}, {@code set}): count, errors, latency
 * @param scans     range scans, or {@code null} when none ran
 * @param timeline  one entry per second
 * @param server    the difference of the server's meters from before to after the phase
 */
public record PhaseResult(
        String label,
        String phase,
        int round,
        double seconds,
        Map<String, OpStats> ops,
        ScanStats scans,
        List<Tick> timeline,
        ServerMeters server) {

    /**
     * One operation type.
     *
     * @param count     operations answered
     * @param misses    gets answered KeyEnoent (counted in {@code count})
     * @param errors    answers with another error status (counted in {@code count})
     * @param histogram latency in nanoseconds (from when it was due, at a fixed rate)
     */
    public record OpStats(long count, long misses, long errors, Histogram histogram) {
        double perSecond(double seconds) {
            return count / seconds;
        }

        /** Percentile in microseconds. */
        double micros(double percentile) {
            return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    /**
     * Range scans.
     *
     * @param scans     scans completed
     * @param continues continues answered
     * @param items     items received
     * @param bytes     item payload bytes received
     */
    public record ScanStats(long scans, long continues, long items, long bytes) {
        double megabytesPerSecond(double seconds) {
            return bytes / seconds / 1e6;
        }
    }

    /** One second: KV operations and get percentiles in it, scan bytes in it. */
    public record Tick(double second, long ops, double getP50Micros, double getP99Micros, long scanBytes) {}

    OpStats op(String name) {
        return ops.get(name);
    }

    /** All KV operations per second. */
    double kvOpsPerSecond() {
        return ops.values().stream().mapToLong(OpStats::count).sum() / seconds;
    }
}
