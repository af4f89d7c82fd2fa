package io.kvfrontend.connection;

import io.kvfrontend.auth.SaslServer;
import io.kvfrontend.cluster.ClusterMap;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.metrics.ServerStats;
import io.netty.util.concurrent.EventExecutor;

/**
 * What a connection needs from the server it belongs to, and no more: its limits, the shared
 * counters, the engine, SASL, the cluster map, and the layer above that runs its commands. The
 * server's wiring implements it; nothing in this package knows the server.
 *
 * <p><b>Thread-safe</b> (every part is).
 */
public interface ConnectionServices {
    ConnectionLimits limits();

    ServerStats stats();

    OutputMetrics outputMetrics();

    /** The output scheduler of the loop a connection runs on. Any thread. */
    OutputScheduler outputScheduler(EventExecutor loop);

    Engine engine();

    SaslServer sasl();

    ClusterMap clusterMap();

    ConnectionRegistry connections();

    /** Whether a refused connection may be logged now (rate-limited server-wide). */
    boolean mayLogRejection();

    /** The runner of a new connection's commands (the dispatch layer's), made once per connection. */
    CommandRunner commandRunner(Connection connection);
}
