package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static io.kvfrontend.engine.stub.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GetLocked, UnlockKey and how a lock guards mutations (mcbp-protocol.md 4.2). Default 15 s, max 30 s. */
class StubBucketLockTest {
    private final MutableClock clock = new MutableClock(START);
    private final StubBucket bucket = Fixtures.bucket(clock);
    private MutationResult stored;

    @BeforeEach
    void storeDocument() {
        stored = set(bucket, "k", "v");
    }

    @Test
    void getLockedReturnsTheDocumentUnderANewLockCas() {
        GetResult locked = bucket.getLocked(key("k"), 10);

        assertThat(locked.status()).isEqualTo(Status.SUCCESS);
        assertThat(locked.cas()).isNotIn(0L, -1L, stored.cas());
        assertThat(locked.item().cas()).isEqualTo(locked.cas());
        assertThat(text(locked.item().value())).isEqualTo("v");
    }

    @Test
    void getLockedOfAMissingDocumentIsKeyEnoent() {
        assertThat(bucket.getLocked(key("missing"), 10).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void getLockedOfALockedDocumentIsLocked() {
        bucket.getLocked(key("k"), 10);

        assertThat(bucket.getLocked(key("k"), 10).status()).isEqualTo(Status.LOCKED);
    }

    @Test
    void readersWithoutTheLockSeeTheLockedCasMaskInResultItemAndMeta() {
        bucket.getLocked(key("k"), 10);

        GetResult r = bucket.get(key("k"));

        assertThat(r.status()).isEqualTo(Status.SUCCESS);
        assertThat(r.cas()).isEqualTo(GetResult.LOCKED_CAS);
        assertThat(r.item().cas()).isEqualTo(GetResult.LOCKED_CAS);
        assertThat(text(r.item().value())).isEqualTo("v");
        assertThat(bucket.getMeta(key("k")).cas()).isEqualTo(GetResult.LOCKED_CAS);
    }

    @Test
    void setAndReplaceAndDeleteAndAppendWithoutTheLockCasAreLocked() {
        long lockCas = bucket.getLocked(key("k"), 10).cas();

        for (long cas : new long[] {0, stored.cas(), lockCas + 1, GetResult.LOCKED_CAS}) {
            assertThat(bucket.store(StoreMode.SET, key("k"), bytes("x"), 0, 0, cas, Datatype.RAW, false)
                            .status())
                    .as("set cas %d", cas)
                    .isEqualTo(Status.LOCKED);
            assertThat(bucket.store(StoreMode.REPLACE, key("k"), bytes("x"), 0, 0, cas, Datatype.RAW, false)
                            .status())
                    .as("replace cas %d", cas)
                    .isEqualTo(Status.LOCKED);
            assertThat(bucket.delete(key("k"), cas).status())
                    .as("delete cas %d", cas)
                    .isEqualTo(Status.LOCKED);
            assertThat(bucket.concat(key("k"), true, bytes("x"), cas).status())
                    .as("append cas %d", cas)
                    .isEqualTo(Status.LOCKED);
        }
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("v");
    }

    @Test
    void addOnALockedDocumentIsKeyEexistsBecauseItExists() {
        bucket.getLocked(key("k"), 10);

        assertThat(bucket.store(StoreMode.ADD, key("k"), bytes("x"), 0, 0, 0, Datatype.RAW, false)
                        .status())
                .isEqualTo(Status.KEY_EEXISTS);
    }

    @Test
    void arithmeticTouchAndGetAndTouchOnALockedDocumentAreLocked() {
        set(bucket, "n", "1");
        bucket.getLocked(key("n"), 10);

        assertThat(bucket.arithmetic(key("n"), true, 1, 0, 0).status()).isEqualTo(Status.LOCKED);
        assertThat(bucket.touch(key("n"), 100).status()).isEqualTo(Status.LOCKED);
        assertThat(bucket.getAndTouch(key("n"), 100).status()).isEqualTo(Status.LOCKED);
        assertThat(bucket.get(key("n")).item().expiry()).isZero();
    }

    @Test
    void setWithTheLockCasStoresAndReleasesTheLock() {
        long lockCas = bucket.getLocked(key("k"), 10).cas();

        MutationResult m = bucket.store(StoreMode.SET, key("k"), bytes("new"), 0, 0, lockCas, Datatype.RAW, false);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        GetResult r = bucket.get(key("k"));
        assertThat(r.cas()).isEqualTo(m.cas()).isNotEqualTo(GetResult.LOCKED_CAS);
        assertThat(text(r.item().value())).isEqualTo("new");
        assertThat(bucket.unlock(key("k"), m.cas()).status()).isEqualTo(Status.NOT_LOCKED);
    }

    @Test
    void deleteWithTheLockCasRemovesTheDocument() {
        long lockCas = bucket.getLocked(key("k"), 10).cas();

        assertThat(bucket.delete(key("k"), lockCas).status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void appendWithTheLockCasAppendsAndReleasesTheLock() {
        long lockCas = bucket.getLocked(key("k"), 10).cas();

        assertThat(bucket.concat(key("k"), true, bytes("w"), lockCas).status()).isEqualTo(Status.SUCCESS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("vw");
        assertThat(bucket.getLocked(key("k"), 10).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void unlockOfAMissingDocumentIsKeyEnoent() {
        assertThat(bucket.unlock(key("missing"), 123).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void unlockOfAnUnlockedDocumentIsNotLocked() {
        assertThat(bucket.unlock(key("k"), stored.cas()).status()).isEqualTo(Status.NOT_LOCKED);
    }

    @Test
    void unlockWithAnotherCasIsLockedAndKeepsTheLock() {
        long lockCas = bucket.getLocked(key("k"), 10).cas();

        assertThat(bucket.unlock(key("k"), lockCas + 1).status()).isEqualTo(Status.LOCKED);
        assertThat(bucket.get(key("k")).cas()).isEqualTo(GetResult.LOCKED_CAS);
    }

    @Test
    void unlockWithTheLockCasReleasesTheLockAndTheDocumentKeepsTheLockCas() {
        long lockCas = bucket.getLocked(key("k"), 10).cas();

        MutationResult m = bucket.unlock(key("k"), lockCas);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(m.cas()).isEqualTo(lockCas);
        assertThat(bucket.get(key("k")).cas()).isEqualTo(lockCas);
        MutationResult write = bucket.store(StoreMode.SET, key("k"), bytes("x"), 0, 0, 0, Datatype.RAW, false);
        assertThat(write.status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void lockingAndUnlockingDoNotStampASeqno() {
        int vb = stored.vbucket();

        GetResult locked = bucket.getLocked(key("k"), 10);
        MutationResult unlocked = bucket.unlock(key("k"), locked.cas());

        assertThat(bucket.highSeqno(vb)).isEqualTo(stored.seqno());
        assertThat(locked.item().seqno()).isEqualTo(stored.seqno());
        assertThat(unlocked.seqno()).isEqualTo(stored.seqno());
        assertThat(bucket.getMeta(key("k")).seqno()).isEqualTo(stored.seqno());
    }

    @Test
    void lockExpiresAfterTheRequestedLockTime() {
        long lockCas = bucket.getLocked(key("k"), 5).cas();

        clock.advance(Duration.ofMillis(4_999));
        assertThat(bucket.getLocked(key("k"), 5).status()).isEqualTo(Status.LOCKED);

        clock.advance(Duration.ofMillis(1));
        GetResult r = bucket.get(key("k"));
        assertThat(r.cas()).isEqualTo(lockCas);
        assertThat(bucket.unlock(key("k"), lockCas).status()).isEqualTo(Status.NOT_LOCKED);
        assertThat(set(bucket, "k", "after").status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void lockTimeZeroMeansTheDefaultOfFifteenSeconds() {
        assertLockLasts(0, 15);
    }

    @Test
    void lockTimeAboveTheMaximumMeansTheDefault() {
        assertLockLasts(31, 15);
    }

    @Test
    void negativeLockTimeMeansTheDefault() {
        assertLockLasts(-1, 15);
    }

    @Test
    void lockTimeOfExactlyTheMaximumIsHonoured() {
        assertLockLasts(30, 30);
    }

    @Test
    void aNewLockCanBeTakenOnceTheOldOneExpired() {
        long first = bucket.getLocked(key("k"), 1).cas();
        clock.advance(Duration.ofSeconds(1));

        GetResult second = bucket.getLocked(key("k"), 1);

        assertThat(second.status()).isEqualTo(Status.SUCCESS);
        assertThat(second.cas()).isNotEqualTo(first);
        assertThat(bucket.unlock(key("k"), first).status()).isEqualTo(Status.LOCKED);
    }

    private void assertLockLasts(int requested, int expectedSeconds) {
        assertThat(bucket.getLocked(key("k"), requested).status()).isEqualTo(Status.SUCCESS);

        clock.advance(Duration.ofSeconds(expectedSeconds).minusMillis(1));
        assertThat(bucket.getLocked(key("k"), 1).status())
                .as("just before %d s", expectedSeconds)
                .isEqualTo(Status.LOCKED);

        clock.advance(Duration.ofMillis(1));
        assertThat(bucket.getLocked(key("k"), 1).status())
                .as("at %d s", expectedSeconds)
                .isEqualTo(Status.SUCCESS);
    }
}
