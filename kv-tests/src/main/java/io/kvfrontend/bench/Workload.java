package io.kvfrontend.bench;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@code kv-bench run} and {@code compare} drive: KV gets and sets, and range scans beside
 * them. Read from a YAML (or JSON) file, or one of the named workloads under
 * {@code src/main/resources/workloads}; a key this model does not know is an error that names it.
 *
 * @param name     shown in reports
 * @param kv       the KV part
 * @param scans    range scans alongside (concurrency 0 = none)
 * @param baseline whether every phase first runs the KV part alone for as long, so the report can
 *                 show KV latency without and with scans (the neighbour's view)
 */
public record Workload(String name, Kv kv, Scans scans, boolean baseline) {
    /** Named workloads shipped with the tool. */
    public static final List<String> NAMED = List.of("default", "fairness", "fairness-sdk", "kv", "pipelined");

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @JsonCreator
    static Workload of(
            @JsonProperty("name") String name,
            @JsonProperty("kv") Kv kv,
            @JsonProperty("scans") Scans scans,
            @JsonProperty("baseline") Boolean baseline) {
        return new Workload(
                name == null || name.isBlank() ? "workload" : name,
                or(kv, Kv.DEFAULTS),
                or(scans, Scans.NONE),
                or(baseline, false));
    }

    /**
     * The KV part.
     *
     * @param connections  client connections (one thread each)
     * @param pipeline     requests in flight per connection (1 = one at a time)
     * @param getRatio     share of gets, 0..1; the rest are sets
     * @param keys         key space: keys {@code keyPrefix + 8-digit index}, as {@code load} writes them
     * @param keyPrefix    prefix of every key
     * @param distribution which keys: {@code uniform} or {@code zipfian}
     * @param zipfExponent skew of the zipfian distribution (0.99 as YCSB)
     * @param valueSize    bytes of each set's value
     * @param rate         operations per second over all connections; 0 = as fast as possible. With a
     *                     rate, latency is measured from when each operation was due (no coordinated
     *                     omission)
     */
    public record Kv(
            int connections,
            int pipeline,
            double getRatio,
            int keys,
            String keyPrefix,
            String distribution,
            double zipfExponent,
            int valueSize,
            double rate) {
        static final Kv DEFAULTS = of(null, null, null, null, null, null, null, null, null);

        public Kv {
            check(connections >= 0 && connections <= 1024, "kv.connections", "must be 0-1024");
            check(pipeline >= 1 && pipeline <= 1024, "kv.pipeline", "must be 1-1024");
            check(getRatio >= 0 && getRatio <= 1, "kv.get-ratio", "must be between 0 and 1");
            check(keys >= 1, "kv.keys", "must be at least 1");
            check(
                    distribution.equals("uniform") || distribution.equals("zipfian"),
                    "kv.distribution",
                    "must be uniform or zipfian, got '" + distribution + "'");
            check(zipfExponent > 0 && zipfExponent < 10, "kv.zipf-exponent", "must be between 0 and 10");
            check(valueSize >= 1 && valueSize <= 20 * 1024 * 1024, "kv.value-size", "must be 1 byte to 20 MiB");
            check(rate >= 0, "kv.rate", "must not be negative");
        }

        /** From a workload file: what it leaves out takes the default. */
        @JsonCreator
        static Kv of(
                @JsonProperty("connections") Integer connections,
                @JsonProperty("pipeline") Integer pipeline,
                @JsonProperty("get-ratio") Double getRatio,
                @JsonProperty("keys") Integer keys,
                @JsonProperty("key-prefix") String keyPrefix,
                @JsonProperty("distribution") String distribution,
                @JsonProperty("zipf-exponent") Double zipfExponent,
                @JsonProperty("value-size") Integer valueSize,
                @JsonProperty("rate") Double rate) {
            return new Kv(
                    or(connections, 4),
                    or(pipeline, 1),
                    or(getRatio, 0.9),
                    or(keys, 40_000),
                    or(keyPrefix, "doc::"),
                    or(distribution, "uniform"),
                    or(zipfExponent, 0.99),
                    or(valueSize, 1024),
                    or(rate, 0.0));
        }
    }

    /**
     * Range scans beside the KV load. Each scanning client repeats: create a scan over the whole
     * default collection, continue it to the end, and start again.
     *
     * @param concurrency scanning clients at once (0 = no scans)
     * @param documents   whole documents (true) or keys only
     * @param limits      {@code unlimited}: one continue without limits per scan; {@code sdk}: continues
     *                    of at most 50 items and 15,000 bytes, the Java SDK's defaults
     */
    public record Scans(int concurrency, boolean documents, String limits) {
        static final Scans NONE = new Scans(0, true, "unlimited");
        static final int SDK_ITEM_LIMIT = 50;
        static final int SDK_BYTE_LIMIT = 15_000;

        public Scans {
            check(concurrency >= 0 && concurrency <= 256, "scans.concurrency", "must be 0-256");
            check(
                    limits.equals("unlimited") || limits.equals("sdk"),
                    "scans.limits",
                    "must be unlimited or sdk, got '" + limits + "'");
        }

        @JsonCreator
        static Scans of(
                @JsonProperty("concurrency") Integer concurrency,
                @JsonProperty("documents") Boolean documents,
                @JsonProperty("limits") String limits) {
            return new Scans(or(concurrency, 0), or(documents, true), or(limits, "unlimited"));
        }

        boolean sdkLimits() {
            return limits.equals("sdk");
        }
    }

    /** The same workload without scans (a baseline phase). */
    Workload withoutScans() {
        return new Workload(name, kv, Scans.NONE, false);
    }

    boolean hasScans() {
        return scans.concurrency() > 0;
    }

    /** A named workload, or a YAML/JSON file. */
    public static Workload load(String nameOrFile) {
        if (NAMED.contains(nameOrFile)) {
            try (InputStream in = Workload.class.getResourceAsStream("/workloads/" + nameOrFile + ".yaml")) {
                return parse(in.readAllBytes(), "workload " + nameOrFile);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        Path p = Path.of(nameOrFile);
        if (!Files.isRegularFile(p)) {
            throw new BenchException("workload '" + nameOrFile + "' is neither a file nor one of " + NAMED);
        }
        try {
            return parse(Files.readAllBytes(p), nameOrFile);
        } catch (IOException e) {
            throw new BenchException("cannot read workload " + nameOrFile + ": " + e.getMessage());
        }
    }

    static Workload parse(byte[] yaml, String source) {
        try {
            return YAML.readValue(yaml, Workload.class);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream()
                    .map(Object::toString)
                    .sorted()
                    .collect(Collectors.joining(", "));
            throw new BenchException(
                    "unknown workload key '" + path(e) + "' in " + source + " (known here: " + known + ")");
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BenchException b) {
                throw new BenchException(b.getMessage() + " in " + source);
            }
            throw new BenchException("bad workload " + source + ": " + e.getOriginalMessage() + " at " + path(e));
        } catch (IOException e) {
            throw new BenchException("bad workload " + source + ": "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static <T> T or(T value, T otherwise) {
        return value == null ? otherwise : value;
    }

    private static void check(boolean ok, String key, String message) {
        if (!ok) {
            throw new BenchException("workload key " + key + " " + message);
        }
    }
}
