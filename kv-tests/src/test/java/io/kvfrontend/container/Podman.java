package io.kvfrontend.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's container scripts and podman (through {@code docker/podman.sh}, which carries
 * the settings that work without a Docker engine or systemd), each with a deadline.
 */
final class Podman {
    /** What a command printed and how it ended. */
    record Result(int exitCode, String output) {
        Result orFail(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + " failed with exit code " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    private final Path repo;

    Podman(Path repo) {
        this.repo = repo;
    }

    static Path repoRoot() {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath();
        return module.getParent();
    }

    Result script(String name, Duration deadline, String... args) {
        List<String> cmd = new ArrayList<>(
                List.of("bash", repo.resolve("docker").resolve(name).toString()));
        cmd.addAll(List.of(args));
        return run(deadline, cmd);
    }

    Result podman(Duration deadline, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("bash");
        cmd.add(repo.resolve("docker/podman.sh").toString());
        cmd.addAll(List.of(args));
        return run(deadline, cmd);
    }

    private Result run(Duration deadline, List<String> command) {
        try {
            Process p = new ProcessBuilder(command)
                    .directory(repo.toFile())
                    .redirectErrorStream(true)
                    .start();
            // Read while waiting, so a chatty command cannot block on a full pipe.
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(
                    () -> {
                        try {
                            out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                        } catch (IOException e) {
                            out.append("\n(output lost: ").append(e).append(')');
                        }
                    },
                    "podman-output");
            reader.start();
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                reader.join(5000);
                throw new AssertionError(
                        String.join(" ", command) + " did not finish within " + deadline + ":\n" + out);
            }
            reader.join(10_000);
            return new Result(p.exitValue(), out.toString().trim());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }
}
