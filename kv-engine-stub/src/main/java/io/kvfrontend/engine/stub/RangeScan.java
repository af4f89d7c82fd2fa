package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.DocKey;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One open range scan (mcbp-protocol.md 11): what it covers in which vBucket and collection, where it
 * is (the last key it returned), and its state.
 *
 * <p>State: {@code IDLE} between continues, {@code CONTINUING} while one continue task owns it, and
 * finally {@code COMPLETED}, {@code CANCELLED} or {@code EXPIRED}. Transitions are compare-and-set,
 * so exactly one continue can own the scan ({@code Ebusy} for a second) and exactly one ending wins.
 *
 * <p>Consistency: a range scan walks the vBucket's skip list in key order and every batch resumes
 * strictly after the last key returned, reading each document's current revision as it goes (the
 * skip list's weakly consistent iteration). Hence every key that exists for the whole scan is
 * returned exactly once, with a revision it had while its batch was read; a key added or removed
 * during the scan may or may not be returned (at most once); expired documents are skipped. A
 * sampling scan fixes its sample of keys at creation and returns each sampled key that still exists
 * when its batch is read.
 *
 * <p><b>Thread-safe.</b> The cursor fields are written only by the continue task that owns the
 * scan ({@code CONTINUING}); taking and giving back ownership goes through the atomic state, which
 * publishes them to the next owner.
 */
final class RangeScan {
    enum State {
        IDLE,
        CONTINUING,
        COMPLETED,
        CANCELLED,
        EXPIRED
    }

    private final UUID id;
    private final StubBucket bucket;
    private final VBucket vbucket;
    private final int collectionId;
    private final boolean keyOnly;
    private final boolean snappyValues;
    private final long connectionId;
    private final String name;
    private final long createdNanos;
    /** Range scans: the bounds, as keys of {@link #collectionId}. {@code null} for a sampling scan. */
    private final DocKey start;

    private final boolean startInclusive;
    private final DocKey end;
    private final boolean endInclusive;
    /** Sampling scans: the keys chosen at creation, in key order. {@code null} for a range scan. */
    private final List<DocKey> sample;

    private final AtomicReference<State> state = new AtomicReference<>(State.IDLE);
    private volatile RangeScanContinueTask task;
    private final AtomicBoolean released = new AtomicBoolean();

    // Owned by the continuing task (see class comment).
    private DocKey lastKey;
    private int sampleIndex;

    private RangeScan(
            UUID id,
            StubBucket bucket,
            VBucket vbucket,
            int collectionId,
            boolean keyOnly,
            boolean snappyValues,
            long connectionId,
            String name,
            DocKey start,
            boolean startInclusive,
            DocKey end,
            boolean endInclusive,
            List<DocKey> sample) {
        this.id = id;
        this.bucket = bucket;
        this.vbucket = vbucket;
        this.collectionId = collectionId;
        this.keyOnly = keyOnly;
        this.snappyValues = snappyValues;
        this.connectionId = connectionId;
        this.name = name;
        this.createdNanos = System.nanoTime();
        this.start = start;
        this.startInclusive = startInclusive;
        this.end = end;
        this.endInclusive = endInclusive;
        this.sample = sample;
    }

    static RangeScan range(
            UUID id,
            StubBucket bucket,
            VBucket vbucket,
            int collectionId,
            boolean keyOnly,
            boolean snappyValues,
            long connectionId,
            String name,
            byte[] start,
            boolean startInclusive,
            byte[] end,
            boolean endInclusive) {
        return new RangeScan(
                id,
                bucket,
                vbucket,
                collectionId,
                keyOnly,
                snappyValues,
                connectionId,
                name,
                new DocKey(collectionId, start),
                startInclusive,
                new DocKey(collectionId, end),
                endInclusive,
                null);
    }

    static RangeScan sampling(
            UUID id,
            StubBucket bucket,
            VBucket vbucket,
            int collectionId,
            boolean keyOnly,
            boolean snappyValues,
            long connectionId,
            String name,
            List<DocKey> sample) {
        return new RangeScan(
                id,
                bucket,
                vbucket,
                collectionId,
                keyOnly,
                snappyValues,
                connectionId,
                name,
                null,
                false,
                null,
                false,
                List.copyOf(sample));
    }

    UUID id() {
        return id;
    }

    /** The 16 bytes clients use to name this scan. */
    byte[] idBytes() {
        return toBytes(id);
    }

