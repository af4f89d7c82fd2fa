package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.START_SECONDS;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static io.kvfrontend.engine.stub.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.BucketStats;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Expiry (mcbp-protocol.md 3.3): relative vs absolute, lazy expiry, the pager, Touch and GAT. */
class StubBucketExpiryTest {
    private static final long THIRTY_DAYS = 2_592_000L;

    private final MutableClock clock = new MutableClock(START);
    private final StubBucket bucket = Fixtures.bucket(clock);

    @Test
    void expiryZeroNeverExpires() {
        set(bucket, "k", "v", 0);

        clock.advance(Duration.ofDays(3650));

        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).item().expiry()).isZero();
    }

    @Test
    void relativeExpiryIsStoredAsAbsoluteSecondsAndExpiresThen() {
        set(bucket, "k", "v", 100);

        assertThat(bucket.get(key("k")).item().expiry()).isEqualTo(START_SECONDS + 100);
        clock.advance(Duration.ofSeconds(99));
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.SUCCESS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void thirtyDaysIsTheLongestRelativeExpiry() {
        set(bucket, "k", "v", THIRTY_DAYS);

        assertThat(bucket.get(key("k")).item().expiry()).isEqualTo(START_SECONDS + THIRTY_DAYS);
    }

    @Test
    void expiryAboveThirtyDaysIsAbsoluteUnixTime() {
        long absolute = START_SECONDS + 3600;
        set(bucket, "k", "v", absolute);

        assertThat(bucket.get(key("k")).item().expiry()).isEqualTo(absolute);
        clock.advance(Duration.ofSeconds(3599));
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.SUCCESS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void absoluteExpiryInThePastIsAcceptedButTheDocumentIsAlreadyGone() {
        // 30 days + 1 s is an absolute time in January 1970.
        MutationResult m = set(bucket, "k", "v", THIRTY_DAYS + 1);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void absoluteExpiryEqualToNowIsAlreadyExpired() {
        MutationResult m = set(bucket, "k", "v", START_SECONDS);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void anExpiredWriteReplacesTheOldDocument() {
        set(bucket, "k", "old");

        set(bucket, "k", "new", START_SECONDS - 1);

        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void expiryIsReadAsAnUnsigned32BitNumber() {
        set(bucket, "k", "v", 0xFFFF_FFFFL);

        assertThat(bucket.get(key("k")).item().expiry()).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void anAccessRemovesAnExpiredDocumentAndCountsIt() {
        MutationResult m = set(bucket, "k", "v", 10);
        clock.advance(Duration.ofSeconds(10));
        assertThat(bucket.stats().items()).as("expired but not yet removed").isEqualTo(1);

        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);

        BucketStats stats = bucket.stats();
        assertThat(stats.items()).isZero();
        assertThat(stats.memUsedBytes()).isZero();
        assertThat(stats.expiredOnAccess()).isEqualTo(1);
        assertThat(stats.expiredByPager()).isZero();
        assertThat(bucket.highSeqno(m.vbucket())).as("the expiry is a deletion").isEqualTo(m.seqno() + 1);
        assertThat(bucket.vbucket(m.vbucket()).peek(key("k"))).isNull();
    }

    @Test
    void anExpiredDocumentIsMissingForEveryOperation() {
        for (String k :
                new String[] {"get", "meta", "replace", "casSet", "delete", "append", "touch", "gat", "lock", "unlock"
                }) {
            set(bucket, k, "1", 10);
        }
        clock.advance(Duration.ofSeconds(10));

        assertThat(bucket.get(key("get")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.getMeta(key("meta")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.store(StoreMode.REPLACE, key("replace"), bytes("x"), 0, 0, 0, 0, false)
                        .status())
                .isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.store(StoreMode.SET, key("casSet"), bytes("x"), 0, 0, 1, 0, false)
                        .status())
                .isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.delete(key("delete"), 0).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.concat(key("append"), true, bytes("x"), 0).status()).isEqualTo(Status.NOT_STORED);
        assertThat(bucket.touch(key("touch"), 0).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.getAndTouch(key("gat"), 0).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.getLocked(key("lock"), 0).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.unlock(key("unlock"), 1).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.stats().expiredOnAccess()).isEqualTo(10);
        assertThat(bucket.stats().items()).isZero();
    }

    @Test
    void addOverAnExpiredDocumentCreatesIt() {
        set(bucket, "k", "old", 10);
        clock.advance(Duration.ofSeconds(10));

        MutationResult m = bucket.store(StoreMode.ADD, key("k"), bytes("new"), 0, 0, 0, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("new");
    }

    @Test
    void incrementOverAnExpiredCounterStartsFromInitial() {
        set(bucket, "n", "41", 10);
        clock.advance(Duration.ofSeconds(10));

        assertThat(bucket.arithmetic(key("n"), true, 1, 7, 0).value()).isEqualTo(7);
    }

    @Test
    void aLockedDocumentStillExpires() {
        set(bucket, "k", "v", 10);
        bucket.getLocked(key("k"), 30);

        clock.advance(Duration.ofSeconds(10));

        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void pagerPassRemovesOnlyExpiredDocuments() {
        MutationResult a = set(bucket, "a", "v", 10);
        set(bucket, "b", "v", 20);
        set(bucket, "c", "v", 0);
        long memBefore = bucket.stats().memUsedBytes();
        clock.advance(Duration.ofSeconds(10));

        long removed = bucket.runExpiryPager();

        assertThat(removed).isEqualTo(1);
        BucketStats stats = bucket.stats();
        assertThat(stats.items()).isEqualTo(2);
        assertThat(stats.expiredByPager()).isEqualTo(1);
        assertThat(stats.expiredOnAccess()).isZero();
        assertThat(stats.memUsedBytes()).isEqualTo(memBefore - (1 + 1 + MemoryQuota.ITEM_OVERHEAD_BYTES));
        assertThat(bucket.vbucket(a.vbucket()).peek(key("a"))).isNull();
        assertThat(bucket.highSeqno(a.vbucket())).isGreaterThan(a.seqno());

        clock.advance(Duration.ofSeconds(10));
        assertThat(bucket.runExpiryPager()).isEqualTo(1);
        assertThat(bucket.stats().items()).isEqualTo(1);
        assertThat(bucket.get(key("c")).status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.stats().expiredByPager()).isEqualTo(2);
    }

    @Test
    void pagerPassOverNothingExpiredRemovesNothing() {
        set(bucket, "a", "v", 10);

        assertThat(bucket.runExpiryPager()).isZero();
        assertThat(bucket.stats().items()).isEqualTo(1);
    }

    @Test
    void pagerRemovesManyExpiredDocumentsAcrossVbuckets() {
        for (int i = 0; i < 500; i++) {
            set(bucket, "k" + i, "v", i % 2 == 0 ? 5 : 0);
        }
        clock.advance(Duration.ofSeconds(5));

        assertThat(bucket.runExpiryPager()).isEqualTo(250);
        assertThat(bucket.stats().items()).isEqualTo(250);
        assertThat(bucket.stats().expiredByPager()).isEqualTo(250);
    }

    @Test
    void touchSetsANewExpiryWithAFreshCasAndSeqno() {
        MutationResult stored = set(bucket, "k", "v", 10);

        MutationResult touched = bucket.touch(key("k"), 100);

        assertThat(touched.status()).isEqualTo(Status.SUCCESS);
        assertThat(touched.cas()).isNotIn(0L, stored.cas());
        assertThat(touched.seqno()).isEqualTo(stored.seqno() + 1);
        GetResult r = bucket.get(key("k"));
        assertThat(r.item().expiry()).isEqualTo(START_SECONDS + 100);
        assertThat(r.cas()).isEqualTo(touched.cas());
        assertThat(text(r.item().value())).isEqualTo("v");
        clock.advance(Duration.ofSeconds(50));
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void touchWithZeroRemovesTheExpiry() {
        set(bucket, "k", "v", 10);

        bucket.touch(key("k"), 0);
        clock.advance(Duration.ofDays(1));

        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void touchOfAMissingDocumentIsKeyEnoent() {
        assertThat(bucket.touch(key("k"), 10).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.getAndTouch(key("k"), 10).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void getAndTouchReturnsTheDocumentWithItsNewExpiryAndCas() {
        MutationResult stored = bucket.store(StoreMode.SET, key("k"), bytes("{}"), 9, 0, 0, Datatype.JSON, false);

        GetResult r = bucket.getAndTouch(key("k"), 60);

        assertThat(r.status()).isEqualTo(Status.SUCCESS);
        assertThat(r.cas()).isNotIn(0L, stored.cas());
        assertThat(r.item().cas()).isEqualTo(r.cas());
        assertThat(r.item().expiry()).isEqualTo(START_SECONDS + 60);
        assertThat(r.item().seqno()).isEqualTo(stored.seqno() + 1);
        assertThat(r.item().flags()).isEqualTo(9);
        assertThat(r.item().datatype()).isEqualTo(Datatype.JSON);
        assertThat(text(r.item().value())).isEqualTo("{}");
        assertThat(bucket.get(key("k")).cas()).isEqualTo(r.cas());
    }

    @Test
    void touchWithAPastAbsoluteTimeExpiresTheDocument() {
        set(bucket, "k", "v");

        assertThat(bucket.touch(key("k"), START_SECONDS - 1).status()).isEqualTo(Status.SUCCESS);

        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }
}
