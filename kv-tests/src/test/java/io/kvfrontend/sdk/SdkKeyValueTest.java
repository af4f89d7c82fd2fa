package io.kvfrontend.sdk;

import static com.couchbase.client.java.kv.DecrementOptions.decrementOptions;
import static com.couchbase.client.java.kv.GetOptions.getOptions;
import static com.couchbase.client.java.kv.IncrementOptions.incrementOptions;
import static com.couchbase.client.java.kv.RemoveOptions.removeOptions;
import static com.couchbase.client.java.kv.ReplaceOptions.replaceOptions;
import static com.couchbase.client.java.kv.UpsertOptions.upsertOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.AmbiguousTimeoutException;
import com.couchbase.client.core.error.CasMismatchException;
import com.couchbase.client.core.error.DocumentExistsException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.DocumentNotLockedException;
import com.couchbase.client.core.msg.kv.DurabilityLevel;
import com.couchbase.client.core.msg.kv.MutationToken;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.MutationResult;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sdk-compat.md section 10, the KV scenarios (1, 3-12 and 24), with the official Java SDK against
 * one server and one shared {@link Cluster}. Each test uses its own keys, so they run in any order.
 */
class SdkKeyValueTest {
    private static final Duration SHORT = Duration.ofMillis(800);

    private static TestServer server;
    private static Cluster cluster;
    private static Collection collection;

    @BeforeAll
    static void connect() {
        server = TestServer.start(TestServer.withAuth().mgmtPort(-1).build());
        cluster = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
        collection = Sdk.warmDefaultCollection(cluster.bucket("default"));
    }

    /**
     * After every KV call above (with the SDK's own bootstrap, polling and durability), no command
     * the SDK sent was answered UnknownCommand or NotSupported: the server serves all it needs.
     */
    @AfterAll
    static void disconnect() {
        java.util.List<String> unserved = new java.util.ArrayList<>();
        if (server != null) {
            server.server().context().commandMetrics().forEachCount((op, status, n) -> {
                if (status.equals("unknown_command") || status.equals("not_supported")) {
                    unserved.add(op + " " + status + " x" + n);
                }
            });
        }
        if (cluster != null) {
            cluster.disconnect();
        }
        if (server != null) {
            server.close();
        }
        assertThat(unserved)
                .as("commands the Java SDK sent that the server does not serve")
                .isEmpty();
    }

    private static Bucket engineBucket() {
        return server.server().engine().bucket("default");
    }

