package io.kvfrontend.it;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.TestServer;
import java.util.EnumMap;
import java.util.Map;

/**
 * One test server per output mode, for tests parameterized over {@link OutputMode}: the server must
 * behave identically whichever way off-loop writes reach a channel (conventions.md, "Parameterize
 * over output mode").
 */
final class ModeServers implements AutoCloseable {
    private final Map<OutputMode, TestServer> servers = new EnumMap<>(OutputMode.class);

    static ModeServers start() {
        ModeServers s = new ModeServers();
        try {
            for (OutputMode m : OutputMode.values()) {
                s.servers.put(m, TestServer.start(m));
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    TestServer get(OutputMode mode) {
        return servers.get(mode);
    }

    int port(OutputMode mode) {
        return servers.get(mode).port();
    }

    @Override
    public void close() {
        servers.values().forEach(TestServer::close);
        servers.clear();
    }
}
