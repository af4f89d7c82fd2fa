package io.kvfrontend.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/compare.sh} as a user runs it, with a short duration: two containers from the
 * project's image (one per output mode), health checks, load, {@code kv-bench compare} from the host,
 * and the report in the folder it names. Runs after the package phase, when both jars exist.
 */
class CompareScriptIT {
    @Test
    void comparesTheTwoModesInContainersAndLeavesTheReport() throws Exception {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath();
        Path root = module.getParent();
        Path out = Files.createTempDirectory(module.resolve("target"), "compare-");
        Path log = out.resolve("compare.log");
        ProcessBuilder pb = new ProcessBuilder(
                        "bash", root.resolve("docker/compare.sh").toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("DURATION", "4s");
        pb.environment().put("ROUNDS", "1");
        pb.environment().put("WARMUP", "0s");
        pb.environment().put("DOCUMENTS", "2000");
        pb.environment().put("OUT", out.resolve("report").toString());
        Process p = pb.start();
        boolean finished = p.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("compare.sh finished; output:\n%s", output).isTrue();
        assertThat(p.exitValue()).as("exit code; output:\n%s", output).isZero();
        assertThat(output)
                .contains("container spool")
                .contains("container sync")
                .contains("healthy")
                .contains("report: " + out.resolve("report").resolve("report.html"));

        Path report = out.resolve("report");
        assertThat(Files.readString(report.resolve("report.md")))
                .contains("| spool | load |")
                .contains("| sync | load |");
        assertThat(Files.readString(report.resolve("report.html"))).contains("data:image/png;base64,");
        JsonNode results =
                new ObjectMapper().readTree(report.resolve("results.json").toFile());
        List<String> sides = new ArrayList<>();
        results.get("sides").fieldNames().forEachRemaining(sides::add);
        assertThat(sides).containsExactly("spool", "sync");
        for (JsonNode phase : results.get("phases")) {
            assertThat(phase.path("ops").path("get").path("count").asLong())
                    .as("gets in %s", phase)
                    .isPositive();
        }
        // The servers' logs say which mode each container ran in.
        try (var logs = Files.list(report)) {
            String all = String.join(
                    "\n",
                    logs.filter(f -> f.getFileName().toString().startsWith("server-"))
                            .map(f -> {
                                try {
                                    return Files.readString(f);
                                } catch (java.io.IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            })
                            .toList());
            assertThat(all).contains("output mode spool").contains("output mode sync");
        }
    }
}