    static byte[] toBytes(UUID id) {
        return ByteBuffer.allocate(16)
                .putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits())
                .array();
    }

    static UUID fromBytes(byte[] id) {
        ByteBuffer b = ByteBuffer.wrap(id);
        return new UUID(b.getLong(), b.getLong());
    }

    StubBucket bucket() {
        return bucket;
    }

    int vbucketId() {
        return vbucket.id();
    }

    boolean keyOnly() {
        return keyOnly;
    }

    /** Whether the client takes compressed values as stored (it negotiated Snappy). */
    boolean snappyValues() {
        return snappyValues;
    }

    long connectionId() {
        return connectionId;
    }

    String name() {
        return name;
    }

    long createdNanos() {
        return createdNanos;
    }

    State state() {
        return state.get();
    }

    boolean isContinuing() {
        return state.get() == State.CONTINUING;
    }

    /** Whether the scan ended without completing (cancelled or expired): its continue must stop. */
    boolean isCancelled() {
        State s = state.get();
        return s == State.CANCELLED || s == State.EXPIRED;
    }

    /** IDLE to CONTINUING for {@code owner}; false if a continue runs already or the scan ended. */
    boolean tryStartContinue(RangeScanContinueTask owner) {
        if (!state.compareAndSet(State.IDLE, State.CONTINUING)) {
            return false;
        }
        task = owner;
        return true;
    }

    /** CONTINUING back to IDLE (a limit was hit); false if the scan was cancelled meanwhile. */
    boolean endContinue() {
        task = null;
        return state.compareAndSet(State.CONTINUING, State.IDLE);
    }

    /**
     * Ends the scan with {@code how} unless it has ended already; a continue parked for output
     * capacity is woken so that it notices. Returns whether this call ended it.
     */
    boolean end(State how) {
        while (true) {
            State s = state.get();
            if (s == State.COMPLETED || s == State.CANCELLED || s == State.EXPIRED) {
                return false;
            }
            if (state.compareAndSet(s, how)) {
                RangeScanContinueTask t = task;
                if (t != null && how != State.COMPLETED) {
                    t.wake();
                }
                return true;
            }
        }
    }

    /** True the first time only: the registry releases a scan's slot once, whoever removes it. */
    boolean markReleased() {
        return released.compareAndSet(false, true);
    }

    // ---------------------------------------------------------------- reading (owner only)

    /**
     * The documents still to return, in key order, from just after the last key returned. Expired
     * documents are skipped. Call {@link #returned(DocKey)} for each one handed to the client.
     */
    Iterator<Map.Entry<DocKey, StoredValue>> remaining(long nowSeconds) {
        Iterator<Map.Entry<DocKey, StoredValue>> raw = sample == null ? rangeIterator() : sampleIterator();
        return new LookAhead<>() {
            @Override
            protected Map.Entry<DocKey, StoredValue> advance() {
                while (raw.hasNext()) {
                    Map.Entry<DocKey, StoredValue> e = raw.next();
                    if (!e.getValue().isExpired(nowSeconds)) {
                        return e;
                    }
                }
                return null;
            }
        };
    }

    /** Records that {@code key} went to the client: the next batch starts after it. */
    void returned(DocKey key) {
        if (sample == null) {
            lastKey = key;
        } else {
            // Sampled keys are distinct and ordered: skip to just past this one.
            while (sampleIndex < sample.size() && sample.get(sampleIndex).compareTo(key) <= 0) {
                sampleIndex++;
            }
        }
    }

    private Iterator<Map.Entry<DocKey, StoredValue>> rangeIterator() {
        DocKey from = lastKey == null ? start : lastKey;
        boolean fromInclusive = lastKey == null && startInclusive;
        int c = from.compareTo(end);
        if (c > 0 || (c == 0 && !(fromInclusive && endInclusive))) {
            return Collections.emptyIterator();
        }
        NavigableMap<DocKey, StoredValue> view = vbucket.collectionView(collectionId);
        return view.subMap(from, fromInclusive, end, endInclusive).entrySet().iterator();
    }

    private Iterator<Map.Entry<DocKey, StoredValue>> sampleIterator() {
        return new LookAhead<>() {
            private int i = sampleIndex;

            @Override
            protected Map.Entry<DocKey, StoredValue> advance() {
                while (i < sample.size()) {
                    DocKey k = sample.get(i++);
                    StoredValue sv = vbucket.peek(k);
                    if (sv != null) {
                        return Map.entry(k, sv);
                    }
                }
                return null;
            }
        };
    }

    @Override
    public String toString() {
        return "RangeScan{id=" + id + ", bucket=" + bucket.name() + ", vb=" + vbucket.id() + ", cid="
                + Integer.toHexString(collectionId) + (name == null ? "" : ", name=" + name) + ", state="
                + state.get() + "}";
    }

    /** An iterator that finds its next element when asked; {@link #advance} returns null at the end. */
    private abstract static class LookAhead<T> implements Iterator<T> {
        private T next;
        private boolean found;

        protected abstract T advance();

        @Override
        public boolean hasNext() {
            if (!found) {
                next = advance();
                found = true;
            }
            return next != null;
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            found = false;
            return next;
        }
    }
}
