package io.kvfrontend.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.CompressionMode;
import io.kvfrontend.engine.spi.ScopeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Builds the {@link ServerConfig} from, in rising precedence, the built-in defaults, a YAML config
 * file ({@code --config} / {@code KV_CONFIG}), {@code KV_*} environment variables and command-line
 * flags, with picocli parsing the command line. Any invalid value stops start-up with one message
 * naming the setting, where the value came from and what is allowed.
 *
 * <p><b>Thread-safe</b> (stateless).
 */
public final class ConfigLoader {
    private static final YAMLMapper YAML = new YAMLMapper();

    private ConfigLoader() {}

    /** What the command line asked for. */
    public sealed interface Outcome permits Run, Help, Version {}

    /**
     * Start the server with this configuration.
     *
     * @param config    the configuration
     * @param logLevel  the log level
     * @param effective one line per setting: {@code key = value (source)}, secrets masked
     */
    public record Run(ServerConfig config, LogLevel logLevel, List<String> effective) implements Outcome {}

    /** Print this help text and exit 0. */
    public record Help(String text) implements Outcome {}

    /** Print the version and exit 0. */
    public record Version() implements Outcome {}

    /** The command-line model: one option per setting, plus {@code --config}, help and version. */
    static CommandLine commandLine() {
        CommandSpec spec = CommandSpec.create().name("kv-frontend").mixinStandardHelpOptions(true);
        spec.usageMessage().width(110).sortOptions(false).abbreviateSynopsis(true);
        spec.usageMessage()
                .description(
                        "Serves Couchbase's memcached binary protocol (MCBP) from an in-memory " + "engine.",
                        "Every setting is also a KV_* environment variable and a config-file key; "
                                + "precedence: defaults < config file < environment < flags.");
        spec.addOption(OptionSpec.builder("--config")
                .paramLabel("FILE")
                .type(String.class)
                .description("YAML configuration file (env KV_CONFIG).")
                .build());
        for (Setting s : Settings.ALL) {
            OptionSpec.Builder o = OptionSpec.builder(s.flag())
                    .paramLabel(s.label())
                    .type(String.class)
                    .description(s.description() + " Default: "
                            + (s.defaultValue().isEmpty() ? "none" : s.defaultValue()) + ". Env: " + s.env() + ".");
            if (s.label().equals("BOOL")) {
                // "--no-auth" alone means true.
                o.arity("0..1").fallbackValue("true");
            }
            spec.addOption(o.build());
        }
        return new CommandLine(spec);
    }

    /**
     * Loads the configuration.
     *
     * @throws ConfigException naming the setting when anything is invalid
     */
    public static Outcome load(String[] args, Map<String, String> env) {
        CommandLine cl = commandLine();
        ParseResult flags;
        try {
            flags = cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new ConfigException("command line", e.getMessage());
        }
        if (flags.isUsageHelpRequested()) {
            return new Help(cl.getUsageMessage());
        }
        if (flags.isVersionHelpRequested()) {
            return new Version();
        }

        String configPath = flags.matchedOptionValue("--config", env.get("KV_CONFIG"));
        JsonNode file = configPath == null ? null : readFile(configPath);
        String fileSource = "config file " + configPath;

        ConfigTarget t = new ConfigTarget();
        List<String> effective = new ArrayList<>();
        List<BucketConfig> fileBuckets = null;
        List<UserConfig> fileUsers = null;
        for (Setting s : Settings.ALL) {
            String value;
            String source;
            if (flags.hasMatchedOption(s.flag())) {
                value = flags.matchedOptionValue(s.flag(), "");
                source = "flag " + s.flag();
            } else if (env.containsKey(s.env())) {
                value = env.get(s.env());
                source = "environment " + s.env();
            } else if (file != null && file.has(s.key())) {
                JsonNode node = file.get(s.key());
                source = fileSource;
                if (node.isArray() && s.key().equals("buckets")) {
                    fileBuckets = List.of();
                    value = null;
                } else if (node.isArray() && s.key().equals("users")) {
                    fileUsers = List.of();
                    value = null;
                } else if (node.isValueNode()) {
                    value = node.asText();
                } else {
                    throw new ConfigException(s.key(), "must be a single value in " + configPath);
                }
            } else {
                value = s.defaultValue();
                source = "default";
            }
            // The quantum's default depends on the high-water mark: applied at the end if unset.
            boolean derivedDefault = source.equals("default") && s.key().equals("output-quantum");
            if (value != null && !derivedDefault) {
                apply(t, s, value, source);
            }
            effective.add(s.key() + " = "
                    + (value == null ? "(structured, from the file)" : s.secret() && !value.isEmpty() ? "****" : value)
                    + " (" + source + ")");
        }
        // Structured lists from the file need the bucket defaults, so they are read last.
        if (fileBuckets != null) {
            fileBuckets = structuredBuckets(file.get("buckets"), t, configPath);
        }
        if (fileUsers != null) {
            fileUsers = structuredUsers(file.get("users"), configPath);
        }
        if (file != null) {
            checkUnknownKeys(file, configPath);
        }

        ServerConfig.Builder b = t.builder;
        b.spoolWaterMarks((int) t.lowWater, (int) t.highWater);
        if (t.outputQuantum != null) {
            b.outputQuantum((int) (long) t.outputQuantum);
        }
        b.maxWaiting(t.waitingRequests, t.waitingBytes);
        b.buckets(fileBuckets != null ? fileBuckets : specBuckets(t));
        List<UserConfig> users = new ArrayList<>();
        users.add(UserConfig.admin(t.adminUser, t.adminPassword));
        users.addAll(fileUsers != null ? fileUsers : specUsers(t));
        b.users(users);
        try {
            return new Run(b.build(), t.logLevel, effective);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("configuration", e.getMessage());
        }
    }

