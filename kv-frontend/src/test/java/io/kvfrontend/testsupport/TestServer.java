package io.kvfrontend.testsupport;

import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.dispatch.CommandSpec;
import io.kvfrontend.server.Engines;
import io.kvfrontend.server.KvServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;

/**
 * A real server on an ephemeral loopback port for one test or class; closes everything it started.
 */
public final class TestServer implements AutoCloseable {
    private final KvServer server;

    private TestServer(KvServer server) {
        this.server = server;
    }

    /**
     * Defaults, on 127.0.0.1 and an ephemeral port, with a small event-loop count, without the
     * management HTTP port, and with authentication off: protocol tests exercise the protocol;
     * tests of authentication (and of SDKs, which always authenticate) turn it on with
     * {@link #withAuth()}.
     */
    public static ServerConfig.Builder config() {
        return ServerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .eventLoopThreads(2)
                .backgroundThreads(2)
                .authEnabled(false)
                .mgmtPort(-1)
                .scramIterations(64);
    }

    /** Like {@link #config()} with authentication on and the default administrator. */
    public static ServerConfig.Builder withAuth() {
        return config().authEnabled(true);
    }

    public static TestServer start() {
        return start(config().build());
    }

    public static TestServer start(OutputMode mode) {
        return start(config().outputMode(mode).build());
    }

    public static TestServer start(ServerConfig config) {
        return start(config, List.of());
    }

    /** A server with extra commands (replacing standard ones with the same opcode). */
    public static TestServer start(ServerConfig config, List<CommandSpec> extraCommands) {
        try {
            return new TestServer(
                    KvServer.start(config, Engines.fromConfig(config), new SimpleMeterRegistry(), extraCommands));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A server with its meters in {@code registry} (a {@code PrometheusMeterRegistry} exports them at
     * {@code /metrics}) and extra commands.
     */
    public static TestServer start(
            ServerConfig config,
            io.micrometer.core.instrument.MeterRegistry registry,
            List<CommandSpec> extraCommands) {
        try {
            return new TestServer(KvServer.start(config, Engines.fromConfig(config), registry, extraCommands));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A server whose engine has these range-scan limits (idle timeout, lifetime, concurrency, batch size). */
    public static TestServer start(ServerConfig config, io.kvfrontend.engine.spi.RangeScanSettings scans) {
        try {
            return new TestServer(
                    KvServer.start(config, Engines.fromConfig(config, scans), new SimpleMeterRegistry(), List.of()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.port();
    }

    public KvServer server() {
        return server;
    }

    public McbpClient client() {
        return McbpClient.connect(port());
    }

    /**
     * The server side of a client's connection, once the server has registered it.
     */
    public io.kvfrontend.connection.Connection connectionOf(McbpClient client) {
        int localPort = client.socket().getLocalPort();
        return Await.value(
                java.time.Duration.ofSeconds(5),
                () -> server.context()
                        .connections()
                        .find(c ->
                                c.remoteAddress() instanceof java.net.InetSocketAddress a && a.getPort() == localPort),
                "server-side connection for client port " + localPort);
    }

    @Override
    public void close() {
        server.close();
    }
}
