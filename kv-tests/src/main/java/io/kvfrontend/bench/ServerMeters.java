package io.kvfrontend.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One scrape of a server's {@code GET /metrics} (Prometheus text format), as series name with labels
 * to value, and the difference of two scrapes: what a phase did on the server's side.
 *
 * <p><b>Immutable.</b>
 */
public final class ServerMeters {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Map<String, Double> series;

    private ServerMeters(Map<String, Double> series) {
        this.series = series;
    }

    /** Nothing known (the target has no management port). */
    static final ServerMeters NONE = new ServerMeters(Map.of());

    /** Scrapes {@code target}'s management port; {@link #NONE} when the target has none. */
    static ServerMeters scrape(Target target, String user, String password) {
        if (target.mgmtPort() < 0) {
            return NONE;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://" + hostForUri(target.host()) + ":" + target.mgmtPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (user != null && !user.isEmpty()) {
            b.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> r;
        try {
            r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BenchException(
                    "cannot scrape http://" + target.host() + ":" + target.mgmtPort() + "/metrics: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NONE;
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new BenchException("the server refused the credentials for /metrics at " + target.host() + ":"
                    + target.mgmtPort() + " (HTTP " + r.statusCode() + ")");
        }
        if (r.statusCode() != 200) {
            throw new BenchException(
                    "/metrics at " + target.host() + ":" + target.mgmtPort() + " answered HTTP " + r.statusCode());
        }
        return parse(r.body());
    }

    private static String hostForUri(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** Parses the Prometheus text format (0.0.4): {@code name{labels} value [timestamp]}. */
    static ServerMeters parse(String text) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int end = line.lastIndexOf('}');
            int space = line.indexOf(' ', end < 0 ? 0 : end);
            if (space < 0) {
                continue;
            }
            String name = line.substring(0, space);
            String rest = line.substring(space + 1).trim();
            int sp = rest.indexOf(' ');
            String value = sp < 0 ? rest : rest.substring(0, sp);
            try {
                m.put(name, Double.parseDouble(value));
            } catch (NumberFormatException e) {
                // "+Inf" and "NaN" parse; anything else is not a sample
            }
        }
        return new ServerMeters(m);
    }

    /** {@code this - before} for every series (gauges too: read them from {@link #series()}). */
    ServerMeters minus(ServerMeters before) {
        Map<String, Double> d = new LinkedHashMap<>();
        series.forEach((k, v) -> d.put(k, v - before.series.getOrDefault(k, 0.0)));
        return new ServerMeters(d);
    }

    public Map<String, Double> series() {
        return series;
    }

    boolean isEmpty() {
        return series.isEmpty();
    }

    /** The sum of every series of {@code name} whose labels pass {@code labels}. */
    double sum(String name, Predicate<String> labels) {
        double total = 0;
        for (Map.Entry<String, Double> e : series.entrySet()) {
            String k = e.getKey();
            int brace = k.indexOf('{');
            String n = brace < 0 ? k : k.substring(0, brace);
            if (n.equals(name) && labels.test(brace < 0 ? "" : k.substring(brace))) {
                total += e.getValue();
            }
        }
        return total;
    }

    double sum(String name) {
        return sum(name, l -> true);
    }
}
