package io.kvfrontend.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.kvfrontend.config.ConfigException;
import io.kvfrontend.config.ConfigLoader;
import io.kvfrontend.config.LogLevel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code java -jar kv-frontend.jar [flags]}: loads the configuration (defaults < config file <
 * environment < flags, see {@link ConfigLoader}), logs it once with secrets masked, and runs the
 * server until SIGTERM/SIGINT, when it stops gracefully. SIGHUP reloads the configuration the same
 * way and applies what can change at runtime (the output mode); other changes are logged as needing
 * a restart.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.getenv(), System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the server (blocking until it is stopped) or prints help; returns the exit code. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ConfigLoader.Outcome outcome;
        try {
            outcome = ConfigLoader.load(args, env);
        } catch (ConfigException e) {
            err.println("kv-frontend: invalid configuration: " + e.getMessage());
            return 2;
        }
        if (outcome instanceof ConfigLoader.Help h) {
            out.print(h.text());
            return 0;
        }
        if (outcome instanceof ConfigLoader.Version) {
            out.println("kv-frontend " + KvServer.version());
            return 0;
        }
        ConfigLoader.Run run = (ConfigLoader.Run) outcome;
        setLogLevel(run.logLevel());
        LOG.info("effective configuration:\n  {}", String.join("\n  ", run.effective()));
        // The handler goes in before the port opens: a SIGHUP that arrives while the server starts
        // is applied once it has started, instead of ending the JVM (the signal's default action).
        Reloader reloader = new Reloader(args, env, run);
        reloader.install();
        KvServer server;
        try {
            server = KvServer.start(run.config());
        } catch (ConfigException e) {
            err.println("kv-frontend: cannot start: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (RuntimeException e) {
            LOG.error("kv-frontend failed to start", e);
            return 1;
        }
        reloader.started(server);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                        },
                        "kv-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Reloads the configuration on SIGHUP, where the platform has it; one reload at a time. */
    private static final class Reloader {
        private final String[] args;
        private final Map<String, String> env;
        private final List<String> loaded;
        private KvServer server;
        private boolean pending;

        Reloader(String[] args, Map<String, String> env, ConfigLoader.Run first) {
            this.args = args;
            this.env = env;
            this.loaded = new ArrayList<>(first.effective());
        }

        void install() {
            try {
                SignalHandler previous = Signal.handle(new Signal("HUP"), s -> signalled());
                if (previous == SignalHandler.SIG_IGN) {
                    // The JVM keeps an inherited "ignore" (e.g. under nohup) and never calls the handler.
                    LOG.warn("SIGHUP is ignored by this process (started under nohup?): the configuration "
                            + "cannot be reloaded by signal; POST /settings/output-mode switches the mode");
                }
            } catch (IllegalArgumentException e) {
                LOG.debug("no SIGHUP on this platform: the configuration cannot be reloaded", e);
            }
        }

        private synchronized void signalled() {
            if (server == null) {
                pending = true;
                return;
            }
            reload(args, env, loaded, server);
        }

        /** The server is up: a SIGHUP received while it started is applied now. */
        synchronized void started(KvServer s) {
            server = s;
            if (pending) {
                pending = false;
                reload(args, env, loaded, server);
            }
        }
    }

    /**
     * Loads the configuration again (file, environment, flags, in the same order as at start-up),
     * applies its output mode, and logs the settings that changed but need a restart. A configuration
     * that does not load changes nothing.
     */
    static void reload(String[] args, Map<String, String> env, List<String> loaded, KvServer server) {
        ConfigLoader.Outcome outcome;
        try {
            outcome = ConfigLoader.load(args, env);
        } catch (ConfigException e) {
            LOG.warn("SIGHUP: configuration not reloaded, nothing changed: {}", e.getMessage());
            return;
        }
        if (!(outcome instanceof ConfigLoader.Run run)) {
            return;
        }
        server.context().switchOutputMode(run.config().outputMode(), "configuration reloaded on SIGHUP");
        List<String> changed = new ArrayList<>(run.effective());
        changed.removeAll(loaded);
        changed.removeIf(line -> line.startsWith("output-mode"));
        if (!changed.isEmpty()) {
            LOG.warn("SIGHUP: these settings changed but apply only at restart:\n  {}", String.join("\n  ", changed));
        }
        loaded.clear();
        loaded.addAll(run.effective());
    }

    private static void setLogLevel(LogLevel level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level.name()));
        }
    }
}
