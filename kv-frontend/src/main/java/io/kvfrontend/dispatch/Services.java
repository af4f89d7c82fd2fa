package io.kvfrontend.dispatch;

import io.kvfrontend.auth.SaslServer;
import io.kvfrontend.cluster.ClusterMap;
import io.kvfrontend.cluster.ErrorMap;
import io.kvfrontend.connection.ConnectionRegistry;
import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.metrics.BucketMetrics;
import io.kvfrontend.metrics.CommandMetrics;
import io.kvfrontend.metrics.ServerStats;
import java.util.Map;

/**
 * What executors need from the server, handed down instead of the server itself: the engine, SASL,
 * the cluster and error maps, the counters and meters, and the few server-wide facts STAT and
 * HELLO report. The server's wiring implements it; tests can implement it with real parts.
 *
 * <p><b>Thread-safe</b> (every part is).
 */
public interface Services {
    Engine engine();

    SaslServer sasl();

    ClusterMap clusterMap();

    ErrorMap errorMap();

    ServerStats stats();

    /** {@code kv.commands} and {@code kv.command.duration}. */
    CommandMetrics commandMetrics();

    /** Per-bucket meters; bucket commands report creations and deletions here. */
    BucketMetrics bucketMetrics();

    OutputMetrics outputMetrics();

    /** The {@code output} STAT group. */
    Map<String, String> outputStats();

    ConnectionRegistry connections();

    /** Every connection that asked for cluster-map change notifications gets the current map. Any thread. */
    void pushClusterMap();

    String version();

    String transportName();

    int eventLoopThreads();

    /** When the server started (epoch milliseconds). */
    long startMillis();
}
