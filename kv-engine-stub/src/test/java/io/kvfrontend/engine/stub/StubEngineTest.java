package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Status;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bucket lifecycle, the background pool and the scheduled expiry pager. */
class StubEngineTest {
    private final MutableClock clock = new MutableClock(START);
    private StubEngine engine = new StubEngine(Fixtures.settings(clock));

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    private StubBucket create(String name) {
        assertThat(engine.createBucket(BucketConfig.defaults(name))).isEqualTo(Status.SUCCESS);
        return engine.stubBucket(name);
    }

    @Test
    void aCreatedBucketCanBeLookedUpByName() {
        StubBucket bucket = create("travel");

        assertThat(engine.bucket("travel")).isSameAs(bucket);
        assertThat(bucket.name()).isEqualTo("travel");
        assertThat(bucket.config()).isEqualTo(BucketConfig.defaults("travel"));
        assertThat(bucket.stats().numVBuckets()).isEqualTo(1024);
    }

    @Test
    void lookingUpAnUnknownOrNullNameGivesNull() {
        assertThat(engine.bucket("nope")).isNull();
        assertThat(engine.bucket(null)).isNull();
    }

    @Test
    void creatingABucketTwiceIsKeyEexistsAndKeepsTheFirst() {
        StubBucket first = create("b");
        set(first, "k", "v");

        assertThat(engine.createBucket(BucketConfig.defaults("b"))).isEqualTo(Status.KEY_EEXISTS);

        assertThat(engine.bucket("b")).isSameAs(first);
        assertThat(first.get(key("k")).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void bucketNamesAreInCreationOrder() {
        create("zeta");
        create("alpha");
        create("mid");
        engine.deleteBucket("alpha");
        create("alpha");

        assertThat(engine.bucketNames()).containsExactly("zeta", "mid", "alpha");
    }

    @Test
    void deletingAnUnknownBucketIsKeyEnoent() {
        assertThat(engine.deleteBucket("nope")).isEqualTo(Status.KEY_ENOENT);
        assertThat(engine.deleteBucket(null)).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void deletingABucketRemovesItFreesItsMemoryAndDetachesOldReferences() {
        StubBucket bucket = create("b");
        set(bucket, "k", "v");

        assertThat(engine.deleteBucket("b")).isEqualTo(Status.SUCCESS);

        assertThat(engine.bucket("b")).isNull();
        assertThat(engine.bucketNames()).isEmpty();
        assertThat(bucket.stats().items()).isZero();
        assertThat(bucket.stats().memUsedBytes()).isZero();
        assertThat(bucket.vbucket(bucket.vbucketOf(key("k").key())).peek(key("k")))
                .isNull();
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.NO_BUCKET);
        assertThat(set(bucket, "k", "v").status()).isEqualTo(Status.NO_BUCKET);
        assertThat(bucket.flush()).isEqualTo(Status.NO_BUCKET);
        assertThat(bucket.stats().items()).isZero();
        assertThat(engine.deleteBucket("b")).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void aBucketCreatedAgainUnderADeletedNameStartsEmpty() {
        set(create("b"), "k", "v");
        engine.deleteBucket("b");

        StubBucket again = create("b");

        assertThat(again.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void backgroundExecutorRunsTasksOnNamedDaemonThreads() throws Exception {
        Future<Thread> thread = engine.backgroundExecutor().submit(Thread::currentThread);

        Thread t = thread.get(10, TimeUnit.SECONDS);

        assertThat(t.getName()).startsWith("kv-aux-");
        assertThat(t.isDaemon()).isTrue();
    }

    @Test
    void onePagerPassCoversEveryBucket() {
        StubBucket a = create("a");
        StubBucket b = create("b");
        set(a, "k", "v", 5);
        set(b, "k", "v", 5);
        set(b, "keep", "v", 0);
        clock.advance(Duration.ofSeconds(5));

        assertThat(engine.runExpiryPagerOnce()).isEqualTo(2);

        assertThat(a.stats().expiredByPager()).isEqualTo(1);
        assertThat(b.stats().expiredByPager()).isEqualTo(1);
        assertThat(b.stats().items()).isEqualTo(1);
    }

    @Test
    void theScheduledPagerRemovesExpiredItemsWithoutAnyAccess() {
        engine.close();
        engine = new StubEngine(Fixtures.settings(clock).withExpiryPagerInterval(Duration.ofMillis(10)));
        StubBucket bucket = create("b");
        set(bucket, "gone", "v", 1);
        set(bucket, "kept", "v", 0);

        clock.advance(Duration.ofSeconds(1));

        Await.until(
                "the pager removed the expired item",
                Duration.ofSeconds(30),
                () -> bucket.stats().expiredByPager() == 1);
        assertThat(bucket.stats().items()).isEqualTo(1);
        assertThat(bucket.stats().expiredOnAccess()).isZero();
        assertThat(bucket.vbucket(bucket.vbucketOf(key("gone").key())).peek(key("gone")))
                .isNull();
    }

    @Test
    void closeStopsTheBackgroundPoolAndDropsEveryBucket() {
        Bucket bucket = create("b");
        set((StubBucket) bucket, "k", "v");

        engine.close();

        assertThat(engine.backgroundExecutor().isTerminated()).isTrue();
        assertThat(engine.bucketNames()).isEmpty();
        assertThat(engine.bucket("b")).isNull();
        assertThat(engine.deleteBucket("b")).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.NO_BUCKET);
        assertThat(bucket.stats().memUsedBytes()).isZero();
    }

    @Test
    void closeIsIdempotent() {
        engine.close();
        engine.close();

        assertThat(engine.backgroundExecutor().isTerminated()).isTrue();
    }

    @Test
    void creatingABucketAfterCloseIsAnIllegalState() {
        engine.close();

        assertThatThrownBy(() -> engine.createBucket(BucketConfig.defaults("b")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void settingsRejectNonsense() {
        assertThatThrownBy(() -> new StubEngineSettings(0, Duration.ofSeconds(1), clock, 15, 30))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StubEngineSettings(1, Duration.ZERO, clock, 15, 30))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StubEngineSettings(1, Duration.ofSeconds(1), clock, 31, 30))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StubEngineSettings(1, Duration.ofSeconds(1), clock, 0, 30))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StubEngineSettings(1, Duration.ofSeconds(1), null, 15, 30))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void defaultSettingsMatchTheProtocolDefaults() {
        StubEngineSettings d = StubEngineSettings.defaults();

        assertThat(d.defaultLockSeconds()).isEqualTo(15);
        assertThat(d.maxLockSeconds()).isEqualTo(30);
        assertThat(d.expiryPagerInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.backgroundThreads()).isBetween(1, 4);
    }
}
