package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The memory quota (ETMPFAIL when full) and Flush. */
class StubBucketQuotaTest {
    private static final long OVERHEAD = MemoryQuota.ITEM_OVERHEAD_BYTES;
    /** Room for exactly two items of a 2-byte key and a 100-byte value. */
    private static final long QUOTA = 2 * (2 + 100 + OVERHEAD);

    private final MutableClock clock = new MutableClock(START);
    private final StubBucket bucket = Fixtures.bucket(clock, new BucketConfig("q", QUOTA, 16, 1024, true));

    private MutationResult store(String key, int valueBytes) {
        return bucket.store(StoreMode.SET, key(key), new byte[valueBytes], 0, 0, 0, Datatype.RAW, false);
    }

    @Test
    void eachItemIsChargedItsKeyValueAndOverhead() {
        store("k1", 100);

        assertThat(bucket.stats().memUsedBytes()).isEqualTo(2 + 100 + OVERHEAD);
        assertThat(bucket.stats().quotaBytes()).isEqualTo(QUOTA);
    }

    @Test
    void aWriteThatWouldPassTheQuotaIsEtmpfailAndCounted() {
        store("k1", 100);
        store("k2", 100);

        MutationResult m = store("k3", 1);

        assertThat(m.status()).isEqualTo(Status.ETMPFAIL);
        assertThat(bucket.get(key("k3")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.stats().quotaRejections()).isEqualTo(1);
        assertThat(bucket.stats().memUsedBytes()).isEqualTo(QUOTA);
        assertThat(bucket.stats().items()).isEqualTo(2);
    }

    @Test
    void aRejectedWriteStampsNoSeqno() {
        store("k1", 100);
        store("k2", 100);
        int vb = bucket.vbucketOf(bytes("k3"));
        long before = bucket.highSeqno(vb);

        store("k3", 1);

        assertThat(bucket.highSeqno(vb)).isEqualTo(before);
    }

    @Test
    void writesSucceedAgainAfterADeleteFreesRoom() {
        store("k1", 100);
        store("k2", 100);
        assertThat(store("k3", 100).status()).isEqualTo(Status.ETMPFAIL);

        bucket.delete(key("k1"), 0);

        assertThat(store("k3", 100).status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.stats().memUsedBytes()).isEqualTo(QUOTA);
    }

    @Test
    void replacingAValueChargesOnlyTheDifference() {
        store("k1", 100);
        store("k2", 100);

        assertThat(store("k1", 50).status()).as("shrink").isEqualTo(Status.SUCCESS);
        assertThat(bucket.stats().memUsedBytes()).isEqualTo(QUOTA - 50);
        assertThat(store("k1", 100).status())
                .as("grow back into the freed room")
                .isEqualTo(Status.SUCCESS);
        assertThat(store("k1", 101).status()).as("grow past the quota").isEqualTo(Status.ETMPFAIL);
        assertThat(bucket.get(key("k1")).item().value()).hasSize(100);
    }

    @Test
    void appendAndCounterCreationAreRefusedWhenFull() {
        store("k1", 100);
        store("k2", 100);

        assertThat(bucket.concat(key("k1"), true, new byte[1], 0).status()).isEqualTo(Status.ETMPFAIL);
        assertThat(bucket.arithmetic(key("n"), true, 1, 0, 0).status()).isEqualTo(Status.ETMPFAIL);
        assertThat(bucket.stats().quotaRejections()).isEqualTo(2);
    }

    @Test
    void expiryReleasesTheQuota() {
        bucket.store(StoreMode.SET, key("k1"), new byte[100], 0, 10, 0, Datatype.RAW, false);
        store("k2", 100);
        clock.advance(Duration.ofSeconds(10));

        assertThat(store("k3", 100).status())
                .as("the expired item still holds its charge")
                .isEqualTo(Status.ETMPFAIL);
        bucket.runExpiryPager();

        assertThat(store("k3", 100).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void touchAndLockChargeNothing() {
        store("k1", 100);
        store("k2", 100);

        assertThat(bucket.touch(key("k1"), 100).status()).isEqualTo(Status.SUCCESS);
        long lockCas = bucket.getLocked(key("k1"), 5).cas();
        assertThat(bucket.unlock(key("k1"), lockCas).status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.stats().memUsedBytes()).isEqualTo(QUOTA);
    }

    @Test
    void flushRemovesEverythingAndReleasesTheQuota() {
        MutationResult m = store("k1", 100);
        store("k2", 100);

        assertThat(bucket.flush()).isEqualTo(Status.SUCCESS);

        assertThat(bucket.get(key("k1")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.get(key("k2")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.stats().items()).isZero();
        assertThat(bucket.stats().memUsedBytes()).isZero();
        assertThat(bucket.highSeqno(m.vbucket())).as("seqnos are never reset").isEqualTo(m.seqno());
        assertThat(store("k3", 100).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void flushOfABucketWithoutFlushEnabledIsNotSupportedAndKeepsEverything() {
        StubBucket noFlush = Fixtures.bucket(clock, new BucketConfig("nf", QUOTA, 16, 1024, false));
        set(noFlush, "k", "v");

        assertThat(noFlush.flush()).isEqualTo(Status.NOT_SUPPORTED);

        assertThat(noFlush.get(key("k")).status()).isEqualTo(Status.SUCCESS);
        assertThat(noFlush.stats().items()).isEqualTo(1);
    }
}
