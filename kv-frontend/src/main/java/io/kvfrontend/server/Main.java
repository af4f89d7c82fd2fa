package io.kvfrontend.server;

import io.kvfrontend.config.ConfigException;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.config.Transport;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.connection.OutputMode;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar kv-frontend.jar}: starts the server on its defaults, overridden by environment
 * variables and then by flags.
 */
@Command(name = "kv-frontend", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, showDefaultValues = true,
        description = "Serves Couchbase's memcached binary protocol (MCBP) from an in-memory engine.")
public final class Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:KV_PORT:-11210}",
            description = "Plain MCBP port (env KV_PORT).")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "${env:KV_HOST:-0.0.0.0}",
            description = "Address to listen on (env KV_HOST).")
    String host;

    @Option(names = "--output-mode", paramLabel = "spool|sync", defaultValue = "${env:KV_OUTPUT_MODE:-spool}",
            description = "How background threads' writes reach a connection: spool (queue and drain on the "
                    + "event loop) or sync (hand each write to the event loop and wait) (env KV_OUTPUT_MODE).")
    String outputMode;

    @Option(names = "--transport", paramLabel = "auto|epoll|nio", defaultValue = "${env:KV_TRANSPORT:-auto}",
            description = "Socket transport; auto uses native epoll where available (env KV_TRANSPORT).")
    String transport;

    @Option(names = "--mgmt-port", paramLabel = "PORT", defaultValue = "${env:KV_MGMT_PORT:-8091}",
            description = "Management HTTP port (the REST paths SDKs use, e.g. for bucket.waitUntilReady()), also "
                    + "advertised in the cluster map; 0 picks a free port, -1 turns it off (env KV_MGMT_PORT).")
    int mgmtPort;

    @Option(names = "--admin-user", paramLabel = "NAME", defaultValue = "${env:KV_ADMIN_USER:-Administrator}",
            description = "Name of the administrator user (env KV_ADMIN_USER).")
    String adminUser;

    @Option(names = "--admin-password", paramLabel = "PASSWORD",
            defaultValue = "${env:KV_ADMIN_PASSWORD:-password}", showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Administrator password; the default is 'password', with a warning (env "
                    + "KV_ADMIN_PASSWORD).")
    String adminPassword;

    @Option(names = "--no-auth", defaultValue = "${env:KV_NO_AUTH:-false}",
            description = "Let every client use every bucket without authenticating; for local development "
                    + "only (env KV_NO_AUTH).")
    boolean noAuth;

    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Builds the configuration from the parsed options; throws {@link ConfigException} if invalid. */
    ServerConfig config() {
        ServerConfig.Builder b = ServerConfig.builder().port(port).host(host).mgmtPort(mgmtPort)
                .authEnabled(!noAuth).users(List.of(UserConfig.admin(adminUser, adminPassword)));
        try {
            b.outputMode(OutputMode.parse(outputMode));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("output-mode", e.getMessage());
        }
        try {
            b.transport(Transport.parse(transport));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("transport", e.getMessage());
        }
        return b.build();
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config;
        try {
            config = config();
        } catch (ConfigException e) {
            System.err.println("kv-frontend: invalid configuration: " + e.getMessage());
            return 2;
        }
        KvServer server = KvServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "kv-shutdown"));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        int code;
        try {
            code = new CommandLine(new Main()).execute(args);
        } catch (RuntimeException e) {
            LOG.error("kv-frontend failed to start", e);
            code = 1;
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    /** {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kv-frontend " + KvServer.version()};
        }
    }
}
