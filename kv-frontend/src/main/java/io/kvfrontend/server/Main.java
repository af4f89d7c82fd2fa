package io.kvfrontend.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.kvfrontend.config.ConfigException;
import io.kvfrontend.config.ConfigLoader;
import io.kvfrontend.config.LogLevel;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar kv-frontend.jar [flags]}: loads the configuration (defaults < config file <
 * environment < flags, see {@link ConfigLoader}), logs it once with secrets masked, and runs the
 * server until SIGTERM/SIGINT, when it stops gracefully.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "kv-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static void setLogLevel(LogLevel level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level.name()));
        }
    }
}
