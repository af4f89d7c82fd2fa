package io.kvfrontend.dispatch;

import io.kvfrontend.auth.SaslServer;
import io.kvfrontend.cluster.ClusterMap;
import io.kvfrontend.cluster.ErrorMap;
import io.kvfrontend.connection.ConnectionRegistry;
import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.connection.Session;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.metrics.BucketMetrics;
import io.kvfrontend.metrics.CommandMetrics;
import io.kvfrontend.metrics.ServerStats;
import java.util.Map;
import java.util.concurrent.Executor;

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

    /**
     * Creates a bucket and tells the cluster (map revision, push, metrics, log). {@link
     * Status#KEY_EEXISTS} if it exists.
     *
     * @param who who asked, for the log
     */
    Status createBucket(BucketConfig config, String who);

    /**
     * Deletes a bucket and tells the cluster; its users are disconnected once the command each is
     * running has answered and their output is flushed, except {@code caller} (may be {@code
     * null}), which only loses its bucket. {@link Status#KEY_ENOENT} if there is none.
     */
    Status deleteBucket(String name, String who, Session caller);

    String version();

    String transportName();

    int eventLoopThreads();

    /** When the server started (epoch milliseconds). */
    long startMillis();

    /**
     * Where commands run work too slow for an event loop (PLAIN's PBKDF2, about a millisecond per
     * attempt): a small pool of low-priority threads. {@code null} when there are no event loops to
     * protect (connections on an {@code EmbeddedChannel}, socketless sessions): such work then runs
     * inline.
     */
    default Executor slowWork() {
        return null;
    }
}
