package io.kvfrontend.sdk;

import static com.couchbase.client.java.kv.GetOptions.getOptions;
import static com.couchbase.client.java.kv.LookupInSpec.get;
import static com.couchbase.client.java.kv.MutateInOptions.mutateInOptions;
import static com.couchbase.client.java.kv.MutateInSpec.arrayAddUnique;
import static com.couchbase.client.java.kv.MutateInSpec.arrayAppend;
import static com.couchbase.client.java.kv.MutateInSpec.arrayInsert;
import static com.couchbase.client.java.kv.MutateInSpec.arrayPrepend;
import static com.couchbase.client.java.kv.MutateInSpec.decrement;
import static com.couchbase.client.java.kv.MutateInSpec.increment;
import static com.couchbase.client.java.kv.MutateInSpec.insert;
import static com.couchbase.client.java.kv.MutateInSpec.remove;
import static com.couchbase.client.java.kv.MutateInSpec.replace;
import static com.couchbase.client.java.kv.MutateInSpec.upsert;
import static com.couchbase.client.java.kv.UpsertOptions.upsertOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.CasMismatchException;
import com.couchbase.client.core.error.DocumentExistsException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.subdoc.DocumentNotJsonException;
import com.couchbase.client.core.error.subdoc.PathExistsException;
import com.couchbase.client.core.error.subdoc.PathNotFoundException;
import com.couchbase.client.core.msg.kv.DurabilityLevel;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.json.JsonArray;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.LookupInResult;
import com.couchbase.client.java.kv.MutateInMacro;
import com.couchbase.client.java.kv.MutateInResult;
import com.couchbase.client.java.kv.StoreSemantics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The Java SDK's sub-document API against the server, run once per output mode (the two subclasses):
 * {@code mutateIn} with every spec type the SDK offers, xattrs and macros, {@code $document},
 * {@code get(withExpiry)}, preserve expiry, CAS and store semantics, the errors, and counters and
 * arrays under concurrency.
 */
abstract class SdkSubdocMutationTest extends SdkPerMode {
    private String fresh(String key) {
        collection.upsert(
                key,
                JsonObject.create()
                        .put("name", "Ann")
                        .put("n", 10)
                        .put("tags", JsonArray.from("a", "b"))
                        .put("address", JsonObject.create().put("city", "Oslo")));
        return key;
    }

    @Test
    void mutateInAppliesEverySpecTypeInOneCall() {
        String id = fresh("every-spec");

        MutateInResult r = collection.mutateIn(
                id,
                List.of(
                        upsert("name", "Bea"),
                        insert("age", 33),
                        replace("address.city", "Bergen"),
                        remove("n"),
                        arrayAppend("tags", List.of("c", "d")),
                        arrayPrepend("tags", List.of("z")),
                        arrayInsert("tags[1]", List.of("y")),
                        arrayAddUnique("tags", "e"),
                        increment("counter", 5),
                        decrement("counter", 2),
                        upsert("deep.er.path", true).createPath()));

        assertThat(r.contentAs(8, Long.class)).isEqualTo(5L);
        assertThat(r.contentAs(9, Long.class)).isEqualTo(3L);
        JsonObject doc = collection.get(id).contentAsObject();
        assertThat(doc.getString("name")).isEqualTo("Bea");
        assertThat(doc.getInt("age")).isEqualTo(33);
        assertThat(doc.getObject("address").getString("city")).isEqualTo("Bergen");
        assertThat(doc.containsKey("n")).isFalse();
        assertThat(doc.getArray("tags").toList()).containsExactly("z", "y", "a", "b", "c", "d", "e");
        assertThat(doc.getLong("counter")).isEqualTo(3L);
        assertThat(doc.getObject("deep").getObject("er").getBoolean("path")).isTrue();
        assertThat(r.cas()).isEqualTo(collection.get(id).cas());
        assertThat(r.mutationToken()).isPresent();
    }

    @Test
    void aFailingSpecChangesNothingAndRaisesItsError() {
        String id = fresh("atomic");
        GetResult before = collection.get(id);

        assertThatThrownBy(() -> collection.mutateIn(id, List.of(upsert("name", "X"), insert("name", "Y"))))
                .isInstanceOf(PathExistsException.class);
        assertThatThrownBy(() -> collection.mutateIn(id, List.of(replace("nope.no", 1))))
                .isInstanceOf(PathNotFoundException.class);
        assertThatThrownBy(() -> collection.mutateIn(id, List.of(arrayAddUnique("tags", "a"))))
                .isInstanceOf(PathExistsException.class);
        GetResult after = collection.get(id);
        assertThat(after.cas()).isEqualTo(before.cas());
        assertThat(after.contentAsObject()).isEqualTo(before.contentAsObject());
    }

