package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static io.kvfrontend.engine.stub.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.engine.spi.MetaResult;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.SnappyCodec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Get, Set/Add/Replace, Delete, GetMeta and the collection check (mcbp-protocol.md 3.2, 4.2). */
class StubBucketStoreTest {
    private final MutableClock clock = new MutableClock(START);
    private final StubBucket bucket = Fixtures.bucket(clock);

    @Test
    void getOfMissingKeyIsKeyEnoent() {
        GetResult r = bucket.get(key("nope"));

        assertThat(r.status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(r.item()).isNull();
    }

    @Test
    void setThenGetReturnsTheStoredRevision() {
        MutationResult m =
                bucket.store(StoreMode.SET, key("k"), bytes("{\"a\":1}"), 0xCAFEBABE, 0, 0, Datatype.JSON, false);

        GetResult r = bucket.get(key("k"));

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(r.status()).isEqualTo(Status.SUCCESS);
        assertThat(r.cas()).isEqualTo(m.cas());
        Item item = r.item();
        assertThat(item.key()).isEqualTo(key("k"));
        assertThat(text(item.value())).isEqualTo("{\"a\":1}");
        assertThat(item.flags()).isEqualTo(0xCAFEBABE);
        assertThat(item.expiry()).isZero();
        assertThat(item.cas()).isEqualTo(m.cas());
        assertThat(item.seqno()).isEqualTo(m.seqno());
        assertThat(item.datatype()).isEqualTo(Datatype.JSON);
        assertThat(item.vbucket()).isEqualTo(bucket.vbucketOf(bytes("k"))).isEqualTo(m.vbucket());
    }

    @Test
    void storedDatatypeIsExactlyTheGivenDatatype() {
        for (int datatype : new int[] {Datatype.RAW, Datatype.JSON, Datatype.JSON | Datatype.SNAPPY, Datatype.XATTR}) {
            byte[] value = (datatype & Datatype.SNAPPY) != 0 ? SnappyCodec.compress(bytes("x")) : bytes("x");
            bucket.store(StoreMode.SET, key("d"), value, 0, 0, 0, datatype, false);

            assertThat(bucket.get(key("d")).item().datatype())
                    .as("datatype %d", datatype)
                    .isEqualTo(datatype);
        }
    }

    @Test
    void mutationResultCarriesTheVbucketItsUuidAndAFreshSeqno() {
        MutationResult m = set(bucket, "k", "v");

        int vb = bucket.vbucketOf(bytes("k"));
        assertThat(m.vbucket()).isEqualTo(vb);
        assertThat(m.vbUuid()).isEqualTo(bucket.vbucketUuid(vb));
        assertThat(m.seqno()).isEqualTo(bucket.highSeqno(vb)).isPositive();
    }

    @Test
    void everyNewRevisionGetsAFreshCasThatIsNeitherZeroNorMinusOne() {
        MutationResult first = set(bucket, "k", "v1");
        MutationResult second = set(bucket, "k", "v2");

        assertThat(first.cas()).isNotIn(0L, -1L);
        assertThat(second.cas()).isNotIn(0L, -1L).isNotEqualTo(first.cas());
    }

    @Test
    void addCreatesAMissingDocument() {
        MutationResult m = bucket.store(StoreMode.ADD, key("k"), bytes("v"), 0, 0, 0, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("v");
    }

    @Test
    void addOnAnExistingDocumentIsKeyEexistsAndLeavesItAlone() {
        MutationResult original = set(bucket, "k", "v");

        MutationResult m = bucket.store(StoreMode.ADD, key("k"), bytes("other"), 0, 0, 0, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.KEY_EEXISTS);
        assertThat(m.cas()).isZero();
        assertThat(bucket.get(key("k")).cas()).isEqualTo(original.cas());
    }

    @Test
    void addIgnoresItsCasBecauseTheFrontEndRejectsANonZeroOne() {
        MutationResult m = bucket.store(StoreMode.ADD, key("k"), bytes("v"), 0, 0, 1234, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void replaceOnAMissingDocumentIsKeyEnoent() {
        MutationResult m = bucket.store(StoreMode.REPLACE, key("k"), bytes("v"), 0, 0, 0, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void replaceOverwritesAnExistingDocument() {
        set(bucket, "k", "v1");

        MutationResult m = bucket.store(StoreMode.REPLACE, key("k"), bytes("v2"), 7, 0, 0, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("v2");
        assertThat(bucket.get(key("k")).item().flags()).isEqualTo(7);
    }

    @Test
    void setAndReplaceWithCasOnAMissingDocumentAreKeyEnoent() {
        for (StoreMode mode : new StoreMode[] {StoreMode.SET, StoreMode.REPLACE}) {
            MutationResult m = bucket.store(mode, key("k"), bytes("v"), 0, 0, 42, Datatype.RAW, false);

            assertThat(m.status()).as(mode.name()).isEqualTo(Status.KEY_ENOENT);
        }
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void setAndReplaceWithAStaleCasAreKeyEexistsAndKeepTheCurrentRevision() {
        MutationResult first = set(bucket, "k", "v1");
        MutationResult second = set(bucket, "k", "v2");

        for (StoreMode mode : new StoreMode[] {StoreMode.SET, StoreMode.REPLACE}) {
            MutationResult m = bucket.store(mode, key("k"), bytes("lost"), 0, 0, first.cas(), Datatype.RAW, false);

            assertThat(m.status()).as(mode.name()).isEqualTo(Status.KEY_EEXISTS);
        }
        GetResult r = bucket.get(key("k"));
        assertThat(text(r.item().value())).isEqualTo("v2");
        assertThat(r.cas()).isEqualTo(second.cas());
    }

    @Test
    void setAndReplaceWithTheCurrentCasSwapTheValue() {
        MutationResult first = set(bucket, "k", "v1");

        MutationResult viaSet =
                bucket.store(StoreMode.SET, key("k"), bytes("v2"), 0, 0, first.cas(), Datatype.RAW, false);
        MutationResult viaReplace =
                bucket.store(StoreMode.REPLACE, key("k"), bytes("v3"), 0, 0, viaSet.cas(), Datatype.RAW, false);

        assertThat(viaSet.status()).isEqualTo(Status.SUCCESS);
        assertThat(viaReplace.status()).isEqualTo(Status.SUCCESS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("v3");
    }

    @Test
    void valueLongerThanMaxValueBytesIsE2bigAndNotStored() {
        byte[] tooBig = new byte[1025]; // Fixtures.config: maxValueBytes 1024

        MutationResult m = bucket.store(StoreMode.SET, key("k"), tooBig, 0, 0, 0, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.E2BIG);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.stats().memUsedBytes()).isZero();
    }

    @Test
    void valueOfExactlyMaxValueBytesIsStored() {
        MutationResult m = bucket.store(StoreMode.SET, key("k"), new byte[1024], 0, 0, 0, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void emptyValueIsStored() {
        set(bucket, "k", "");

        assertThat(bucket.get(key("k")).item().value()).isEmpty();
    }

    @Test
    void deleteOfAMissingDocumentIsKeyEnoent() {
        assertThat(bucket.delete(key("k"), 0).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.delete(key("k"), 99).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void deleteRemovesTheDocumentWithoutATombstone() {
        set(bucket, "k", "v");

        MutationResult m = bucket.delete(key("k"), 0);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.getMeta(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.stats().items()).isZero();
    }

    @Test
    void deleteIsANewRevisionWithFreshCasAndSeqno() {
        MutationResult stored = set(bucket, "k", "v");

        MutationResult deleted = bucket.delete(key("k"), 0);

        assertThat(deleted.cas()).isNotIn(0L, -1L, stored.cas());
        assertThat(deleted.seqno()).isEqualTo(stored.seqno() + 1);
        assertThat(deleted.vbucket()).isEqualTo(stored.vbucket());
        assertThat(deleted.vbUuid()).isEqualTo(stored.vbUuid());
        assertThat(bucket.highSeqno(deleted.vbucket())).isEqualTo(deleted.seqno());
    }

    @Test
    void deleteWithAStaleCasIsKeyEexistsAndKeepsTheDocument() {
        MutationResult first = set(bucket, "k", "v1");
        set(bucket, "k", "v2");

        assertThat(bucket.delete(key("k"), first.cas()).status()).isEqualTo(Status.KEY_EEXISTS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("v2");
    }

    @Test
    void deleteWithTheCurrentCasRemovesTheDocument() {
        MutationResult stored = set(bucket, "k", "v");

        assertThat(bucket.delete(key("k"), stored.cas()).status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void addAfterDeleteCreatesTheDocumentAgain() {
        set(bucket, "k", "v");
        bucket.delete(key("k"), 0);

        MutationResult m = bucket.store(StoreMode.ADD, key("k"), bytes("again"), 0, 0, 0, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void getMetaReturnsTheMetadataOfTheCurrentRevision() {
        long absolute = Fixtures.START_SECONDS + 3600;
        MutationResult m =
                bucket.store(StoreMode.SET, key("k"), bytes("{}"), 0x01020304, absolute, 0, Datatype.JSON, false);

        MetaResult meta = bucket.getMeta(key("k"));

        assertThat(meta)
                .isEqualTo(
                        new MetaResult(Status.SUCCESS, false, 0x01020304, absolute, m.seqno(), Datatype.JSON, m.cas()));
    }

    @Test
    void getMetaOfAMissingDocumentIsKeyEnoent() {
        assertThat(bucket.getMeta(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void preserveTtlKeepsTheExistingDocumentsExpiry() {
        set(bucket, "k", "v", 100);

        bucket.store(StoreMode.SET, key("k"), bytes("v2"), 0, 5000, 0, Datatype.RAW, true);

        assertThat(bucket.get(key("k")).item().expiry()).isEqualTo(Fixtures.START_SECONDS + 100);
    }

    @Test
    void preserveTtlKeepsNoExpiryWhenTheExistingDocumentHasNone() {
        set(bucket, "k", "v");

        bucket.store(StoreMode.REPLACE, key("k"), bytes("v2"), 0, 5000, 0, Datatype.RAW, true);

        assertThat(bucket.get(key("k")).item().expiry()).isZero();
    }

    @Test
    void preserveTtlOnAMissingDocumentUsesTheGivenExpiry() {
        bucket.store(StoreMode.SET, key("k"), bytes("v"), 0, 100, 0, Datatype.RAW, true);

        assertThat(bucket.get(key("k")).item().expiry()).isEqualTo(Fixtures.START_SECONDS + 100);
    }

    @Test
    void withoutPreserveTtlAWriteReplacesTheExpiry() {
        set(bucket, "k", "v", 100);

        set(bucket, "k", "v2");

        assertThat(bucket.get(key("k")).item().expiry()).isZero();
    }

    @Test
    void everyOperationOnANonDefaultCollectionIsUnknownCollection() {
        set(bucket, "k", "v");
        DocKey other = new DocKey(8, bytes("k"));
        Map<String, Supplier<Status>> ops = new LinkedHashMap<>();
        ops.put("get", () -> bucket.get(other).status());
        ops.put("getMeta", () -> bucket.getMeta(other).status());
        ops.put(
                "set",
                () -> bucket.store(StoreMode.SET, other, bytes("v"), 0, 0, 0, 0, false)
                        .status());
        ops.put(
                "add",
                () -> bucket.store(StoreMode.ADD, other, bytes("v"), 0, 0, 0, 0, false)
                        .status());
        ops.put(
                "replace",
                () -> bucket.store(StoreMode.REPLACE, other, bytes("v"), 0, 0, 0, 0, false)
                        .status());
        ops.put("delete", () -> bucket.delete(other, 0).status());
        ops.put("incr", () -> bucket.arithmetic(other, true, 1, 0, 0).status());
        ops.put("append", () -> bucket.concat(other, true, bytes("x"), 0).status());
        ops.put("touch", () -> bucket.touch(other, 0).status());
        ops.put("gat", () -> bucket.getAndTouch(other, 0).status());
        ops.put("getLocked", () -> bucket.getLocked(other, 0).status());
        ops.put("unlock", () -> bucket.unlock(other, 1).status());

        ops.forEach((name, op) -> assertThat(op.get()).as(name).isEqualTo(Status.UNKNOWN_COLLECTION));
        assertThat(bucket.stats().items()).isEqualTo(1);
    }
}