    /** The SDK's vBucket of a key: {@code ((crc32(key) >>> 16) & 0x7fff) & (n - 1)} (sdk-compat.md 3.3). */
    private static int crcVbucket(String key, int numVBuckets) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) ((crc.getValue() >>> 16) & 0x7fff) & (numVBuckets - 1);
    }

    @Test
    void scenario1UpsertGivesACasAndAMutationTokenForTheCrcVbucket() {
        MutationResult r = collection.upsert("s1-k1", JsonObject.create().put("a", 1));

        assertThat(r.cas()).isNotZero();
        assertThat(r.mutationToken()).isPresent();
        MutationToken token = r.mutationToken().orElseThrow();
        assertThat(token.bucketName()).isEqualTo("default");
        int vb = crcVbucket("s1-k1", 1024);
        assertThat(token.partitionID()).isEqualTo((short) vb);
        assertThat(token.partitionUUID()).isEqualTo(engineBucket().vbucketUuid(vb));
        assertThat(token.sequenceNumber())
                .isPositive()
                .isLessThanOrEqualTo(engineBucket().highSeqno(vb));
    }

    @Test
    void scenario3GetReturnsTheContentAndTheCasOfTheUpsert() {
        MutationResult m = collection.upsert("s3-k1", JsonObject.create().put("a", 1));

        GetResult g = collection.get("s3-k1");

        assertThat(g.contentAsObject()).isEqualTo(JsonObject.create().put("a", 1));
        assertThat(g.cas()).isEqualTo(m.cas());
    }

    @Test
    void scenario4GetOfAMissingDocumentIsDocumentNotFound() {
        assertThatThrownBy(() -> collection.get("s4-missing")).isInstanceOf(DocumentNotFoundException.class);
    }

    @Test
    void scenario5InsertOfAnExistingDocumentIsDocumentExists() {
        collection.upsert("s5-k1", JsonObject.create().put("a", 1));

        assertThatThrownBy(() -> collection.insert("s5-k1", JsonObject.create().put("a", 2)))
                .isInstanceOf(DocumentExistsException.class);
        MutationResult inserted = collection.insert("s5-k2", JsonObject.create().put("b", 2));
        assertThat(inserted.cas()).isNotZero();
        assertThat(collection.get("s5-k2").contentAsObject().getInt("b")).isEqualTo(2);
        assertThat(collection.get("s5-k1").contentAsObject().getInt("a")).isEqualTo(1);
    }

    @Test
    void scenario6ReplaceOfMissingIsNotFoundStaleCasMismatchCurrentCasSucceeds() {
        assertThatThrownBy(() -> collection.replace("s6-missing", JsonObject.create()))
                .isInstanceOf(DocumentNotFoundException.class);
        long stale = collection.upsert("s6-k1", JsonObject.create().put("v", 1)).cas();
        long current =
                collection.upsert("s6-k1", JsonObject.create().put("v", 2)).cas();

        assertThatThrownBy(() -> collection.replace(
                        "s6-k1",
                        JsonObject.create().put("v", 3),
                        replaceOptions().cas(stale)))
                .isInstanceOf(CasMismatchException.class);
        MutationResult replaced = collection.replace(
                "s6-k1", JsonObject.create().put("v", 4), replaceOptions().cas(current));

        assertThat(replaced.cas()).isNotZero().isNotEqualTo(current);
        assertThat(collection.get("s6-k1").contentAsObject().getInt("v")).isEqualTo(4);
    }

    @Test
    void scenario7RemoveWithAWrongCasIsCasMismatchThenRemovesOnceOnly() {
        collection.upsert("s7-k2", JsonObject.create().put("a", 1));

        assertThatThrownBy(() -> collection.remove("s7-k2", removeOptions().cas(1)))
                .isInstanceOf(CasMismatchException.class);
        assertThat(collection.remove("s7-k2").cas()).isNotZero();
        assertThatThrownBy(() -> collection.get("s7-k2")).isInstanceOf(DocumentNotFoundException.class);
        assertThatThrownBy(() -> collection.remove("s7-k2")).isInstanceOf(DocumentNotFoundException.class);
    }

    @Test
    void scenario8ExistsIsTrueForADocumentAndFalseForAMissingOne() {
        collection.upsert("s8-k1", JsonObject.create().put("a", 1));

        assertThat(collection.exists("s8-k1").exists()).isTrue();
        assertThat(collection.exists("s8-missing").exists()).isFalse();
    }

    @Test
    void replicaReadsOfABucketWithoutReplicasReadTheActiveCopy() {
        MutationResult m = collection.upsert("replica-k", JsonObject.create().put("r", 1));

        var any = collection.getAnyReplica("replica-k");
        assertThat(any.contentAsObject().getInt("r")).isEqualTo(1);
        assertThat(any.cas()).isEqualTo(m.cas());
        assertThat(any.isReplica()).isFalse();
        assertThat(collection.getAllReplicas("replica-k").toList())
                .singleElement()
                .satisfies(r -> assertThat(r.isReplica()).isFalse());

        // As against Couchbase Server: no copy anywhere is DocumentUnretrievable, and an empty stream.
        assertThatThrownBy(() -> collection.getAnyReplica("replica-missing"))
                .isInstanceOf(com.couchbase.client.core.error.DocumentUnretrievableException.class);
        assertThat(collection.getAllReplicas("replica-missing").toList()).isEmpty();
    }

    @Test
    void legacyDurabilityPollsWithObserveAndSucceedsOnTheActiveCopy() {
        // PersistTo/ReplicateTo make the SDK poll ObserveSeqno (mutation tokens are on); the
        // in-memory bucket counts an applied mutation as persisted.
        MutationResult r = collection.upsert(
                "legacy-durable",
                JsonObject.create().put("d", 1),
                upsertOptions()
                        .durability(
                                com.couchbase.client.java.kv.PersistTo.ACTIVE,
                                com.couchbase.client.java.kv.ReplicateTo.NONE));
        assertThat(r.cas()).isNotZero();
        collection.remove(
                "legacy-durable",
                removeOptions()
                        .durability(
                                com.couchbase.client.java.kv.PersistTo.ONE,
                                com.couchbase.client.java.kv.ReplicateTo.NONE));
        assertThatThrownBy(() -> collection.get("legacy-durable")).isInstanceOf(DocumentNotFoundException.class);
    }

    @Test
    void scenario9ExpiryRemovesTheDocumentTouchOfMissingFailsGetAndTouchReads() {
        collection.upsert("s9-ttl", "x", upsertOptions().expiry(Duration.ofSeconds(1)));
        assertThat(engineBucket().getMeta(DocKey.ofDefault(bytes("s9-ttl"))).expiry())
                .isNotZero();

        Await.until(
                Duration.ofSeconds(15),
                () -> {
                    try {
                        collection.get("s9-ttl");
                        return false;
                    } catch (DocumentNotFoundException e) {
                        return true;
                    }
                },
                "the document with a 1 s expiry is gone");
        assertThatThrownBy(() -> collection.touch("s9-missing", Duration.ofSeconds(1)))
                .isInstanceOf(DocumentNotFoundException.class);
        collection.upsert("s9-k1", JsonObject.create().put("a", 1));
        GetResult touched = collection.getAndTouch("s9-k1", Duration.ofSeconds(200));
        assertThat(touched.contentAsObject().getInt("a")).isEqualTo(1);
        assertThat(engineBucket().getMeta(DocKey.ofDefault(bytes("s9-k1"))).expiry())
                .isNotZero();
    }

    @Test
    void scenario10LockedDocumentsTimeOutWritersAndUnlockChecksTheLockCas() {
        long before =
                collection.upsert("s10-k1", JsonObject.create().put("a", 1)).cas();
        GetResult locked = collection.getAndLock("s10-k1", Duration.ofSeconds(10));
        long lockCas = locked.cas();
        assertThat(lockCas).isNotZero().isNotEqualTo(before);

        assertThatThrownBy(() -> collection.upsert(
                        "s10-k1",
                        JsonObject.create().put("a", 2),
                        upsertOptions().timeout(SHORT)))
                .isInstanceOf(AmbiguousTimeoutException.class)
                .hasMessageContaining("KV_LOCKED");
        assertThatThrownBy(() -> collection.unlock("s10-k1", lockCas + 1)).isInstanceOf(CasMismatchException.class);
        collection.unlock("s10-k1", lockCas);
        assertThatThrownBy(() -> collection.unlock("s10-k1", lockCas)).isInstanceOf(DocumentNotLockedException.class);

        long relock = collection.getAndLock("s10-k1", Duration.ofSeconds(10)).cas();
        MutationResult replaced = collection.replace(
                "s10-k1", JsonObject.create().put("a", 3), replaceOptions().cas(relock));
        assertThat(replaced.cas()).isNotZero();
        collection.upsert(
                "s10-k1", JsonObject.create().put("a", 4), upsertOptions().timeout(SHORT));
        assertThat(collection.get("s10-k1").contentAsObject().getInt("a")).isEqualTo(4);
    }

    @Test
    void scenario11CountersNeedAnInitialValueThenCount() {
        assertThatThrownBy(() -> collection.binary().increment("s11-ctr"))
                .isInstanceOf(DocumentNotFoundException.class);

        assertThat(collection
                        .binary()
                        .increment("s11-ctr", incrementOptions().initial(10))
                        .content())
                .isEqualTo(10);
        assertThat(collection.binary().increment("s11-ctr").content()).isEqualTo(11);
        assertThat(collection
                        .binary()
                        .decrement("s11-ctr", decrementOptions().delta(5))
                        .content())
                .isEqualTo(6);
        assertThat(collection.get("s11-ctr").contentAs(Long.class)).isEqualTo(6L);
    }

    @Test
    void scenario12AppendConcatenatesRawBytesAndFailsOnMissing() {
        collection.upsert("s12-bin", bytes("Hello"), upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE));

        collection.binary().append("s12-bin", bytes(" World"));

        byte[] got = collection
                .get("s12-bin", getOptions().transcoder(RawBinaryTranscoder.INSTANCE))
                .contentAs(byte[].class);
        assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("Hello World");
        assertThatThrownBy(() -> collection.binary().append("s12-missing", bytes("x")))
                .isInstanceOf(DocumentNotFoundException.class);
    }

    @Test
    void scenario24DurableUpsertSucceedsWithTheDurableWriteCapability() {
        MutationResult r = collection.upsert(
                "s24-durable", JsonObject.create().put("d", 1), upsertOptions().durability(DurabilityLevel.MAJORITY));

        assertThat(r.cas()).isNotZero();
        assertThat(r.mutationToken()).isPresent();
        assertThat(collection.get("s24-durable").contentAsObject().getInt("d")).isEqualTo(1);
    }

    @Test
    void scenario24ReplaceWithPreserveExpiryKeepsTheExpiry() {
        collection.upsert(
                "s24-ttl", JsonObject.create().put("v", 1), upsertOptions().expiry(Duration.ofSeconds(500)));
        long expiry = engineBucket().getMeta(DocKey.ofDefault(bytes("s24-ttl"))).expiry();
        assertThat(expiry).isNotZero();

        collection.replace(
                "s24-ttl", JsonObject.create().put("v", 2), replaceOptions().preserveExpiry(true));
        assertThat(engineBucket().getMeta(DocKey.ofDefault(bytes("s24-ttl"))).expiry())
                .isEqualTo(expiry);
        assertThat(collection.get("s24-ttl").contentAsObject().getInt("v")).isEqualTo(2);

        collection.replace("s24-ttl", JsonObject.create().put("v", 3));
        assertThat(engineBucket().getMeta(DocKey.ofDefault(bytes("s24-ttl"))).expiry())
                .isZero();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
