package io.kvfrontend.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvfrontend.bench.PhaseResult.Tick;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A comparison's report: {@code report.md} (tables), {@code report.html} (the tables and charts,
 * drawn with XChart and embedded as PNG, so the file stands alone) and {@code results.json} (every
 * figure, every round, every second).
 *
 * <p><b>Not thread-safe.</b>
 */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String command;
    private final Workload workload;
    private final Map<String, String> sides;
    private final Duration phase;
    private final int rounds;
    private final boolean interrupted;
    private final List<PhaseResult> results;
    private final List<Summary> summaries;

    Report(
            String command,
            Workload workload,
            Map<String, String> sides,
            Duration phase,
            int rounds,
            boolean interrupted,
            List<PhaseResult> results) {
        this.command = command;
        this.workload = workload;
        this.sides = sides;
        this.phase = phase;
        this.rounds = rounds;
        this.interrupted = interrupted;
        this.results = results;
        this.summaries = Summary.of(results);
    }

    List<Summary> summaries() {
        return summaries;
    }

    /** Writes the three files into {@code dir} (created if needed). */
    void write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("report.md"), markdown());
            Files.writeString(dir.resolve("results.json"), JSON.writeValueAsString(json()));
            Files.writeString(dir.resolve("report.html"), html());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ markdown

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# kv-bench: ").append(workload.name()).append("\n\n");
        sb.append(facts()).append("\n\n");
        sb.append(mainTable()).append('\n');
        String ratios = ratios();
        if (!ratios.isEmpty()) {
            sb.append(ratios).append('\n');
        }
        sb.append(serverTable()).append('\n');
        sb.append("Latencies pool every round's histogram; rates are the median of the rounds. Server figures come "
                + "from the difference of `/metrics` scrapes taken right before and after each phase.\n");
        return sb.toString();
    }

    private String facts() {
        StringBuilder sb = new StringBuilder();
        sb.append("- command: `").append(command).append("`\n");
        sides.forEach((label, target) ->
                sb.append("- ").append(label).append(": ").append(target).append('\n'));
        Workload.Kv kv = workload.kv();
        sb.append(String.format(
                Locale.ROOT,
                "- KV: %d connections, pipeline %d, %.0f%% gets, %d keys (%s), %d B " + "values, %s%n",
                kv.connections(),
                kv.pipeline(),
                kv.getRatio() * 100,
                kv.keys(),
                kv.distribution(),
                kv.valueSize(),
                kv.rate() > 0 ? String.format(Locale.ROOT, "fixed rate %.0f ops/s", kv.rate()) : "closed loop"));
        if (workload.hasScans()) {
            Workload.Scans s = workload.scans();
            sb.append(String.format(
                    Locale.ROOT,
                    "- scans: %d concurrent, %s, %s continues%n",
                    s.concurrency(),
                    s.documents() ? "documents" : "keys only",
                    s.sdkLimits() ? "SDK-default (50 items / 15,000 B)" : "unlimited"));
        }
        sb.append(String.format(
                Locale.ROOT,
                "- %d rounds, %d s per phase, sides alternating%s%n",
                rounds,
                phase.toSeconds(),
                workload.baseline() && workload.hasScans()
                        ? "; baseline = the KV part alone, load = KV with scans"
                        : ""));
        sb.append("- machine: ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores visible to the " + "client, ")
                .append(System.getProperty("os.name"))
                .append(' ')
                .append(System.getProperty("os.arch"))
                .append(", Java ")
                .append(System.getProperty("java.version"))
                .append('\n');
        sb.append("- finished: ").append(Instant.now()).append(interrupted ? " (interrupted: partial results)" : "");
        return sb.toString();
    }

    String mainTable() {
        StringBuilder sb = new StringBuilder();
        boolean scans = workload.hasScans();
        sb.append("| side | phase | KV ops/s |");
        List<String> opNames = opNames();
        for (String op : opNames) {
            sb.append(' ').append(op).append(" p50 / p99 / p99.9 µs |");
        }
        if (scans) {
            sb.append(" scan MB/s | scan items/s |");
        }
        sb.append('\n').append("|---|---|---:|");
        opNames.forEach(op -> sb.append("---:|"));
        if (scans) {
            sb.append("---:|---:|");
        }
        sb.append('\n');
        for (Summary s : summaries) {
            sb.append("| ")
                    .append(s.label())
                    .append(" | ")
                    .append(s.phase())
                    .append(" | ")
                    .append(num(s.kvOps(), 0))
                    .append(" |");
            for (String op : opNames) {
                Summary.Op o = s.ops().get(op);
                sb.append(' ')
                        .append(o == null ? "" : num(o.p50(), 0) + " / " + num(o.p99(), 0) + " / " + num(o.p999(), 0))
                        .append(" |");
            }
            if (scans) {
                sb.append(' ')
                        .append(Double.isNaN(s.scanMb()) ? "" : num(s.scanMb(), 1))
                        .append(" | ")
                        .append(Double.isNaN(s.scanItems()) ? "" : num(s.scanItems(), 0))
                        .append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Load against baseline for each side, and the sides against the first one. */
    private String ratios() {
        StringBuilder sb = new StringBuilder();
        Map<String, Summary> load = new LinkedHashMap<>();
        Map<String, Summary> base = new LinkedHashMap<>();
        for (Summary s : summaries) {
            (s.phase().equals("baseline") ? base : load).put(s.label(), s);
        }
        String first = opNames().isEmpty() ? null : opNames().get(0);
        for (String label : load.keySet()) {
            Summary l = load.get(label);
            Summary b = base.get(label);
            if (b != null && first != null && l.ops().containsKey(first)) {
                Summary.Op lo = l.ops().get(first);
                Summary.Op bo = b.ops().get(first);
                sb.append(String.format(
                        Locale.ROOT,
                        "- %s: %s p50 %.2f×, p99 %.2f×, p99.9 %.2f× of its baseline " + "while scans run%n",
                        label,
                        first,
                        lo.p50() / bo.p50(),
                        lo.p99() / bo.p99(),
                        lo.p999() / bo.p999()));
            }
        }
        List<String> labels = new ArrayList<>(load.keySet());
        for (int i = 1; i < labels.size(); i++) {
            Summary a = load.get(labels.get(0));
            Summary o = load.get(labels.get(i));
            sb.append(String.format(
                    Locale.ROOT, "- %s / %s: KV ops/s %.2f×", labels.get(0), labels.get(i), a.kvOps() / o.kvOps()));
            if (!Double.isNaN(a.scanMb())) {
                sb.append(String.format(Locale.ROOT, ", scan MB/s %.2f×", a.scanMb() / o.scanMb()));
            }
            Double ca = a.server().get("cpu_us_per_op");
            Double co = o.server().get("cpu_us_per_op");
            if (ca != null && co != null && !ca.isNaN() && !co.isNaN()) {
                sb.append(String.format(Locale.ROOT, ", server CPU per KV op %.2f×", ca / co));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    String serverTable() {
        if (summaries.stream().allMatch(s -> s.server().isEmpty())) {
            return "No server-side figures: the targets' management ports were not known (HOST:PORT,MGMT_PORT).\n";
        }
        StringBuilder sb = new StringBuilder("Server side (from `/metrics`):\n\n| side | phase | KV ops (server) | CPU "
                + "µs/op | CPU cores | loop tasks/s | drains/s | hand-offs/s | hand-off wait µs | pauses/s | quantum "
                + "exhausted/s | loop turns/s | turn mean / p99 µs | output delay mean / p99 µs |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Summary s : summaries) {
            Map<String, Double> m = s.server();
            sb.append("| ")
                    .append(s.label())
                    .append(" | ")
                    .append(s.phase())
                    .append(" | ")
                    .append(num(m.get("server_ops"), 0))
                    .append(" | ")
                    .append(num(m.get("cpu_us_per_op"), 2))
                    .append(" | ")
                    .append(num(m.get("cpu_cores"), 2))
                    .append(" | ")
                    .append(num(m.get("loop_tasks_per_s"), 0))
                    .append(" | ")
                    .append(num(m.get("drains_per_s"), 0))
                    .append(" | ")
                    .append(num(m.get("handoffs_per_s"), 0))
                    .append(" | ")
                    .append(num(m.get("handoff_wait_us"), 1))
                    .append(" | ")
                    .append(num(m.get("pauses_per_s"), 1))
                    .append(" | ")
                    .append(num(m.get("quantum_exhausted_per_s"), 0))
                    .append(" | ")
                    .append(num(m.get("turns_per_s"), 0))
                    .append(" | ")
                    .append(num(m.get("turn_mean_us"), 1))
                    .append(" / ")
                    .append(num(m.get("turn_p99_us"), 0))
                    .append(" | ")
                    .append(num(m.get("delay_mean_us"), 1))
                    .append(" / ")
                    .append(num(m.get("delay_p99_us"), 0))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private List<String> opNames() {
        List<String> names = new ArrayList<>();
        summaries.forEach(s -> s.ops().keySet().forEach(k -> {
            if (!names.contains(k)) {
                names.add(k);
            }
        }));
        return names;
    }

    static String num(Double v, int decimals) {
        if (v == null || v.isNaN() || v.isInfinite()) {
            return "–";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    // ------------------------------------------------------------------ JSON

    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("command", command);
        root.put("interrupted", interrupted);
        root.put("phase_seconds", phase.toMillis() / 1000.0);
        root.put("rounds", rounds);
        root.set("workload", JSON.valueToTree(workload));
        ObjectNode sidesNode = root.putObject("sides");
        sides.forEach(sidesNode::put);
        ObjectNode machine = root.putObject("client_machine");
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.version"));
        ArrayNode summary = root.putArray("summary");
        for (Summary s : summaries) {
            ObjectNode n = summary.addObject();
            n.put("side", s.label());
            n.put("phase", s.phase());
            n.put("rounds", s.rounds());
            n.put("seconds", s.seconds());
            n.put("kv_ops_per_s", s.kvOps());
            ObjectNode ops = n.putObject("ops");
            s.ops().forEach((name, o) -> {
                ObjectNode on = ops.putObject(name);
                on.put("count", o.count());
                on.put("per_s", o.perSecond());
                on.put("misses", o.misses());
                on.put("errors", o.errors());
                on.put("p50_us", o.p50());
                on.put("p90_us", o.p90());
                on.put("p99_us", o.p99());
                on.put("p999_us", o.p999());
                on.put("max_us", o.max());
            });
            if (!Double.isNaN(s.scanMb())) {
                n.put("scan_mb_per_s", s.scanMb());
                n.put("scan_items_per_s", s.scanItems());
            }
            ObjectNode server = n.putObject("server");
            s.server().forEach(server::put);
        }
        ArrayNode phases = root.putArray("phases");
        for (PhaseResult r : results) {
            ObjectNode n = phases.addObject();
            n.put("side", r.label());
            n.put("phase", r.phase());
            n.put("round", r.round());
            n.put("seconds", r.seconds());
            ObjectNode ops = n.putObject("ops");
            r.ops().forEach((name, o) -> {
                ObjectNode on = ops.putObject(name);
                on.put("count", o.count());
                on.put("misses", o.misses());
                on.put("errors", o.errors());
                on.put("p50_us", o.micros(50));
                on.put("p99_us", o.micros(99));
                on.put("p999_us", o.micros(99.9));
            });
            if (r.scans() != null) {
                ObjectNode sc = n.putObject("scans");
                sc.put("scans", r.scans().scans());
                sc.put("continues", r.scans().continues());
                sc.put("items", r.scans().items());
                sc.put("bytes", r.scans().bytes());
            }
            ArrayNode tl = n.putArray("timeline");
            for (Tick t : r.timeline()) {
                ObjectNode tn = tl.addObject();
                tn.put("t", t.second());
                tn.put("ops", t.ops());
                tn.put("get_p50_us", t.getP50Micros());
                tn.put("get_p99_us", t.getP99Micros());
                tn.put("scan_bytes", t.scanBytes());
            }
            ObjectNode server = n.putObject("server_meters");
            r.server().series().forEach((k, v) -> {
                if (v != 0 && k.startsWith("kv_") || k.startsWith("process_cpu")) {
                    server.put(k, v);
                }
            });
        }
        return root;
    }

    // ------------------------------------------------------------------ HTML

    String html() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kv-bench: ")
                .append(esc(workload.name()))
                .append("</title><style>body{font-family:sans-serif;max-width:1100px;"
                        + "margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px "
                        + "solid #ccc;padding:4px 8px;text-align:right}td:first-child,td:nth-child(2),th{text-align:"
                        + "left}img{max-width:100%;margin:1em 0;border:1px solid #eee}</style></head><body>\n");
        sb.append("<h1>kv-bench: ").append(esc(workload.name())).append("</h1>\n<ul>");
        facts().lines()
                .forEach(l -> sb.append("<li>")
                        .append(esc(l.replaceFirst("^- ", "").replace("`", "")))
                        .append("</li>"));
        sb.append("</ul>\n<h2>Results</h2>\n").append(table(mainTable()));
        ratios().lines()
                .forEach(l ->
                        sb.append("<p>").append(esc(l.replaceFirst("^- ", ""))).append("</p>\n"));
        sb.append(chart("throughput", throughputChart()));
        for (String op : opNames()) {
            sb.append(chart(op + " latency", latencyChart(op)));
        }
        sb.append(chart("latency over time", timelineChart()));
        sb.append("<h2>Server side</h2>\n").append(table(serverTable()));
        if (!summaries.stream().allMatch(s -> s.server().isEmpty())) {
            sb.append(chart("server", serverChart()));
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    /** A Markdown table (as written above) as HTML. */
    private static String table(String md) {
        StringBuilder sb = new StringBuilder();
        boolean open = false;
        for (String line : md.split("\n")) {
            if (!line.startsWith("|")) {
                if (open) {
                    sb.append("</table>\n");
                    open = false;
                }
                if (!line.isBlank()) {
                    sb.append("<p>").append(esc(line.replace("`", ""))).append("</p>\n");
                }
                continue;
            }
            if (line.startsWith("|---")) {
                continue;
            }
            String tag = open ? "td" : "th";
            if (!open) {
                sb.append("<table>\n");
                open = true;
            }
            sb.append("<tr>");
            String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
            for (String c : cells) {
                sb.append('<')
                        .append(tag)
                        .append('>')
                        .append(esc(c.trim()))
                        .append("</")
                        .append(tag)
                        .append('>');
            }
            sb.append("</tr>\n");
        }
        if (open) {
            sb.append("</table>\n");
        }
        return sb.toString();
    }

    private static String chart(String alt, org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) {
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            return "<img alt=\"" + esc(alt) + "\" src=\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(png) + "\">\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> rowLabels() {
        return summaries.stream().map(s -> s.label() + " " + s.phase()).toList();
    }

    CategoryChart throughputChart() {
        CategoryChart c = new CategoryChartBuilder()
                .width(900)
                .height(400)
                .title("Throughput")
                .xAxisTitle("side and phase")
                .yAxisTitle("per second")
                .build();
        style(c);
        c.addSeries(
                "KV ops/s", rowLabels(), summaries.stream().map(Summary::kvOps).toList());
        if (workload.hasScans()) {
            c.addSeries(
                    "scan items/s",
                    rowLabels(),
                    summaries.stream()
                            .map(s -> Double.isNaN(s.scanItems()) ? 0.0 : s.scanItems())
                            .toList());
        }
        return c;
    }

    CategoryChart latencyChart(String op) {
        CategoryChart c = new CategoryChartBuilder()
                .width(900)
                .height(400)
                .title(op + " latency percentiles")
                .xAxisTitle("side and phase")
                .yAxisTitle("µs")
                .build();
        style(c);
        List<Summary> with =
                summaries.stream().filter(s -> s.ops().containsKey(op)).toList();
        List<String> labels =
                with.stream().map(s -> s.label() + " " + s.phase()).toList();
        c.addSeries(
                "p50",
                labels,
                with.stream().map(s -> positive(s.ops().get(op).p50())).toList());
        c.addSeries(
                "p99",
                labels,
                with.stream().map(s -> positive(s.ops().get(op).p99())).toList());
        c.addSeries(
                "p99.9",
                labels,
                with.stream().map(s -> positive(s.ops().get(op).p999())).toList());
        return c;
    }

    /**
     * The first KV operation's p99 per second through every phase in the order they ran, one series
     * per side; scan throughput on the second axis, and a line where each phase starts.
     */
    XYChart timelineChart() {
        XYChart c = new XYChartBuilder()
                .width(1000)
                .height(450)
                .title("Latency over time (load phases have scans)")
                .xAxisTitle("seconds since the first phase")
                .yAxisTitle("p99 µs")
                .build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setMarkerSize(3);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setYAxisDecimalPattern("#,###");
        Map<String, List<double[]>> latency = new LinkedHashMap<>();
        Map<String, List<double[]>> scanMb = new LinkedHashMap<>();
        double offset = 0;
        String previous = null;
        for (PhaseResult r : results) {
            if (r.phase().equals("warmup")) {
                continue;
            }
            if (!r.label().equals(previous)) {
                // The other side ran in between: a gap, not a line across its phases.
                gap(latency.get(r.label()), offset);
                gap(scanMb.get(r.label()), offset);
                previous = r.label();
            }
            if (!r.phase().equals("load")) {
                gap(scanMb.get(r.label()), offset);
            }
            AnnotationLine line = new AnnotationLine(offset, true, false);
            c.addAnnotation(line);
            c.addAnnotation(new AnnotationText(r.label() + " " + r.phase(), offset + r.seconds() / 2, 0, false));
            for (Tick t : r.timeline()) {
                if (!Double.isNaN(t.getP99Micros())) {
                    latency.computeIfAbsent(r.label(), k -> new ArrayList<>())
                            .add(new double[] {offset + t.second(), Math.max(1, t.getP99Micros())});
                }
                if (workload.hasScans() && r.phase().equals("load")) {
                    scanMb.computeIfAbsent(r.label(), k -> new ArrayList<>())
                            .add(new double[] {offset + t.second(), t.scanBytes() / 1e6});
                }
            }
            offset += r.seconds();
        }
        latency.forEach((label, pts) -> {
            XYSeries s = c.addSeries(
                    label + " p99 µs",
                    pts.stream().map(p -> p[0]).toList(),
                    pts.stream().map(p -> p[1]).toList());
            s.setMarker(SeriesMarkers.CIRCLE);
        });
        scanMb.forEach((label, pts) -> {
            XYSeries s = c.addSeries(
                    label + " scan MB/s",
                    pts.stream().map(p -> p[0]).toList(),
                    pts.stream()
                            .map(p -> Double.isNaN(p[1]) ? Double.NaN : Math.max(0.001, p[1]))
                            .toList());
            s.setYAxisGroup(1);
            s.setMarker(SeriesMarkers.NONE);
        });
        if (!scanMb.isEmpty()) {
            c.setYAxisGroupTitle(1, "scan MB/s");
        }
        return c;
    }

    /** Breaks a series' line at {@code x} (XChart draws no line through a NaN). */
    private static void gap(List<double[]> series, double x) {
        if (series != null && !series.isEmpty() && !Double.isNaN(series.get(series.size() - 1)[1])) {
            series.add(new double[] {x, Double.NaN});
        }
    }

    CategoryChart serverChart() {
        CategoryChart c = new CategoryChartBuilder()
                .width(900)
                .height(400)
                .title("Server side")
                .xAxisTitle("side and phase")
                .yAxisTitle("µs")
                .build();
        style(c);
        c.addSeries(
                "CPU µs per KV op",
                rowLabels(),
                summaries.stream()
                        .map(s -> positive(s.server().getOrDefault("cpu_us_per_op", Double.NaN)))
                        .toList());
        c.addSeries(
                "loop turn mean µs",
                rowLabels(),
                summaries.stream()
                        .map(s -> positive(s.server().getOrDefault("turn_mean_us", Double.NaN)))
                        .toList());
        c.addSeries(
                "output delay mean µs",
                rowLabels(),
                summaries.stream()
                        .map(s -> positive(s.server().getOrDefault("delay_mean_us", Double.NaN)))
                        .toList());
        return c;
    }

    private static void style(CategoryChart c) {
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setAvailableSpaceFill(0.8);
        c.getStyler().setXAxisLabelRotation(15);
    }

    private static double positive(double v) {
        return Double.isNaN(v) || v <= 0 ? 0.001 : v;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
