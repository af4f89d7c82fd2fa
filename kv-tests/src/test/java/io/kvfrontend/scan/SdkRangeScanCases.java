package io.kvfrontend.scan;

import static com.couchbase.client.java.kv.ScanOptions.scanOptions;
import static com.couchbase.client.java.kv.ScanTerm.exclusive;
import static com.couchbase.client.java.kv.ScanTerm.inclusive;
import static com.couchbase.client.java.kv.ScanType.prefixScan;
import static com.couchbase.client.java.kv.ScanType.rangeScan;
import static com.couchbase.client.java.kv.ScanType.samplingScan;
import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.MutationResult;
import com.couchbase.client.java.kv.MutationState;
import com.couchbase.client.java.kv.ScanResult;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.ScopeConfig;
import io.kvfrontend.engine.spi.StoreMode;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The range-scan scenarios of sdk-compat.md 10 (16 to 23) with the official Java SDK, plus a scan
 * of 100,000 documents, against one server in the output mode of the subclass. One Cluster for the
 * class. The default collection holds 100 {@code doc::NNN} documents and 10 others; collection
 * {@code _default.big} holds the 100,000.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SdkRangeScanCases {
    private static final int BIG = 100_000;

    private final OutputMode mode;
    private TestServer server;
    private Cluster cluster;
    private Collection collection;
    private final Map<String, GetResult> written = new HashMap<>();

    SdkRangeScanCases(OutputMode mode) {
        this.mode = mode;
    }

    @BeforeAll
    void start() {
        BucketConfig bucket =
                BucketConfig.defaults("default").withScopes(List.of(new ScopeConfig("_default", List.of("big"))));
        server = TestServer.start(
                TestServer.withAuth().outputMode(mode).buckets(List.of(bucket)).build());
        cluster = Cluster.connect(
                "couchbase://127.0.0.1:" + server.port(),
                ClusterOptions.clusterOptions("Administrator", "password")
                        .environment(env -> env.timeoutConfig(
                                t -> t.kvTimeout(Duration.ofSeconds(5)).kvScanTimeout(Duration.ofSeconds(30)))));
        collection = cluster.bucket("default").defaultCollection();
        // Warm-up: the first operation on a cold client waits for the bucket to open.
        Await.until(
                Duration.ofSeconds(30),
                () -> {
                    try {
                        collection.upsert("warm-up", JsonObject.create().put("warm", true));
                        return true;
                    } catch (RuntimeException e) {
                        return false;
                    }
                },
                "the SDK never got a bucket connection");
        collection.remove("warm-up");
        for (int i = 0; i < 100; i++) {
            String id = String.format("doc::%03d", i);
            collection.upsert(id, JsonObject.create().put("n", i));
            written.put(id, collection.get(id));
        }
        for (int i = 0; i < 10; i++) {
            String id = "other-" + i;
            collection.upsert(id, JsonObject.create().put("other", i));
            written.put(id, collection.get(id));
        }
        // The big collection is filled through the engine: this test is about scanning, not loading.
        var engineBucket = server.server().engine().bucket("default");
        int big = engineBucket.collections().collection("_default", "big").id();
        for (int i = 0; i < BIG; i++) {
            byte[] key = String.format("big::%06d", i).getBytes(StandardCharsets.UTF_8);
            byte[] value = ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            assertThat(engineBucket
                            .store(StoreMode.SET, new DocKey(big, key), value, 0, 0, 0, Datatype.JSON, false)
                            .isSuccess())
                    .isTrue();
        }
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.disconnect();
        }
        if (server != null) {
            server.close();
        }
    }

    private static List<ScanResult> list(Stream<ScanResult> s) {
        try (s) {
            return s.toList();
        }
    }

    private static Set<String> ids(List<ScanResult> results) {
        return results.stream().map(ScanResult::id).collect(Collectors.toSet());
    }

    private static Set<String> docIds(int from, int toExclusive) {
        return IntStream.range(from, toExclusive)
                .mapToObj(i -> String.format("doc::%03d", i))
                .collect(Collectors.toSet());
    }

    /** Scenario 16: an inclusive range; each item's content and CAS are those of a get. */
    @Test
    void inclusiveRange() {
        List<ScanResult> r = list(collection.scan(rangeScan(inclusive("doc::000"), inclusive("doc::049"))));
        assertThat(r).hasSize(50);
        assertThat(ids(r)).isEqualTo(docIds(0, 50));
        for (ScanResult item : r) {
            GetResult got = written.get(item.id());
            assertThat(item.idOnly()).isFalse();
            assertThat(item.cas()).isEqualTo(got.cas());
            assertThat(item.contentAsObject()).isEqualTo(got.contentAsObject());
        }
    }

    /** Scenario 17: an exclusive range. */
    @Test
    void exclusiveRange() {
        List<ScanResult> r = list(collection.scan(rangeScan(exclusive("doc::000"), exclusive("doc::049"))));
        assertThat(r).hasSize(48);
        assertThat(ids(r)).isEqualTo(docIds(1, 49));
    }

    /** Scenario 18: a prefix, the full range, and a prefix nothing has. */
    @Test
    void prefixFullAndEmpty() {
        assertThat(ids(list(collection.scan(prefixScan("doc::"))))).isEqualTo(docIds(0, 100));
        List<ScanResult> all = list(collection.scan(rangeScan(null, null)));
        assertThat(all).hasSize(110);
        assertThat(ids(all)).isEqualTo(written.keySet());
        assertThat(list(collection.scan(prefixScan("zzz")))).isEmpty();
    }

    /** Scenario 19: ids only. */
    @Test
    void idsOnly() {
        List<ScanResult> r =
                list(collection.scan(prefixScan("doc::"), scanOptions().idsOnly(true)));
        assertThat(r).hasSize(100).allSatisfy(item -> assertThat(item.idOnly()).isTrue());
        assertThat(ids(r)).isEqualTo(docIds(0, 100));
    }

    /** Scenario 20: tiny batches drive the RangeScanMore / continue loop. */
    @Test
    void smallBatchLimits() {
        List<ScanResult> r = list(collection.scan(
                prefixScan("doc::"), scanOptions().batchItemLimit(3).batchByteLimit(100)));
        assertThat(r).hasSize(100);
        assertThat(ids(r)).isEqualTo(docIds(0, 100));
    }

    /** Scenario 21: sampling, and more samples than documents (never ERANGE). */
    @Test
    void sampling() {
        List<ScanResult> five = list(collection.scan(samplingScan(5)));
        assertThat(five).hasSize(5);
        assertThat(ids(five)).hasSize(5).isSubsetOf(written.keySet());
        List<ScanResult> all = list(collection.scan(samplingScan(1000, 42)));
        assertThat(ids(all)).isEqualTo(written.keySet());
        assertThat(all).hasSize(110);
    }

    /**
     * Scenario 22: stopping early sends RangeScanCancel; a full scan afterwards still sees everything.
     * Run on the big collection: there a vBucket's scan is still open after five items (with 100
     * documents over 1024 vBuckets every scan completes within its first batch of three, and there
     * is nothing left to cancel).
     */
    @Test
    void earlyStopCancels() {
        Collection big = cluster.bucket("default").defaultScope().collection("big");
        long cancelledBefore = ScanServers.stats(server).cancelled();
        List<ScanResult> five = big.reactive()
                .scan(prefixScan("big::"), scanOptions().batchItemLimit(3))
                .take(5)
                .collectList()
                .block(Duration.ofSeconds(30));
        assertThat(five).hasSize(5);
        assertThat(ids(five)).hasSize(5).allSatisfy(id -> assertThat(id).startsWith("big::"));
        Await.until(
                Duration.ofSeconds(20),
                () -> ScanServers.stats(server).cancelled() > cancelledBefore
                        && ScanServers.stats(server).open() == 0,
                () -> "no cancel: " + ScanServers.stats(server));
        assertThat(ids(list(collection.scan(prefixScan("doc::"))))).isEqualTo(docIds(0, 100));
    }

    /** Scenario 23: consistentWith a mutation token includes the document just written. */
    @Test
    void consistentWith() {
        MutationResult m = collection.upsert("doc::new", JsonObject.create().put("fresh", true));
        assertThat(m.mutationToken()).isPresent();
        try {
            List<ScanResult> r = list(collection.scan(
                    prefixScan("doc::"),
                    scanOptions()
                            .consistentWith(MutationState.from(m.mutationToken().get()))));
            assertThat(ids(r)).contains("doc::new").hasSize(101);
        } finally {
            collection.remove("doc::new");
        }
    }

    /** 100,000 documents in one collection, each returned exactly once with its own content. */
    @Test
    void aHundredThousandDocumentsExactlyOnce() {
        Collection big = cluster.bucket("default").defaultScope().collection("big");
        List<ScanResult> r = list(big.scan(
                rangeScan(null, null), scanOptions().batchItemLimit(500).batchByteLimit(64 * 1024)));
        assertThat(r).hasSize(BIG);
        Set<String> seen = new HashSet<>();
        List<String> wrong = new ArrayList<>();
        for (ScanResult item : r) {
            assertThat(seen.add(item.id())).as("duplicate " + item.id()).isTrue();
            int i = Integer.parseInt(item.id().substring("big::".length()));
            if (item.contentAsObject().getInt("i") != i) {
                wrong.add(item.id());
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(seen).hasSize(BIG);
    }
}
