package io.kvfrontend.testsupport;

import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.server.KvServer;

/**
 * A real server on an ephemeral loopback port for one test or class; closes everything it started.
 */
public final class TestServer implements AutoCloseable {
    private final KvServer server;

    private TestServer(KvServer server) {
        this.server = server;
    }

    /** Defaults, on 127.0.0.1 and an ephemeral port, with a small event-loop count. */
    public static ServerConfig.Builder config() {
        return ServerConfig.builder().host("127.0.0.1").port(0).eventLoopThreads(2).backgroundThreads(2);
    }

    public static TestServer start() {
        return start(config().build());
    }

    public static TestServer start(OutputMode mode) {
        return start(config().outputMode(mode).build());
    }

    public static TestServer start(ServerConfig config) {
        try {
            return new TestServer(KvServer.start(config));
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

    @Override
    public void close() {
        server.close();
    }
}
