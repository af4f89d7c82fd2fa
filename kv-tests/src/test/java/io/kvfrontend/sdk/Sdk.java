package io.kvfrontend.sdk;

import com.couchbase.client.core.env.SeedNode;
import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.env.ClusterEnvironment;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.MutationResult;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Connects the official Couchbase Java SDK to a test server, the way sdk-compat.md section 10 sets it
 * up: {@code couchbase://127.0.0.1:<port>}, a kvTimeout of at least 2.5 s, and a warm-up (the first
 * operation on a cold JVM can outlive a short timeout while the bucket opens, sdk-compat.md 2.3).
 * Callers always {@link Cluster#disconnect()} what they connect.
 */
final class Sdk {
    static final String ADMIN = "Administrator";
    static final String PASSWORD = "password";
    /** kvTimeout for operations expected to succeed: ample for a loaded 2-core CI box. */
    static final Duration KV_TIMEOUT = Duration.ofSeconds(5);
    /** How long the warm-up keeps retrying the first operation. */
    static final Duration WARM_UP = Duration.ofSeconds(30);

    /** SDK clusters connected in this JVM: the first bootstrap is "cold", later ones "warm". */
    private static final java.util.concurrent.atomic.AtomicInteger CONNECTS =
            new java.util.concurrent.atomic.AtomicInteger();

    private Sdk() {}

    /**
     * Prints a bootstrap measurement (not asserted: timing belongs in benchmarks). Labelled cold when
     * it is the first SDK cluster of this JVM.
     *
     * @param opNanos a warm operation's time, or -1
     */
    static void report(String what, long bootstrapNanos, long opNanos) {
        System.out.printf(
                "SDK bootstrap [%s, %s JVM]: %d ms%s%n",
                what,
                CONNECTS.get() > 1 ? "warm" : "cold",
                bootstrapNanos / 1_000_000,
                opNanos < 0 ? "" : String.format(", then one upsert %.2f ms", opNanos / 1e6));
    }

    /** {@code couchbase://127.0.0.1:<kvPort>}. */
    static String connectionString(int kvPort) {
        return "couchbase://127.0.0.1:" + kvPort;
    }

    /**
     * The KV port and the management port of the same node: the SDK names a node by (host,
     * management port) (sdk-compat.md 2.4), so naming the real one avoids a second node and a
     * second set of connections when the management port is not 8091.
     */
    static String connectionString(int kvPort, int mgmtPort) {
        return "couchbase://127.0.0.1:" + kvPort + "=kv,127.0.0.1:" + mgmtPort + "=manager";
    }

    static Cluster connect(String connectionString, String user, String password) {
        return connect(connectionString, user, password, env -> {});
    }

    /** Connects with {@link #KV_TIMEOUT}, then {@code extra} environment settings. */
    static Cluster connect(
            String connectionString, String user, String password, Consumer<ClusterEnvironment.Builder> extra) {
        CONNECTS.incrementAndGet();
        return Cluster.connect(
                connectionString, ClusterOptions.clusterOptions(user, password).environment(env -> {
                    env.timeoutConfig(t -> t.kvTimeout(KV_TIMEOUT).connectTimeout(Duration.ofSeconds(10)));
                    extra.accept(env);
                }));
    }

    /** The {@code SeedNode} form of a custom KV port (sdk-compat.md scenario 2). */
    static Cluster connectSeed(int kvPort, String user, String password) {
        CONNECTS.incrementAndGet();
        return Cluster.connect(
                Set.of(SeedNode.create("127.0.0.1", Optional.of(kvPort), Optional.empty())),
                ClusterOptions.clusterOptions(user, password)
                        .environment(env -> env.timeoutConfig(
                                t -> t.kvTimeout(KV_TIMEOUT).connectTimeout(Duration.ofSeconds(10)))));
    }

    /**
     * Upserts {@code key} until the bucket is open and the upsert succeeds, within {@link #WARM_UP}:
     * the sdk-compat.md 2.3 warm-up. Returns the first successful result.
     */
    static MutationResult warmUp(Collection collection, String key) {
        long end = System.nanoTime() + WARM_UP.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < end) {
            try {
                return collection.upsert(key, JsonObject.create().put("warm", true));
            } catch (com.couchbase.client.core.error.TimeoutException e) {
                last = e;
            }
        }
        throw new AssertionError("no successful upsert within " + WARM_UP, last);
    }

    /** A bucket's default collection, warmed up. */
    static Collection warmDefaultCollection(Bucket bucket) {
        Collection c = bucket.defaultCollection();
        warmUp(c, "warm-up");
        return c;
    }
}
