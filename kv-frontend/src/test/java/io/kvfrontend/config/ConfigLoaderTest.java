package io.kvfrontend.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.BucketConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static ConfigLoader.Run load(Map<String, String> env, String... args) {
        return (ConfigLoader.Run) ConfigLoader.load(args, env);
    }

    private Path file(String yaml) throws IOException {
        Path p = dir.resolve("kv.yaml");
        Files.writeString(p, yaml, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void theDefaultsAreTheServersDefaults() {
        ServerConfig c = load(Map.of()).config();
        ServerConfig d = ServerConfig.defaults();
        assertThat(c.port()).isEqualTo(11210).isEqualTo(d.port());
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.mgmtPort()).isEqualTo(8091);
        assertThat(c.outputMode()).isEqualTo(OutputMode.SPOOL);
        assertThat(c.spoolLowWaterBytes()).isEqualTo(d.spoolLowWaterBytes());
        assertThat(c.spoolHighWaterBytes()).isEqualTo(d.spoolHighWaterBytes());
        assertThat(c.maxFrameBytes()).isEqualTo(d.maxFrameBytes());
        assertThat(c.preAuthMaxFrameBytes()).isEqualTo(d.preAuthMaxFrameBytes());
        assertThat(c.buckets()).containsExactly(BucketConfig.defaults("default"));
        assertThat(c.authEnabled()).isTrue();
        assertThat(c.users()).containsExactly(UserConfig.admin("Administrator", "password"));
        assertThat(c.saslMechanisms()).containsExactly("SCRAM-SHA512", "SCRAM-SHA256", "SCRAM-SHA1", "PLAIN");
        assertThat(c.expiryPagerInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.maxConnections()).isEqualTo(10_000);
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws IOException {
        Path f = file("port: 1000\noutput-mode: sync\nlog-level: debug\n");
        Map<String, String> env = new HashMap<>(Map.of("KV_PORT", "2000"));
        assertThat(load(env, "--config", f.toString(), "--port", "3000")
                        .config()
                        .port())
                .isEqualTo(3000);
        assertThat(load(env, "--config", f.toString()).config().port()).isEqualTo(2000);
        env.remove("KV_PORT");
        ConfigLoader.Run fromFile = load(env, "--config", f.toString());
        assertThat(fromFile.config().port()).isEqualTo(1000);
        assertThat(fromFile.config().outputMode()).isEqualTo(OutputMode.SYNC);
        assertThat(fromFile.logLevel()).isEqualTo(LogLevel.DEBUG);
        assertThat(load(env).config().port()).isEqualTo(11210);
        // The file can also be named by the environment.
        assertThat(load(Map.of("KV_CONFIG", f.toString())).config().port()).isEqualTo(1000);
    }

    @Test
    void theEffectiveConfigurationSaysWhereEachValueCameFromAndMasksSecrets() {
        List<String> lines = load(
                        Map.of("KV_ADMIN_PASSWORD", "hunter2"),
                        "--output-mode",
                        "sync",
                        "--users",
                        "app:s3cret:default")
                .effective();
        assertThat(lines)
                .contains(
                        "output-mode = sync (flag --output-mode)",
                        "port = 11210 (default)",
                        "admin-password = **** (environment KV_ADMIN_PASSWORD)",
                        "users = **** (flag --users)");
        assertThat(String.join("\n", lines)).doesNotContain("hunter2").doesNotContain("s3cret");
    }

    @Test
    void sizesAndDurationsTakeUnits() {
        ServerConfig c = load(
                        Map.of(),
                        "--spool-low-water",
                        "64k",
                        "--spool-high-water",
                        "2m",
                        "--expiry-pager-interval",
                        "500ms",
                        "--shutdown-timeout",
                        "1m",
                        "--bucket-quota",
                        "1g")
                .config();
        assertThat(c.spoolLowWaterBytes()).isEqualTo(64 * 1024);
        assertThat(c.spoolHighWaterBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(c.expiryPagerInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.buckets().get(0).quotaBytes()).isEqualTo(1L << 30);
    }

    @Test
    void rangeScanLimitsAreSettings() {
        ServerConfig c = load(
                        Map.of("KV_SCAN_IDLE_TIMEOUT", "5s"),
                        "--scan-max-lifetime",
                        "2m",
                        "--max-scans-per-bucket",
                        "8",
                        "--max-scans-per-connection",
                        "2",
                        "--scan-batch-size",
                        "16k")
                .config();
        assertThat(c.rangeScans().idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.rangeScans().maxLifetime()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.rangeScans().maxScansPerBucket()).isEqualTo(8);
        assertThat(c.rangeScans().maxScansPerConnection()).isEqualTo(2);
        assertThat(c.rangeScans().batchBytes()).isEqualTo(16 * 1024);
    }

    @Test
    void bucketsAndUsersComeFromSpecs() {
        ServerConfig c = load(
                        Map.of("KV_BUCKETS", "default; travel:quota=64m,vbuckets=64,flush=false,compression=active"),
                        "--users",
                        "app:pw:travel+default; ops:pw2:admin; all:pw3:*; none:pw4")
                .config();
        assertThat(c.buckets()).extracting(BucketConfig::name).containsExactly("default", "travel");
        BucketConfig travel = c.buckets().get(1);
        assertThat(travel.quotaBytes()).isEqualTo(64L << 20);
        assertThat(travel.numVBuckets()).isEqualTo(64);
        assertThat(travel.flushEnabled()).isFalse();
        assertThat(travel.compression()).isEqualTo(io.kvfrontend.engine.spi.CompressionMode.ACTIVE);
        assertThat(c.buckets().get(0).compression()).isEqualTo(io.kvfrontend.engine.spi.CompressionMode.PASSIVE);
        assertThat(c.users()).hasSize(5);
        assertThat(c.users().get(1))
                .isEqualTo(UserConfig.forBuckets("app", "pw", java.util.Set.of("travel", "default")));
        assertThat(c.users().get(2).admin()).isTrue();
        assertThat(c.users().get(3).allBuckets()).isTrue();
        assertThat(c.users().get(4).buckets()).isEmpty();
    }

    @Test
    void theFileHoldsStructuredBucketsWithCollectionsAndUsers() throws IOException {
        Path f = file("""
                buckets:
                  - name: default
                  - name: travel
                    quota: 128m
                    vbuckets: 64
                    compression: off
                    scopes:
                      inventory: [airline, hotel]
                users:
                  - name: app
                    password: secret
                    buckets: [travel]
                  - name: ops
                    password: other
                    admin: true
                """);
        ServerConfig c = load(Map.of(), "--config", f.toString()).config();
        assertThat(c.buckets()).hasSize(2);
        assertThat(c.buckets().get(1).scopes()).hasSize(1);
        assertThat(c.buckets().get(1).compression()).isEqualTo(io.kvfrontend.engine.spi.CompressionMode.OFF);
        assertThat(c.buckets().get(1).scopes().get(0).collections()).containsExactly("airline", "hotel");
        assertThat(c.users()).extracting(UserConfig::name).containsExactly("Administrator", "app", "ops");
        assertThat(c.users().get(1).buckets()).containsExactly("travel");
        assertThat(c.users().get(2).admin()).isTrue();
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of("port", "abc", "whole number"),
                Arguments.of("port", "70000", "from 0 to 65535"),
                Arguments.of("mgmt-port", "-2", "from -1"),
                Arguments.of("transport", "uring", "auto, epoll, nio"),
                Arguments.of("event-loop-threads", "-1", "from 0"),
                Arguments.of("background-threads", "x", "whole number"),
                Arguments.of("max-connections", "0", "from 1"),
                Arguments.of("output-mode", "fast", "spool, sync"),
                Arguments.of("spool-low-water", "lots", "size in bytes"),
                Arguments.of("spool-high-water", "0", "from 1"),
                Arguments.of("output-quantum", "0", "from 1"),
                Arguments.of("output-quantum", "-64k", "size in bytes"),
                Arguments.of("output-quantum", "fast", "size in bytes"),
                Arguments.of("background-nice", "20", "from 0 to 19"),
                Arguments.of("background-nice", "-1", "from 0 to 19"),
                Arguments.of("socket-send-buffer", "-1", "size in bytes"),
                Arguments.of("socket-send-buffer", "3g", "from 0 to"),
                Arguments.of("max-frame-size", "12", "from 1024"),
                Arguments.of("pre-auth-max-frame-size", "1", "from 256"),
                Arguments.of("max-waiting-requests", "0", "from 1"),
                Arguments.of("max-waiting-bytes", "-5", "size in bytes"),
                Arguments.of("buckets", "bad name!", "bucket name"),
                Arguments.of("buckets", "b:vbuckets=3", "power of two"),
                Arguments.of("buckets", "b:colour=red", "unknown bucket option"),
                Arguments.of("buckets", "b:compression=zip", "off, passive or active"),
                Arguments.of("bucket-quota", "none", "size in bytes"),
                Arguments.of("vbuckets", "2048", "from 1 to 1024"),
                Arguments.of("max-value-size", "big", "size in bytes"),
                Arguments.of("flush-enabled", "maybe", "true or false"),
                Arguments.of("expiry-pager-interval", "soon", "duration"),
                Arguments.of("no-auth", "perhaps", "true or false"),
                Arguments.of("users", "justaname", "NAME:PASSWORD"),
                Arguments.of("sasl-mechanisms", "CRAM-MD5", "CRAM-MD5"),
                Arguments.of("scram-iterations", "1", "from 2"),
                Arguments.of("shutdown-timeout", "later", "duration"),
                // Found by ConfigFuzzTest: these overflowed out of the parser as ArithmeticException.
                Arguments.of("shutdown-timeout", "99999999999999999h", "too large"),
                Arguments.of("auth-timeout", "9999999999999999999999", "too large"),
                Arguments.of("frame-timeout", "soon", "duration"),
                Arguments.of("scan-idle-timeout", "0", "at least"),
                Arguments.of("scan-max-lifetime", "forever", "duration"),
                Arguments.of("max-scans-per-bucket", "0", "from 1"),
                Arguments.of("max-scans-per-connection", "none", "whole number"),
                Arguments.of("scan-batch-size", "1", "from 64"),
                Arguments.of("log-level", "loud", "error, warn, info, debug, trace"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("invalidValues")
    void anInvalidValueStopsStartUpWithOneMessageNamingTheSetting(String key, String value, String allowed) {
        assertThatThrownBy(() -> load(Map.of(), "--" + key, value)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.key()).isEqualTo(key);
            assertThat(e.getMessage()).startsWith(key + ":").contains(allowed);
        });
        // From the environment, the message says so.
        assertThatThrownBy(() -> load(Map.of(Settings.byKey(key).env(), value)))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo(key));
    }

    @Test
    void invalidEnvironmentValuesNameTheirVariable() {
        assertThatThrownBy(() -> load(Map.of("KV_PORT", "eleven")))
                .hasMessageContaining("port:")
                .hasMessageContaining("environment KV_PORT")
                .hasMessageContaining("'eleven'");
        assertThatThrownBy(() -> load(Map.of("KV_ADMIN_PASSWORD", ""), "--scram-iterations", "1"))
                .hasMessageContaining("scram-iterations");
    }

    @Test
    void theOutputQuantumIsASizeAtMostTheHighWaterMarkAndFollowsItWhenUnset() {
        assertThat(load(Map.of()).config().outputQuantumBytes()).isEqualTo(32 * 1024);
        assertThat(load(Map.of(), "--output-quantum", "16k").config().outputQuantumBytes())
                .isEqualTo(16 * 1024);
        assertThat(load(Map.of("KV_OUTPUT_QUANTUM", "100000")).config().outputQuantumBytes())
                .isEqualTo(100_000);
        // Unset, it is the default or the high-water mark, whichever is smaller.
        assertThat(load(Map.of(), "--spool-low-water", "8k", "--spool-high-water", "16k")
                        .config()
                        .outputQuantumBytes())
                .isEqualTo(16 * 1024);
        assertThatThrownBy(() -> load(Map.of(), "--output-quantum", "2m"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("output-quantum");
                    assertThat(e.getMessage()).contains("spool-high-water");
                });
        assertThat(load(Map.of(), "--output-quantum", "16k").effective())
                .contains("output-quantum = 16k (flag --output-quantum)");
        assertThat(load(Map.of(), "--background-nice", "0").config().backgroundNice())
                .isZero();
        assertThat(load(Map.of()).config().backgroundNice()).isEqualTo(10);
    }

    @Test
    void valuesThatDoNotFitTogetherAreRefusedToo() {
        assertThatThrownBy(() -> load(Map.of(), "--spool-low-water", "2m", "--spool-high-water", "1m"))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("spool-low-water"));
        assertThatThrownBy(() -> load(Map.of(), "--buckets", "a;a"))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("buckets"));
        assertThatThrownBy(() -> load(Map.of(), "--users", "Administrator:x"))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("users"));
    }

    @Test
    void theFileIsCheckedToo() throws IOException {
        assertThatThrownBy(() ->
                        load(Map.of(), "--config", dir.resolve("missing.yaml").toString()))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("config"));
        Path unknown = file("prot: 1\n");
        assertThatThrownBy(() -> load(Map.of(), "--config", unknown.toString()))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("prot"));
        Path badValue = file("port: [1, 2]\n");
        assertThatThrownBy(() -> load(Map.of(), "--config", badValue.toString()))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("port"));
        Path bucketWithoutName = file("buckets:\n  - quota: 1m\n");
        assertThatThrownBy(() -> load(Map.of(), "--config", bucketWithoutName.toString()))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("buckets"));
        Path notYaml = file("port: : :\n  - [\n");
        assertThatThrownBy(() -> load(Map.of(), "--config", notYaml.toString()))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("config"));
    }

    @Test
    void anUnknownFlagIsRefused() {
        assertThatThrownBy(() -> load(Map.of(), "--prot", "1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--prot");
    }

    @Test
    void aBareBooleanFlagMeansTrue() {
        assertThat(load(Map.of(), "--no-auth").config().authEnabled()).isFalse();
        assertThat(load(Map.of("KV_NO_AUTH", "true")).config().authEnabled()).isFalse();
        assertThat(load(Map.of("KV_NO_AUTH", "true"), "--no-auth", "false")
                        .config()
                        .authEnabled())
                .isTrue();
    }

    @Test
    void helpListsEverySettingWithItsDefaultAndEnvironmentVariable() {
        String help = ((ConfigLoader.Help) ConfigLoader.load(new String[] {"--help"}, Map.of())).text();
        assertThat(help).contains("--config");
        for (Setting s : Settings.ALL) {
            assertThat(help).as("help mentions %s", s.flag()).contains(s.flag()).contains(s.label());
            assertThat(help.replaceAll("\\s+", " "))
                    .as("help mentions %s", s.env())
                    .contains("Env: " + s.env() + ".");
        }
        assertThat(help.replaceAll("\\s+", " ")).contains("Default: 11210").contains("Default: spool");
    }

    @Test
    void theReadmeConfigurationReferenceIsTheGeneratedOne() throws IOException {
        Path readme =
                Path.of(System.getProperty("user.dir")).resolve("../README.md").normalize();
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        String start = "<!-- config-reference:start -->\n";
        String end = "<!-- config-reference:end -->";
        assertThat(text)
                .as("README has the configuration reference markers")
                .contains(start)
                .contains(end);
        String section = text.substring(text.indexOf(start) + start.length(), text.indexOf(end));
        assertThat(section)
                .as("README configuration reference (regenerate from Settings.markdownReference())")
                .isEqualTo(Settings.markdownReference());
    }
}
