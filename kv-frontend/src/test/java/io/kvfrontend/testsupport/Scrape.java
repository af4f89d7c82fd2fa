package io.kvfrontend.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A parsed Prometheus text-format (0.0.4) or OpenMetrics scrape: its samples with their labels,
 * and a client that fetches one from a server's {@code /metrics} with the JDK's HTTP client.
 *
 * <p><b>Immutable.</b>
 */
public final class Scrape {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public boolean has(String... labelPairs) {
            for (int i = 0; i < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(labels.get(labelPairs[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final String text;
    private final List<Sample> samples;

    private Scrape(String text, List<Sample> samples) {
        this.text = text;
        this.samples = List.copyOf(samples);
    }

    /** {@code GET /metrics} on this management port; fails unless it answers 200. */
    public static Scrape fetch(int mgmtPort) {
        HttpResponse<String> r = get(mgmtPort, null, null);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return parse(r.body());
    }

    /** {@code GET /metrics} with optional Authorization and Accept headers, as it comes. */
    public static HttpResponse<String> get(int mgmtPort, String authorization, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mgmtPort + "/metrics"))
                .timeout(TIMEOUT)
                .GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Scrape parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            out.add(parseLine(line));
        }
        return new Scrape(text, out);
    }

    private static Sample parseLine(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq).trim();
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("unquoted label value: " + line);
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char ch = line.charAt(j);
                    if (ch == '\\') {
                        char n = line.charAt(++j);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(ch);
                    }
                    j++;
                }
                labels.put(label, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String rest = line.substring(i).trim();
        int space = rest.indexOf(' ');
        String value = space < 0 ? rest : rest.substring(0, space);
        return new Sample(
                name,
                labels,
                switch (value) {
                    case "+Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    case "NaN" -> Double.NaN;
                    default -> Double.parseDouble(value);
                });
    }

    public String text() {
        return text;
    }

    public List<Sample> samples() {
        return samples;
    }

    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).toList();
    }

    public List<Sample> samples(Predicate<Sample> p) {
        return samples.stream().filter(p).toList();
    }

    /** The sample with this name and (at least) these labels, if exactly one matches. */
    public Optional<Sample> find(String name, String... labelPairs) {
        List<Sample> m = samples.stream()
                .filter(s -> s.name.equals(name) && s.has(labelPairs))
                .toList();
        if (m.size() > 1) {
            throw new AssertionError(m.size() + " samples match " + name + " " + List.of(labelPairs) + ": " + m);
        }
        return m.stream().findFirst();
    }

    /** The value of the one matching sample; fails if there is none. */
    public double value(String name, String... labelPairs) {
        return find(name, labelPairs)
                .orElseThrow(() -> new AssertionError("no sample " + name + " " + List.of(labelPairs)))
                .value();
    }

    /** The value of the one matching sample, or 0 when the series does not exist (yet). */
    public double valueOrZero(String name, String... labelPairs) {
        return find(name, labelPairs).map(Sample::value).orElse(0.0);
    }

    /** The sum of every sample of {@code name} with these labels (0 when there is none). */
    public double sum(String name, String... labelPairs) {
        return samples.stream()
                .filter(s -> s.name.equals(name) && s.has(labelPairs))
                .mapToDouble(Sample::value)
                .sum();
    }

    public boolean has(String name, String... labelPairs) {
        return samples.stream().anyMatch(s -> s.name.equals(name) && s.has(labelPairs));
    }
}
