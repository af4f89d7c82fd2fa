package io.kvfrontend.bench;

import com.couchbase.client.core.error.AuthenticationFailureException;
import com.couchbase.client.core.error.BucketNotFoundException;
import com.couchbase.client.core.error.CouchbaseException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.kv.GetOptions;
import com.couchbase.client.java.kv.ScanOptions;
import com.couchbase.client.java.kv.ScanResult;
import com.couchbase.client.java.kv.ScanType;
import com.couchbase.client.java.kv.UpsertOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The official Couchbase Java SDK as a kv-bench client ({@code --client sdk}): one {@link Cluster}
 * per phase, connected and ready before the clock starts; KV operations are blocking calls from
 * worker threads, range scans the SDK's own {@code Collection.scan} with the workload's limits.
 *
 * <p><b>Thread-safe</b> (the SDK's collection is).
 */
final class SdkSession implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(30);
    private final Cluster cluster;
    private final Collection collection;

    private SdkSession(Cluster cluster, Collection collection) {
        this.cluster = cluster;
        this.collection = collection;
    }

    /** Connects to {@code connect}'s target and waits until the bucket is ready. */
    static SdkSession open(PhaseRunner.Connect connect) {
        if (connect.user().isEmpty()) {
            throw new BenchException("--client sdk needs credentials: the SDK always authenticates (drop --no-auth)");
        }
        // The raw client first: it names a wrong address, password or bucket at once, where the SDK
        // would retry until its timeout and then say only that it timed out.
        connect.withSdk(false).open().close();
        Target t = connect.target();
        String host = t.host().contains(":") ? "[" + t.host() + "]" : t.host();
        String seeds =
                host + ":" + t.port() + "=kv" + (t.mgmtPort() >= 0 ? "," + host + ":" + t.mgmtPort() + "=manager" : "");
        Cluster cluster = Cluster.connect(
                "couchbase://" + seeds,
                ClusterOptions.clusterOptions(connect.user(), connect.password())
                        .environment(env -> env.compressionConfig(c -> c.enable(connect.sdkCompression()))
                                .timeoutConfig(c -> c.kvTimeout(Duration.ofSeconds(10))
                                        .kvScanTimeout(Duration.ofSeconds(60))
                                        .connectTimeout(Duration.ofSeconds(10)))));
        try {
            var bucket = cluster.bucket(connect.bucket());
            bucket.waitUntilReady(READY);
            Collection collection = bucket.defaultCollection();
            // The first operation proves the bucket is really usable with these credentials.
            try {
                collection.get("kv-bench-probe");
            } catch (DocumentNotFoundException expected) {
                // the usual answer
            }
            return new SdkSession(cluster, collection);
        } catch (AuthenticationFailureException e) {
            cluster.disconnect();
            throw new BenchException("authentication failed for user " + connect.user() + " at " + t + " (SDK: "
                    + e.getClass().getSimpleName() + ")");
        } catch (BucketNotFoundException e) {
            cluster.disconnect();
            throw new BenchException("bucket " + connect.bucket() + " does not exist at " + t);
        } catch (CouchbaseException e) {
            cluster.disconnect();
            throw new BenchException("the SDK could not use " + t + " bucket " + connect.bucket() + ": "
                    + e.getClass().getSimpleName());
        }
    }

    /** A get; {@code false} if the document does not exist. */
    boolean get(String key) {
        try {
            collection.get(key, GetOptions.getOptions().transcoder(RawBinaryTranscoder.INSTANCE));
            return true;
        } catch (DocumentNotFoundException e) {
            return false;
        }
    }

    void upsert(String key, byte[] value) {
        collection.upsert(key, value, UpsertOptions.upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE));
    }

    /** One whole-collection scan with the workload's limits; counts items and bytes as they come. */
    void scan(Workload.Scans spec, PhaseRunner.ScanCounters counters, AtomicBoolean done) {
        ScanOptions options =
                ScanOptions.scanOptions().idsOnly(!spec.documents()).transcoder(RawBinaryTranscoder.INSTANCE);
        if (!spec.sdkLimits()) {
            options.batchItemLimit(0).batchByteLimit(0);
        }
        try (Stream<ScanResult> results = collection.scan(ScanType.rangeScan(null, null), options)) {
            Iterator<ScanResult> it = results.iterator();
            while (it.hasNext()) {
                ScanResult r = it.next();
                long bytes = r.id().getBytes(StandardCharsets.UTF_8).length;
                if (spec.documents()) {
                    bytes += r.contentAsBytes().length;
                }
                counters.items.incrementAndGet();
                counters.bytes.addAndGet(bytes);
                if (done.get()) {
                    return;
                }
            }
            counters.scans.incrementAndGet();
        }
    }

    @Override
    public void close() {
        cluster.disconnect();
    }
}