    @Test
    void casAndStoreSemanticsBehaveAsOnOtherMutations() {
        String id = fresh("cas");
        long cas = collection.get(id).cas();
        collection.mutateIn(
                id, List.of(upsert("name", "first")), mutateInOptions().cas(cas));
        assertThatThrownBy(() -> collection.mutateIn(
                        id, List.of(upsert("name", "second")), mutateInOptions().cas(cas)))
                .isInstanceOf(CasMismatchException.class);

        collection.mutateIn(
                "created",
                List.of(upsert("a.b", 1).createPath()),
                mutateInOptions().storeSemantics(StoreSemantics.UPSERT));
        assertThat(collection.get("created").contentAsObject().getObject("a").getInt("b"))
                .isEqualTo(1);
        assertThatThrownBy(() -> collection.mutateIn(
                        "created", List.of(upsert("x", 1)), mutateInOptions().storeSemantics(StoreSemantics.INSERT)))
                .isInstanceOf(DocumentExistsException.class);
        assertThatThrownBy(() -> collection.mutateIn("never", List.of(upsert("x", 1))))
                .isInstanceOf(DocumentNotFoundException.class);

        MutateInResult durable = collection.mutateIn(
                id, List.of(upsert("durable", true)), mutateInOptions().durability(DurabilityLevel.MAJORITY));
        assertThat(collection.get(id).cas()).isEqualTo(durable.cas());

        collection.upsert("bin", new byte[] {1, 2, 3}, upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE));
        assertThatThrownBy(() -> collection.mutateIn("bin", List.of(upsert("x", 1))))
                .isInstanceOf(DocumentNotJsonException.class);
    }

    @Test
    void xattrsMacrosAndDocumentMetadata() {
        String id = fresh("xattrs");
        MutateInResult w = collection.mutateIn(
                id,
                List.of(
                        upsert("meta.owner", "ops").xattr().createPath(),
                        upsert("meta.cas", MutateInMacro.CAS).xattr().createPath(),
                        upsert("meta.seqno", MutateInMacro.SEQ_NO).xattr().createPath(),
                        upsert("meta.crc", MutateInMacro.VALUE_CRC_32C).xattr().createPath()));

        LookupInResult r = collection.lookupIn(
                id,
                List.of(
                        get("meta.owner").xattr(),
                        get("meta.cas").xattr(),
                        get("$document.CAS").xattr(),
                        get("$document.value_crc32c").xattr(),
                        get("meta.crc").xattr(),
                        get("name")));
        assertThat(r.contentAs(0, String.class)).isEqualTo("ops");
        assertThat(r.contentAs(1, String.class)).isEqualTo(String.format("0x%016x", Long.reverseBytes(w.cas())));
        assertThat(r.contentAs(2, String.class)).isEqualTo(String.format("0x%016x", w.cas()));
        assertThat(r.contentAs(4, String.class)).isEqualTo(r.contentAs(3, String.class));
        assertThat(r.contentAs(5, String.class)).isEqualTo("Ann");
        // A plain get answers the body only.
        assertThat(collection.get(id).contentAsObject().containsKey("meta")).isFalse();
    }

    @Test
    void lookupInAnyReplicaReadsTheActiveCopyOfABucketWithoutReplicas() {
        fresh("replica-sub");

        var r = collection.lookupInAnyReplica("replica-sub", List.of(get("name"), get("address.city")));

        assertThat(r.contentAs(0, String.class)).isEqualTo("Ann");
        assertThat(r.contentAs(1, String.class)).isEqualTo("Oslo");
        assertThat(r.isReplica()).isFalse();
        assertThat(collection.lookupInAllReplicas("replica-sub", List.of(get("name"))))
                .hasSize(1);
    }

    @Test
    void getWithExpiryReturnsTheExpirySetByUpsert() {
        collection.upsert(
                "ttl", JsonObject.create().put("a", 1), upsertOptions().expiry(Duration.ofHours(2)));

        GetResult r = collection.get("ttl", getOptions().withExpiry(true));

        assertThat(r.expiryTime()).isPresent();
        Instant expected = Instant.now().plus(Duration.ofHours(2));
        assertThat(r.expiryTime().get()).isBetween(expected.minusSeconds(60), expected.plusSeconds(5));
        assertThat(r.contentAsObject().getInt("a")).isEqualTo(1);
        GetResult none = collection.get(fresh("no-ttl"), getOptions().withExpiry(true));
        assertThat(none.expiryTime()).isEmpty();
    }

    @Test
    void preserveExpiryKeepsTheTtlAndAPlainMutateInClearsIt() {
        collection.upsert(
                "keep", JsonObject.create().put("a", 1), upsertOptions().expiry(Duration.ofHours(1)));
        collection.mutateIn("keep", List.of(upsert("b", 2)), mutateInOptions().preserveExpiry(true));
        assertThat(collection.get("keep", getOptions().withExpiry(true)).expiryTime())
                .isPresent();

        collection.mutateIn("keep", List.of(upsert("c", 3)));
        assertThat(collection.get("keep", getOptions().withExpiry(true)).expiryTime())
                .isEmpty();

        collection.mutateIn("keep", List.of(upsert("d", 4)), mutateInOptions().expiry(Duration.ofMinutes(30)));
        assertThat(collection.get("keep", getOptions().withExpiry(true)).expiryTime())
                .isPresent();
    }

    @Test
    void countersAndArraysAreExactUnderConcurrency() throws Exception {
        collection.upsert("hot", JsonObject.create().put("n", 0).put("list", JsonArray.create()));
        int threads = 8;
        int each = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        collection.mutateIn(
                                "hot", List.of(increment("n", 1), arrayAppend("list", List.of(me * each + i))));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        JsonObject doc = collection.get("hot").contentAsObject();
        assertThat(doc.getLong("n")).isEqualTo((long) threads * each);
        assertThat(doc.getArray("list").size()).isEqualTo(threads * each);
        assertThat(doc.getArray("list").toList()).doesNotHaveDuplicates();
    }
}
