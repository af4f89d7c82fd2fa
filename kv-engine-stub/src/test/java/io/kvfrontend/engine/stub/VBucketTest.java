package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.StoreMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** Partitioning, vBucket UUIDs, sequence numbers and the key-ordered views range scans will use. */
class VBucketTest {
    private final MutableClock clock = new MutableClock(START);

    private StubBucket bucketWith(int numVBuckets) {
        return Fixtures.bucket(clock, Fixtures.config(numVBuckets));
    }

    /** The SDK formula, computed here independently of the engine. */
    private static int expectedVbucket(byte[] key, int numVBuckets) {
        CRC32 crc = new CRC32();
        crc.update(key, 0, key.length);
        return (int) ((crc.getValue() >> 16) & 0x7fff) % numVBuckets;
    }

    @Test
    void vbucketOfMatchesKnownValuesOfTheCrcFormula() {
        StubBucket b1024 = bucketWith(1024);
        StubBucket b64 = bucketWith(64);

        // Computed with zlib.crc32 outside Java: crc32("foo") = 0x8c736521, "hello" = 0x3610a686.
        assertThat(b1024.vbucketOf(bytes("foo"))).isEqualTo(115);
        assertThat(b1024.vbucketOf(bytes("hello"))).isEqualTo(528);
        assertThat(b1024.vbucketOf(bytes("user::1"))).isEqualTo(997);
        assertThat(b1024.vbucketOf(new byte[] {(byte) 0xff, 0x00, (byte) 0x80})).isEqualTo(97);
        assertThat(b1024.vbucketOf(new byte[0])).isZero();
        assertThat(b64.vbucketOf(bytes("foo"))).isEqualTo(51);
        assertThat(b64.vbucketOf(bytes("hello"))).isEqualTo(16);
    }

    @Test
    void vbucketOfMatchesTheCrcFormulaForManyKeysAndSizes() {
        for (int n : new int[] {1, 2, 64, 1024}) {
            StubBucket bucket = bucketWith(n);
            for (int i = 0; i < 2000; i++) {
                byte[] key = bytes("key-" + i);
                assertThat(bucket.vbucketOf(key)).as("key-%d of %d", i, n).isEqualTo(expectedVbucket(key, n));
            }
        }
    }

    @Test
    void everyOperationUsesTheVbucketOfItsKey() {
        StubBucket bucket = bucketWith(1024);
        for (String k : new String[] {"foo", "hello", "user::1", "a", "b", "c"}) {
            int vb = expectedVbucket(bytes(k), 1024);

            MutationResult m = set(bucket, k, "v");

            assertThat(m.vbucket()).as(k).isEqualTo(vb);
            assertThat(bucket.get(key(k)).item().vbucket()).as(k).isEqualTo(vb);
            assertThat(bucket.vbucket(vb).peek(key(k))).as(k).isNotNull();
            assertThat(bucket.vbucket(vb).itemCount()).as(k).isEqualTo(1);
        }
    }

    @Test
    void vbucketUuidsArePositiveStableAndDistinct() {
        StubBucket bucket = bucketWith(1024);
        Set<Long> seen = new HashSet<>();

        for (int vb = 0; vb < 1024; vb++) {
            long uuid = bucket.vbucketUuid(vb);
            assertThat(uuid).isPositive();
            assertThat(bucket.vbucketUuid(vb)).isEqualTo(uuid);
            assertThat(bucket.vbucket(vb).uuid()).isEqualTo(uuid);
            seen.add(uuid);
        }
        set(bucket, "k", "v");
        bucket.flush();

        assertThat(seen).hasSize(1024);
        for (int vb = 0; vb < 1024; vb++) {
            assertThat(bucket.vbucketUuid(vb)).as("after writes and a flush").isIn(seen);
        }
    }

    @Test
    void seqnosIncreaseByOnePerMutationWithinAVbucket() {
        StubBucket bucket = bucketWith(1);
        List<Long> seqnos = new ArrayList<>();

        seqnos.add(set(bucket, "a", "1").seqno());
        seqnos.add(bucket.store(StoreMode.ADD, key("b"), bytes("1"), 0, 0, 0, 0, false)
                .seqno());
        seqnos.add(bucket.store(StoreMode.REPLACE, key("a"), bytes("2"), 0, 0, 0, 0, false)
                .seqno());
        seqnos.add(bucket.arithmetic(key("a"), true, 1, 0, 0).mutation().seqno());
        seqnos.add(bucket.concat(key("b"), true, bytes("x"), 0).seqno());
        seqnos.add(bucket.concat(key("b"), false, bytes("x"), 0).seqno());
        seqnos.add(bucket.touch(key("a"), 100).seqno());
        seqnos.add(bucket.getAndTouch(key("a"), 0).item().seqno());
        seqnos.add(bucket.delete(key("b"), 0).seqno());

        assertThat(seqnos).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(bucket.highSeqno(0)).isEqualTo(9);
    }