    private static void apply(ConfigTarget t, Setting s, String value, String source) {
        try {
            s.applier().apply(t, value);
        } catch (IllegalArgumentException e) {
            String shown = s.secret() ? "****" : "'" + value + "'";
            throw new ConfigException(s.key(), e.getMessage() + " (got " + shown + " from " + source + ")");
        }
    }

    private static JsonNode readFile(String path) {
        Path p = Path.of(path);
        if (!Files.isRegularFile(p)) {
            throw new ConfigException("config", "no such file: " + path);
        }
        try {
            JsonNode root = YAML.readTree(p.toFile());
            if (root == null || root.isMissingNode() || root.isNull()) {
                return YAML.createObjectNode();
            }
            if (!root.isObject()) {
                throw new ConfigException("config", path + " must hold a mapping of settings");
            }
            return root;
        } catch (IOException e) {
            throw new ConfigException("config", "cannot read " + path + ": " + e.getMessage());
        }
    }

    private static void checkUnknownKeys(JsonNode file, String path) {
        Iterator<String> names = file.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (Settings.byKey(key) == null) {
                throw new ConfigException(key, "is not a setting (in " + path + "); see --help for the keys");
            }
        }
    }

    /** Buckets from {@code NAME[:k=v,...]} specs, with the bucket defaults. */
    static List<BucketConfig> specBuckets(ConfigTarget t) {
        List<BucketConfig> out = new ArrayList<>();
        for (String spec : t.bucketSpecs) {
            int colon = spec.indexOf(':');
            String name = colon < 0 ? spec : spec.substring(0, colon);
            long quota = t.bucketQuota;
            int vbuckets = t.vbuckets;
            int maxValue = t.maxValueSize;
            boolean flush = t.flushEnabled;
            CompressionMode compression = CompressionMode.PASSIVE;
            if (colon >= 0) {
                for (String kv : spec.substring(colon + 1).split(",")) {
                    int eq = kv.indexOf('=');
                    String k = eq < 0 ? kv.trim() : kv.substring(0, eq).trim();
                    String v = eq < 0 ? "" : kv.substring(eq + 1).trim();
                    try {
                        switch (k) {
                            case "quota" -> quota = Values.bytes(v, 1, Long.MAX_VALUE);
                            case "vbuckets" -> vbuckets = Values.integer(v, 1, 1024);
                            case "max-value-size" -> maxValue = (int) Values.bytes(v, 0, Integer.MAX_VALUE);
                            case "flush" -> flush = Values.bool(v);
                            case "compression" -> compression = CompressionMode.parse(v);
                            default ->
                                throw new IllegalArgumentException("unknown bucket option '" + k
                                        + "' (known: quota, vbuckets, max-value-size, flush, compression)");
                        }
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException("buckets", "bucket " + name + ": " + k + " " + e.getMessage());
                    }
                }
            }
            out.add(bucket(name, quota, vbuckets, maxValue, flush, List.of(), compression));
        }
        return out;
    }

    private static BucketConfig bucket(
            String name,
            long quota,
            int vbuckets,
            int maxValue,
            boolean flush,
            List<ScopeConfig> scopes,
            CompressionMode compression) {
        try {
            return new BucketConfig(name, quota, vbuckets, maxValue, flush, scopes, compression);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("buckets", "bucket " + name + ": " + e.getMessage());
        }
    }

    /**
     * Buckets from the file: a list of {@code {name, quota, vbuckets, max-value-size, flush,
     * compression, scopes: {scope: [collection, ...]}}}.
     */
    static List<BucketConfig> structuredBuckets(JsonNode list, ConfigTarget t, String path) {
        List<BucketConfig> out = new ArrayList<>();
        for (JsonNode b : list) {
            if (!b.isObject() || !b.hasNonNull("name")) {
                throw new ConfigException("buckets", "each bucket in " + path + " needs a name");
            }
            String name = b.get("name").asText();
            Set<String> known = Set.of("name", "quota", "vbuckets", "max-value-size", "flush", "scopes", "compression");
            b.fieldNames().forEachRemaining(f -> {
                if (!known.contains(f)) {
                    throw new ConfigException(
                            "buckets",
                            "bucket " + name + ": unknown field '" + f + "' (known: "
                                    + String.join(", ", new java.util.TreeSet<>(known)) + ")");
                }
            });
            try {
                long quota = b.has("quota") ? Values.bytes(b.get("quota").asText(), 1, Long.MAX_VALUE) : t.bucketQuota;
                int vbuckets =
                        b.has("vbuckets") ? Values.integer(b.get("vbuckets").asText(), 1, 1024) : t.vbuckets;
                int maxValue = b.has("max-value-size")
                        ? (int) Values.bytes(b.get("max-value-size").asText(), 0, Integer.MAX_VALUE)
                        : t.maxValueSize;
                boolean flush = b.has("flush") ? Values.bool(b.get("flush").asText()) : t.flushEnabled;
                CompressionMode compression = compression(b.get("compression"));
                List<ScopeConfig> scopes = new ArrayList<>();
                JsonNode sc = b.get("scopes");
                if (sc != null) {
                    if (!sc.isObject()) {
                        throw new IllegalArgumentException("scopes must map scope names to lists of collections");
                    }
                    sc.fields().forEachRemaining(e -> {
                        List<String> cols = new ArrayList<>();
                        e.getValue().forEach(c -> cols.add(c.asText()));
                        scopes.add(new ScopeConfig(e.getKey(), cols));
                    });
                }
                out.add(bucket(name, quota, vbuckets, maxValue, flush, scopes, compression));
            } catch (ConfigException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new ConfigException("buckets", "bucket " + name + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * A bucket's {@code compression} from the file. YAML reads an unquoted {@code off} as the
     * boolean false, so false means off too.
     */
    private static CompressionMode compression(JsonNode n) {
        if (n == null || n.isNull()) {
            return CompressionMode.PASSIVE;
        }
        if (n.isBoolean()) {
            if (!n.asBoolean()) {
                return CompressionMode.OFF;
            }
            throw new IllegalArgumentException("compression mode must be off, passive or active, got 'true'");
        }
        return CompressionMode.parse(n.asText());
    }

    /** Users from {@code NAME:PASSWORD[:admin|:*|:B1+B2]} specs. */
    static List<UserConfig> specUsers(ConfigTarget t) {
        List<UserConfig> out = new ArrayList<>();
        for (String spec : t.userSpecs) {
            String[] parts = spec.split(":", 3);
            if (parts.length < 2 || parts[0].isEmpty()) {
                throw new ConfigException(
                        "users", "a user is NAME:PASSWORD[:admin|:*|:BUCKET+BUCKET], got '" + parts[0] + ":****'");
            }
            String access = parts.length == 3 ? parts[2] : "";
            out.add(user(
                    parts[0],
                    parts[1],
                    access.equals("admin"),
                    access.equals("*"),
                    access.isEmpty() || access.equals("admin") || access.equals("*")
                            ? Set.of()
                            : new LinkedHashSet<>(List.of(access.split("\\+")))));
        }
        return out;
    }

    /** Users from the file: a list of {@code {name, password, admin, buckets: [..] | "*"}}. */
    static List<UserConfig> structuredUsers(JsonNode list, String path) {
        List<UserConfig> out = new ArrayList<>();
        for (JsonNode u : list) {
            if (!u.isObject() || !u.hasNonNull("name") || !u.hasNonNull("password")) {
                throw new ConfigException("users", "each user in " + path + " needs a name and a password");
            }
            JsonNode buckets = u.get("buckets");
            boolean all =
                    buckets != null && buckets.isTextual() && buckets.asText().equals("*");
            Set<String> names = new HashSet<>();
            if (buckets != null && buckets.isArray()) {
                buckets.forEach(b -> names.add(b.asText()));
            }
            out.add(user(
                    u.get("name").asText(),
                    u.get("password").asText(),
                    u.path("admin").asBoolean(false),
                    all,
                    names));
        }
        return out;
    }

    private static UserConfig user(String name, String password, boolean admin, boolean all, Set<String> buckets) {
        return new UserConfig(name, password, admin, admin || all, buckets);
    }
}
