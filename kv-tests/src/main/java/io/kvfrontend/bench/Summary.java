package io.kvfrontend.bench;

import io.kvfrontend.bench.PhaseResult.OpStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The rounds of one side and phase put together: latency percentiles from the rounds' histograms
 * pooled, rates as the median of the rounds, server-side meters as totals per second.
 *
 * @param label   the side (server or mode)
 * @param phase   {@code baseline} or {@code load}
 * @param rounds  how many rounds were pooled
 * @param seconds measured time, all rounds
 * @param kvOps   KV operations per second (median of the rounds)
 * @param ops     per operation type
 * @param scanMb  scan payload MB/s (median), or NaN without scans
 * @param scanItems scan items/s (median), or NaN without scans
 * @param server  server-side figures over the phase, per {@link #SERVER_FIGURES}
 */
record Summary(
        String label,
        String phase,
        int rounds,
        double seconds,
        double kvOps,
        Map<String, Op> ops,
        double scanMb,
        double scanItems,
        Map<String, Double> server) {

    /** One operation type, pooled. */
    record Op(
            long count,
            double perSecond,
            long misses,
            long errors,
            double p50,
            double p90,
            double p99,
            double p999,
            double max,
            Histogram histogram) {}

    /**
     * Server-side figures derived from the {@code /metrics} differences: name, then how. Per-second
     * rates divide by the phase's seconds; "per op" by the KV operations the server counted.
     */
    static final List<String> SERVER_FIGURES = List.of(
            "server_ops",
            "cpu_us_per_op",
            "cpu_cores",
            "loop_tasks_per_s",
            "drains_per_s",
            "handoffs_per_s",
            "handoff_wait_us",
            "pauses_per_s",
            "quantum_exhausted_per_s",
            "turns_per_s",
            "turn_mean_us",
            "turn_p99_us",
            "delay_mean_us",
            "delay_p99_us");

    static List<Summary> of(List<PhaseResult> results) {
        Map<String, List<PhaseResult>> groups = new LinkedHashMap<>();
        for (PhaseResult r : results) {
            if (!r.phase().equals("warmup")) {
                groups.computeIfAbsent(r.label() + "\u0000" + r.phase(), k -> new ArrayList<>())
                        .add(r);
            }
        }
        List<Summary> out = new ArrayList<>();
        groups.values().forEach(g -> out.add(pooled(g)));
        return out;
    }

    private static Summary pooled(List<PhaseResult> g) {
        PhaseResult first = g.get(0);
        double seconds = g.stream().mapToDouble(PhaseResult::seconds).sum();
        Map<String, Op> ops = new LinkedHashMap<>();
        for (String name : first.ops().keySet()) {
            Histogram h = new Histogram(PhaseRunner.HIGHEST_NANOS, 3);
            long count = 0;
            long misses = 0;
            long errors = 0;
            double[] rates = new double[g.size()];
            for (int i = 0; i < g.size(); i++) {
                OpStats s = g.get(i).op(name);
                h.add(s.histogram());
                count += s.count();
                misses += s.misses();
                errors += s.errors();
                rates[i] = s.perSecond(g.get(i).seconds());
            }
            ops.put(
                    name,
                    new Op(
                            count,
                            median(rates),
                            misses,
                            errors,
                            us(h, 50),
                            us(h, 90),
                            us(h, 99),
                            us(h, 99.9),
                            h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0,
                            h));
        }
        double kvOps =
                median(g.stream().mapToDouble(PhaseResult::kvOpsPerSecond).toArray());
        double scanMb = first.scans() == null
                ? Double.NaN
                : median(g.stream()
                        .mapToDouble(r -> r.scans().megabytesPerSecond(r.seconds()))
                        .toArray());
        double scanItems = first.scans() == null
                ? Double.NaN
                : median(g.stream()
                        .mapToDouble(r -> r.scans().items() / r.seconds())
                        .toArray());
        return new Summary(
                first.label(),
                first.phase(),
                g.size(),
                seconds,
                kvOps,
                ops,
                scanMb,
                scanItems,
                serverFigures(g, seconds));
    }

    private static Map<String, Double> serverFigures(List<PhaseResult> g, double seconds) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (g.stream().allMatch(r -> r.server().isEmpty())) {
            return m;
        }
        double serverOps = total(
                g, s -> s.sum("kv_commands_total", l -> l.contains("opcode=\"get\"") || l.contains("opcode=\"set\"")));
        double cpuNs = total(g, s -> s.sum("process_cpu_time_ns_total"));
        m.put("server_ops", serverOps);
        m.put("cpu_us_per_op", serverOps == 0 ? Double.NaN : cpuNs / 1000.0 / serverOps);
        m.put("cpu_cores", cpuNs / 1e9 / seconds);
        m.put("loop_tasks_per_s", total(g, s -> s.sum("kv_output_loop_tasks_total")) / seconds);
        m.put("drains_per_s", total(g, s -> s.sum("kv_output_drains_total")) / seconds);
        double handoffs = total(g, s -> s.sum("kv_output_handoff_wait_seconds_count"));
        m.put("handoffs_per_s", handoffs / seconds);
        m.put(
                "handoff_wait_us",
                handoffs == 0
                        ? Double.NaN
                        : total(g, s -> s.sum("kv_output_handoff_wait_seconds_sum")) * 1e6 / handoffs);
        m.put("pauses_per_s", total(g, s -> s.sum("kv_output_pauses_total")) / seconds);
        m.put("quantum_exhausted_per_s", total(g, s -> s.sum("kv_output_quantum_exhausted_total")) / seconds);
        double turns = total(g, s -> s.sum("kv_eventloop_turn_seconds_count"));
        m.put("turns_per_s", turns / seconds);
        m.put(
                "turn_mean_us",
                turns == 0 ? Double.NaN : total(g, s -> s.sum("kv_eventloop_turn_seconds_sum")) * 1e6 / turns);
        m.put("turn_p99_us", quantile(g, "kv_eventloop_turn_seconds", 0.99) * 1e6);
        double delays = total(g, s -> s.sum("kv_output_schedule_delay_seconds_count"));
        m.put(
                "delay_mean_us",
                delays == 0 ? Double.NaN : total(g, s -> s.sum("kv_output_schedule_delay_seconds_sum")) * 1e6 / delays);
        m.put("delay_p99_us", quantile(g, "kv_output_schedule_delay_seconds", 0.99) * 1e6);
        return m;
    }

    /**
     * A quantile of a Prometheus histogram over the rounds' differences, interpolated within its
     * bucket as {@code histogram_quantile} does; NaN when it has no observations.
     */
    private static double quantile(List<PhaseResult> g, String name, double q) {
        java.util.TreeMap<Double, Double> cumulative = new java.util.TreeMap<>();
        for (PhaseResult r : g) {
            r.server().series().forEach((k, v) -> {
                if (k.startsWith(name + "_bucket{")) {
                    int at = k.indexOf("le=\"");
                    String le = k.substring(at + 4, k.indexOf('"', at + 4));
                    cumulative.merge(
                            le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), v, Double::sum);
                }
            });
        }
        if (cumulative.isEmpty() || cumulative.lastEntry().getValue() <= 0) {
            return Double.NaN;
        }
        double rank = q * cumulative.lastEntry().getValue();
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = e.getValue() - lowerCount;
                return inBucket <= 0
                        ? e.getKey()
                        : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return lowerBound;
    }

    private static double total(List<PhaseResult> g, java.util.function.ToDoubleFunction<ServerMeters> f) {
        return g.stream().mapToDouble(r -> f.applyAsDouble(r.server())).sum();
    }

    private static double us(Histogram h, double p) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p) / 1000.0;
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
