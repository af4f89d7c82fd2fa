package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Cookie;
import io.kvfrontend.engine.spi.CookieOutput;
import io.kvfrontend.engine.spi.EngineResult;
import io.kvfrontend.engine.spi.OutputFrame;
import io.kvfrontend.engine.spi.RangeScanSettings;
import io.kvfrontend.engine.spi.RangeScanSpec;
import io.kvfrontend.engine.spi.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine side of range scans with a hand-driven cookie output: the continue task gives its
 * thread back when the output has no room and comes back from the capacity callback, a cancel
 * reaches a parked task, a closed output stops it, and each command is notified exactly once.
 */
class RangeScanEngineTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private final MutableClock clock = new MutableClock(START);
    private final StubEngine engine = new StubEngine(Fixtures.settings(clock)
            .withRangeScans(RangeScanSettings.defaults().withBatchBytes(64).withLimits(4, 2)));
    private StubBucket bucket;

    @AfterEach
    void close() {
        engine.close();
    }

    private void load(int n) {
        engine.createBucket(new BucketConfig("b", BucketConfig.DEFAULT_QUOTA_BYTES, 1, 1024, true));
        bucket = engine.stubBucket("b");
        for (int i = 0; i < n; i++) {
            Fixtures.set(bucket, String.format("k%03d", i), "v");
        }
    }

    /** A cookie whose output the test controls: room or not, open or closed. */
    static final class HandCookie implements Cookie, CookieOutput {
        final long connection;
        volatile boolean room = true;
        /** When non-negative: room for this many more frames (each write uses one), whatever {@link #room} says. */
        final AtomicInteger credits = new AtomicInteger(-1);

        volatile boolean closed;
        final List<OutputFrame> frames = new CopyOnWriteArrayList<>();
        final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>();
        final List<Status> notified = new CopyOnWriteArrayList<>();
        volatile Object storage;

        HandCookie(long connection) {
            this.connection = connection;
        }

        @Override
        public CookieOutput output() {
            return this;
        }

        @Override
        public void notifyIoComplete(Status status) {
            notified.add(status);
        }

        @Override
        public long connectionId() {
            return connection;
        }

        @Override
        public Object engineStorage() {
            return storage;
        }

        @Override
        public void engineStorage(Object value) {
            storage = value;
        }

        @Override
        public WriteResult write(OutputFrame frame) {
            if (closed) {
                return WriteResult.CLOSED;
            }
            // As the contract says the front end does: copy before returning, the producer reuses its buffer.
            frames.add(new OutputFrame(
                    frame.status(),
                    frame.datatype(),
                    frame.cas(),
                    frame.extras(),
                    frame.key(),
                    java.util.Arrays.copyOf(frame.value(), frame.valueLength())));
            if (credits.get() >= 0) {
                return credits.decrementAndGet() > 0 ? WriteResult.OK : WriteResult.PAUSE;
            }
            return room ? WriteResult.OK : WriteResult.PAUSE;
        }

        @Override
        public boolean hasCapacity() {
            if (credits.get() >= 0) {
                return credits.get() > 0 && !closed;
            }
            return room && !closed;
        }

        @Override
        public void onCapacity(Runnable callback) {
            waiters.add(callback);
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        /** What the front end does when the channel drains (or closes): run the waiters. */
        void runWaiters() {
            Runnable r;
            while ((r = waiters.poll()) != null) {
                r.run();
            }
        }

        List<String> keys() {
            List<String> out = new ArrayList<>();
            for (OutputFrame f : frames) {
                ByteBuffer b = ByteBuffer.wrap(f.value());
                while (b.hasRemaining()) {
                    byte[] k = new byte[b.get()];
                    b.get(k);
                    out.add(new String(k, StandardCharsets.UTF_8));
                }
            }
            return out;
        }
    }

    private static RangeScanSpec keys() {
        return new RangeScanSpec(0, true, new byte[0], true, new byte[] {(byte) 0xff}, true, 0, 0, null, null);
    }

    private byte[] create(long connection, RangeScanSpec spec) {
        HandCookie c = new HandCookie(connection);
        assertThat(bucket.rangeScanCreate(c, 0, spec).wouldBlock()).isTrue();
        Await.until("create notified", DEADLINE, () -> !c.notified.isEmpty());
        assertThat(c.notified).containsExactly(Status.SUCCESS);
        EngineResult<byte[]> r = bucket.rangeScanCreate(c, 0, spec);
        assertThat(r.status()).isEqualTo(Status.SUCCESS);
        return r.value();
    }

    private int activeThreads() {
        return ((ThreadPoolExecutor) engine.backgroundExecutor()).getActiveCount();
    }

    /** Documents of a value scan: key to (datatype, value). */
    private static java.util.Map<String, java.util.Map.Entry<Integer, byte[]>> documents(List<OutputFrame> frames) {
        java.util.Map<String, java.util.Map.Entry<Integer, byte[]>> out = new java.util.TreeMap<>();
        for (OutputFrame f : frames) {
            ByteBuffer b = ByteBuffer.wrap(f.value());
            while (b.hasRemaining()) {
                b.position(b.position() + 4 + 4 + 8 + 8); // flags, expiry, seqno, cas
                int datatype = b.get() & 0xff;
                byte[] k = new byte[b.get()];
                b.get(k);
                int len = 0;
                for (int shift = 0; ; shift += 7) {
                    int x = b.get() & 0xff;
                    len |= (x & 0x7f) << shift;
                    if ((x & 0x80) == 0) {
                        break;
                    }
                }
                byte[] v = new byte[len];
                b.get(v);
                out.put(new String(k, StandardCharsets.UTF_8), java.util.Map.entry(datatype, v));
            }
        }
        return out;
    }

    @Test
    void compressedDocumentsAreInflatedForAClientWithoutSnappyAndSentAsStoredOtherwise() {
        load(0);
        byte[] plain = ("{\"v\":\"" + "z".repeat(300) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] compressed = io.kvfrontend.engine.spi.SnappyCodec.compress(plain);
        int jsonSnappy = io.kvfrontend.engine.spi.Datatype.JSON | io.kvfrontend.engine.spi.Datatype.SNAPPY;
        bucket.store(
                io.kvfrontend.engine.spi.StoreMode.SET,
                io.kvfrontend.engine.spi.DocKey.ofDefault("c".getBytes(StandardCharsets.UTF_8)),
                compressed,
                0,
                0,
                0,
                jsonSnappy,
                false);
        Fixtures.set(bucket, "p", "plain");
        for (boolean snappy : new boolean[] {false, true}) {
            RangeScanSpec docs = new RangeScanSpec(
                            0, false, new byte[0], true, new byte[] {(byte) 0xff}, true, 0, 0, null, null)
                    .withSnappyValues(snappy);
            byte[] id = create(1, docs);
            HandCookie c = new HandCookie(1);
            assertThat(bucket.rangeScanContinue(c, 0, id, 0, 0, 0).wouldBlock()).isTrue();
            Await.until("continue notified", DEADLINE, () -> !c.notified.isEmpty());

            var found = documents(c.frames);
            assertThat(found.keySet()).containsExactly("c", "p");
            assertThat(found.get("c").getKey()).as("snappy %s", snappy).isEqualTo(snappy ? jsonSnappy : 0x01);
            assertThat(found.get("c").getValue()).isEqualTo(snappy ? compressed : plain);
            assertThat(found.get("p").getValue()).isEqualTo("plain".getBytes(StandardCharsets.UTF_8));
            bucket.rangeScanContinue(c, 0, id, 0, 0, 0);
        }
    }

    @Test
    void aContinueWithoutRoomGivesItsThreadBackAndResumesFromTheCallback() {
        load(100);
        byte[] id = create(1, keys());
        HandCookie c = new HandCookie(1);
        c.credits.set(0);
        assertThat(bucket.rangeScanContinue(c, 0, id, 0, 0, 0).wouldBlock()).isTrue();
        Await.until("task parked", DEADLINE, () -> !c.waiters.isEmpty() && activeThreads() == 0);
        assertThat(c.frames).isEmpty();
        assertThat(c.notified).isEmpty();
        assertThat(bucket.rangeScanStats().continuing()).isEqualTo(1);

        // Room for one frame at a time: each write answers PAUSE and the task parks again.
        AtomicInteger rounds = new AtomicInteger();
        while (c.notified.isEmpty()) {
            Await.until("parked again", DEADLINE, () -> !c.waiters.isEmpty() || !c.notified.isEmpty());
            if (!c.notified.isEmpty()) {
                break;
            }
            int before = c.frames.size();
            c.credits.set(1);
            c.runWaiters();
            Await.until("a frame", DEADLINE, () -> c.frames.size() > before || !c.notified.isEmpty());
            assertThat(c.frames.size()).as("one frame per callback").isLessThanOrEqualTo(before + 1);
            rounds.incrementAndGet();
        }
        assertThat(rounds.get()).isGreaterThan(5);
        assertThat(c.notified).containsExactly(Status.SUCCESS);
        EngineResult<Integer> end = bucket.rangeScanContinue(c, 0, id, 0, 0, 0);
        assertThat(end.status()).isEqualTo(Status.RANGE_SCAN_COMPLETE);
        assertThat(end.value()).isZero();
        assertThat(c.keys()).hasSize(100).isSorted().doesNotHaveDuplicates();
        assertThat(c.frames).allSatisfy(f -> {
            assertThat(f.status()).isEqualTo(Status.SUCCESS);
            assertThat(f.extras()).containsExactly(0, 0, 0, 0);
            assertThat(f.value().length).isLessThanOrEqualTo(64 + 5);
        });
        assertThat(bucket.rangeScanStats().open()).isZero();
    }

    @Test
    void aCancelReachesAParkedContinue() {
        load(50);
        byte[] id = create(1, keys());
        HandCookie c = new HandCookie(1);
        c.room = false;
        assertThat(bucket.rangeScanContinue(c, 0, id, 0, 0, 0).wouldBlock()).isTrue();
        Await.until("task parked", DEADLINE, () -> !c.waiters.isEmpty());

        HandCookie other = new HandCookie(2);
        assertThat(bucket.rangeScanContinue(other, 0, id, 0, 0, 0).status()).isEqualTo(Status.EBUSY);
        assertThat(bucket.rangeScanCancel(0, id)).isEqualTo(Status.SUCCESS);
        Await.until("cancel notified", DEADLINE, () -> !c.notified.isEmpty());
        assertThat(c.notified).containsExactly(Status.RANGE_SCAN_CANCELLED);
        // The stale capacity callback does nothing more.
        c.room = true;
        c.runWaiters();
        assertThat(c.notified).containsExactly(Status.RANGE_SCAN_CANCELLED);
        assertThat(bucket.rangeScanCancel(0, id)).isEqualTo(Status.KEY_ENOENT);
        Await.until(
                "no continue counted", DEADLINE, () -> bucket.rangeScanStats().continuing() == 0);
        assertThat(bucket.rangeScanStats().open()).isZero();
    }

    @Test
    void aClosedOutputStopsTheContinueAndReleasesTheScan() {
        load(50);
        byte[] id = create(7, keys());
        HandCookie c = new HandCookie(7);
        c.room = false;
        assertThat(bucket.rangeScanContinue(c, 0, id, 0, 0, 0).wouldBlock()).isTrue();
        Await.until("task parked", DEADLINE, () -> !c.waiters.isEmpty());
        c.closed = true;
        engine.connectionClosed(7);
        c.runWaiters(); // the front end calls waiters when the output closes
        Await.until("continue ended", DEADLINE, () -> !c.notified.isEmpty());
        assertThat(c.notified).containsExactly(Status.RANGE_SCAN_CANCELLED);
        assertThat(bucket.rangeScanStats().open()).isZero();
        assertThat(bucket.rangeScanStats().cancelled()).isEqualTo(1);
    }

    @Test
    void connectionAndBucketLimitsAndConnectionClose() {
        load(10);
        create(1, keys());
        create(1, keys());
        HandCookie third = new HandCookie(1);
        assertThat(bucket.rangeScanCreate(third, 0, keys()).wouldBlock()).isTrue();
        Await.until("notified", DEADLINE, () -> !third.notified.isEmpty());
        assertThat(third.notified).containsExactly(Status.EBUSY);
        create(2, keys());
        create(3, keys());
        HandCookie fifth = new HandCookie(4);
        bucket.rangeScanCreate(fifth, 0, keys());
        Await.until("notified", DEADLINE, () -> !fifth.notified.isEmpty());
        assertThat(fifth.notified).containsExactly(Status.EBUSY);
        engine.connectionClosed(1);
        assertThat(bucket.rangeScanStats().open()).isEqualTo(2);
        create(4, keys());
        assertThat(bucket.rangeScanStats().rejected()).isEqualTo(2);
    }

    @Test
    void samplesDependOnlyOnSeedAndData() {
        load(300);
        RangeScanSpec s1 = new RangeScanSpec(0, true, null, false, null, false, 30, 5, null, null);
        List<String> first = drain(create(1, s1));
        List<String> second = drain(create(1, s1));
        assertThat(first).isEqualTo(second).isNotEmpty().isSorted();
        RangeScanSpec all = new RangeScanSpec(0, true, null, false, null, false, 300, 5, null, null);
        assertThat(drain(create(1, all))).hasSize(300);
    }

    private List<String> drain(byte[] id) {
        HandCookie c = new HandCookie(1);
        assertThat(bucket.rangeScanContinue(c, 0, id, 0, 0, 0).wouldBlock()).isTrue();
        Await.until("continue done", DEADLINE, () -> !c.notified.isEmpty());
        assertThat(bucket.rangeScanContinue(c, 0, id, 0, 0, 0).status()).isEqualTo(Status.RANGE_SCAN_COMPLETE);
        return c.keys();
    }
}