    @Test
    void failedMutationsStampNoSeqno() {
        StubBucket bucket = bucketWith(1);
        MutationResult stored = set(bucket, "a", "x");

        bucket.store(StoreMode.ADD, key("a"), bytes("1"), 0, 0, 0, 0, false);
        bucket.store(StoreMode.REPLACE, key("missing"), bytes("1"), 0, 0, 0, 0, false);
        bucket.store(StoreMode.SET, key("a"), bytes("1"), 0, 0, stored.cas() + 1, 0, false);
        bucket.delete(key("missing"), 0);
        bucket.arithmetic(key("a"), true, 1, 0, 0);
        bucket.concat(key("missing"), true, bytes("x"), 0);
        bucket.touch(key("missing"), 0);
        bucket.store(StoreMode.SET, key("big"), new byte[2048], 0, 0, 0, Datatype.RAW, false);

        assertThat(bucket.highSeqno(0)).isEqualTo(stored.seqno());
    }

    @Test
    void seqnosOfDifferentVbucketsAreIndependent() {
        StubBucket bucket = bucketWith(1024);
        // "foo" is in vBucket 115 and "hello" in 528.
        set(bucket, "foo", "1");
        set(bucket, "foo", "2");
        MutationResult hello = set(bucket, "hello", "1");

        assertThat(hello.seqno()).isEqualTo(1);
        assertThat(bucket.highSeqno(115)).isEqualTo(2);
        assertThat(bucket.highSeqno(528)).isEqualTo(1);
        assertThat(bucket.highSeqno(0)).isZero();
    }

    @Test
    void outOfRangeVbucketIdsAreRejected() {
        StubBucket bucket = bucketWith(64);

        for (int vb : new int[] {-1, 64, 1024}) {
            assertThatThrownBy(() -> bucket.vbucketUuid(vb)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> bucket.highSeqno(vb)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> bucket.vbucket(vb)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void collectionViewOrdersKeysAsUnsignedBytes() {
        StubBucket bucket = bucketWith(1);
        byte[][] keys = {{(byte) 0xFF}, {0x01}, {(byte) 0x80}, {0x7F}, {0x01, 0x00}, {}};
        for (byte[] k : keys) {
            bucket.store(StoreMode.SET, DocKey.ofDefault(k), bytes("v"), 0, 0, 0, 0, false);
        }

        NavigableMap<DocKey, StoredValue> view = bucket.vbucket(0).collectionView(DocKey.DEFAULT_COLLECTION);

        assertThat(view.keySet())
                .extracting(DocKey::key)
                .containsExactly(
                        new byte[] {},
                        new byte[] {0x01},
                        new byte[] {0x01, 0x00},
                        new byte[] {0x7F},
                        new byte[] {(byte) 0x80},
                        new byte[] {(byte) 0xFF});
    }

    @Test
    void rangeViewSelectsKeysBetweenBounds() {
        StubBucket bucket = bucketWith(1);
        for (String k : new String[] {"a", "b", "c", "d"}) {
            set(bucket, k, "v");
        }

        NavigableMap<DocKey, StoredValue> range = bucket.vbucket(0).range(key("b"), true, key("d"), false);

        assertThat(range.keySet()).extracting(k -> Fixtures.text(k.key())).containsExactly("b", "c");
        assertThat(bucket.vbucket(0).collectionView(8)).isEmpty();
        assertThat(bucket.vbucket(0).collectionView(-1)).isEmpty();
    }

    @Test
    void viewsAreReadOnlyAndLive() {
        StubBucket bucket = bucketWith(1);
        NavigableMap<DocKey, StoredValue> view = bucket.vbucket(0).collectionView(DocKey.DEFAULT_COLLECTION);

        set(bucket, "k", "v");

        assertThat(view).containsKey(key("k"));
        assertThat(view.get(key("k")).value()).isEqualTo(bytes("v"));
        assertThatThrownBy(() -> view.remove(key("k"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(view::clear).isInstanceOf(UnsupportedOperationException.class);
    }
}
