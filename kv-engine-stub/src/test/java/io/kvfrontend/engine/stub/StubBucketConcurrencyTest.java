package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static io.kvfrontend.engine.stub.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.ArithmeticResult;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Mutations of one key from many threads: CAS must make read-modify-write loops exact, arithmetic
 * must be atomic, and each success must take its own seqno. The outcomes are counts, not timings.
 */
class StubBucketConcurrencyTest {
    private static final int THREADS = 8;
    private static final int ROUNDS = 3_000;
    private static final String[] CAS_KEYS = {"cas-0", "cas-1", "cas-2"};
    private static final String[] ARITH_KEYS = {"arith-0", "arith-1", "arith-2"};
    /** A generous bound so a deadlock fails the test instead of hanging the build; not a timing claim. */
    private static final long DEADLINE_SECONDS = 120;

    private final MutableClock clock = new MutableClock(START);
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void casLoopsAndArithmeticFromEightThreadsLoseNoUpdate() throws Exception {
        // One vBucket: every thread contends for the same lock and the same seqno sequence.
        StubBucket bucket = Fixtures.bucket(clock, Fixtures.config(1));
        for (String k : CAS_KEYS) {
            set(bucket, k, "0");
        }
        for (String k : ARITH_KEYS) {
            set(bucket, k, "0");
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Long>>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int offset = t;
            workers.add(pool.submit(() -> {
                start.await();
                List<Long> seqnos = new ArrayList<>(2 * ROUNDS);
                for (int i = 0; i < ROUNDS; i++) {
                    seqnos.add(casIncrement(bucket, CAS_KEYS[(i + offset) % CAS_KEYS.length]));
                    ArithmeticResult r =
                            bucket.arithmetic(key(ARITH_KEYS[(i + offset) % ARITH_KEYS.length]), true, 1, 0, 0);
                    assertThat(r.status()).isEqualTo(Status.SUCCESS);
                    seqnos.add(r.mutation().seqno());
                }
                return seqnos;
            }));
        }

        start.countDown();
        Set<Long> allSeqnos = new HashSet<>();
        for (Future<List<Long>> w : workers) {
            allSeqnos.addAll(w.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        }

        long perKey = (long) THREADS * ROUNDS / CAS_KEYS.length;
        for (String k : CAS_KEYS) {
            assertThat(text(bucket.get(key(k)).item().value())).as(k).isEqualTo(Long.toString(perKey));
        }
        for (String k : ARITH_KEYS) {
            assertThat(text(bucket.get(key(k)).item().value())).as(k).isEqualTo(Long.toString(perKey));
        }
        long initialSets = CAS_KEYS.length + ARITH_KEYS.length;
        long successes = 2L * THREADS * ROUNDS;
        assertThat(allSeqnos).as("every success took its own seqno").hasSize((int) successes);
        assertThat(bucket.highSeqno(0)).isEqualTo(initialSets + successes);
        assertThat(allSeqnos).allSatisfy(s -> assertThat(s).isBetween(initialSets + 1, initialSets + successes));
    }

    /** Get, add one, store with the CAS read; on KEY_EEXISTS someone else won: read again. */
    private static long casIncrement(StubBucket bucket, String k) {
        while (true) {
            GetResult read = bucket.get(key(k));
            assertThat(read.status()).isEqualTo(Status.SUCCESS);
            long next = Long.parseLong(text(read.item().value())) + 1;
            MutationResult m = bucket.store(
                    StoreMode.SET, key(k), bytes(Long.toString(next)), 0, 0, read.cas(), Datatype.RAW, false);
            if (m.status() == Status.SUCCESS) {
                return m.seqno();
            }
            assertThat(m.status()).isEqualTo(Status.KEY_EEXISTS);
        }
    }

    @Test
    void onlyOneOfManyConcurrentGetLockedCallsGetsTheLock() throws Exception {
        StubBucket bucket = Fixtures.bucket(clock);
        set(bucket, "k", "v");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Status>> attempts = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            attempts.add(pool.submit(() -> {
                start.await();
                return bucket.getLocked(key("k"), 10).status();
            }));
        }

        start.countDown();
        List<Status> outcomes = new ArrayList<>();
        for (Future<Status> f : attempts) {
            outcomes.add(f.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        }

        assertThat(outcomes).filteredOn(s -> s == Status.SUCCESS).hasSize(1);
        assertThat(outcomes).filteredOn(s -> s == Status.LOCKED).hasSize(THREADS - 1);
    }

    @Test
    void pagerAndReadersRacingOverExpiredItemsRemoveEachExactlyOnce() throws Exception {
        int items = 2_000;
        StubBucket bucket = Fixtures.bucket(clock, Fixtures.config(16));
        for (int i = 0; i < items; i++) {
            set(bucket, "k" + i, "v", 5);
        }
        long seqnosBefore = totalHighSeqno(bucket);
        clock.advance(Duration.ofSeconds(5));
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Void>> tasks = new ArrayList<>();
        tasks.add(() -> {
            start.await();
            bucket.runExpiryPager();
            return null;
        });
        for (int t = 0; t < THREADS - 1; t++) {
            int offset = t * 97;
            tasks.add(() -> {
                start.await();
                for (int i = 0; i < items; i++) {
                    assertThat(bucket.get(key("k" + ((i + offset) % items))).status())
                            .isEqualTo(Status.KEY_ENOENT);
                }
                return null;
            });
        }
        List<Future<Void>> running = new ArrayList<>();
        for (Callable<Void> task : tasks) {
            running.add(pool.submit(task));
        }

        start.countDown();
        for (Future<Void> f : running) {
            f.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }

        assertThat(bucket.stats().expiredByPager() + bucket.stats().expiredOnAccess())
                .isEqualTo(items);
        assertThat(bucket.stats().items()).isZero();
        assertThat(bucket.stats().memUsedBytes()).isZero();
        assertThat(totalHighSeqno(bucket)).as("one deletion seqno per item").isEqualTo(seqnosBefore + items);
    }

    private static long totalHighSeqno(StubBucket bucket) {
        long sum = 0;
        for (int vb = 0; vb < bucket.config().numVBuckets(); vb++) {
            sum += bucket.highSeqno(vb);
        }
        return sum;
    }
}
