package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.DocKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One partition of a bucket: its documents in key order, its UUID and its sequence numbers.
 *
 * <p><b>Thread-safe.</b> Reads are lock-free: the documents live in a {@link ConcurrentSkipListMap}
 * of immutable {@link StoredValue}s (mirrored in a hash map for point reads), so a Get never waits
 * and a range scan can walk a collection in
 * key order (collection id, then unsigned key bytes, as {@link DocKey} compares) while writes go on;
 * such iteration is weakly consistent. Every change to the map, its item count and the sequence
 * number happens under one {@link ReentrantLock} per vBucket. The critical sections are short and
 * in-memory (no I/O, no waiting on other threads), which keeps {@code Bucket}'s non-blocking
 * contract, and holding one lock across "check the current revision, stamp a seqno, install" makes
 * each mutation atomic with respect to CAS and makes seqno order equal installation order, which is
 * what range scans and mutation tokens need. The package-private {@code ...Locked} methods require
 * that lock and assert it.
 */
public final class VBucket {
    private static final byte[] EMPTY = new byte[0];

    private final int id;
    private final long uuid;
    private final ConcurrentSkipListMap<DocKey, StoredValue> items = new ConcurrentSkipListMap<>();
    /**
     * The same documents by hash, for point reads: a skip-list lookup walks several levels of nodes
     * (a cache miss each), and profiling under memcaslap put about three quarters of server CPU
     * there. Both maps change together under the write lock; the ordered one serves range scans.
     */
    private final ConcurrentHashMap<DocKey, StoredValue> index = new ConcurrentHashMap<>();
    /**
     * Deleted documents that kept system xattrs (sub-document AccessDeleted reads them). A key is in
     * at most one of {@code index} and this map; tombstones are not items and range scans never see them.
     */
    private final ConcurrentHashMap<DocKey, StoredValue> tombstones = new ConcurrentHashMap<>();

    private final ReentrantLock writeLock = new ReentrantLock();
    // Written only under writeLock; volatile so that readers outside it see the latest value.
    private volatile long highSeqno;
    private volatile long itemCount;

    VBucket(int id) {
        this.id = id;
        // In [1, 2^63 - 1): positive because clients carry it as an unsigned number and the range-scan
        // JSON carries it as a decimal string, and never 0 so that it cannot look unset.
        this.uuid = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    public int id() {
        return id;
    }

    /** Random, fixed for the life of the vBucket, in [1, 2^63). */
    public long uuid() {
        return uuid;
    }

    /** The sequence number of the latest mutation (0 before the first). */
    public long highSeqno() {
        return highSeqno;
    }

    /** Documents held, expired ones not yet removed included. */
    public long itemCount() {
        return itemCount;
    }

    /** The stored revision of {@code key} as it is, possibly expired or locked; {@code null} if absent. */
    public StoredValue peek(DocKey key) {
        return index.get(key);
    }

    /** The tombstone of {@code key} (a deleted document with system xattrs), or {@code null}. */
    public StoredValue tombstone(DocKey key) {
        return tombstones.get(key);
    }

    /** Tombstones held. */
    public int tombstoneCount() {
        return tombstones.size();
    }

    /**
     * A live, read-only, key-ordered view of one collection's documents, for range scans. Values may be
     * expired or locked: callers filter with {@link StoredValue#isExpired} against the bucket's clock.
     */
    public NavigableMap<DocKey, StoredValue> collectionView(int collectionId) {
        DocKey first = new DocKey(collectionId, EMPTY);
        NavigableMap<DocKey, StoredValue> view = collectionId == -1
                ? items.tailMap(first, true) // 0xFFFFFFFF is the last collection: no upper bound to name
                : items.subMap(first, true, new DocKey(collectionId + 1, EMPTY), false);
        return Collections.unmodifiableNavigableMap(view);
    }

    /** A live, read-only view of the documents between two keys, ordered as {@link DocKey} compares. */
    public NavigableMap<DocKey, StoredValue> range(DocKey from, boolean fromInclusive, DocKey to, boolean toInclusive) {
        return Collections.unmodifiableNavigableMap(items.subMap(from, fromInclusive, to, toInclusive));
    }

    void lock() {
        writeLock.lock();
    }

    void unlock() {
        writeLock.unlock();
    }

    /** Stamps the next sequence number; each mutation, deletion and expiry takes exactly one. */
    long nextSeqnoLocked() {
        assert writeLock.isHeldByCurrentThread() : "vBucket " + id + " seqno stamped without its lock";
        long next = highSeqno + 1;
        highSeqno = next;
        return next;
    }

    /** Installs a revision; returns the one it replaced, or {@code null}. */
    StoredValue putLocked(DocKey key, StoredValue value) {
        assert writeLock.isHeldByCurrentThread() : "vBucket " + id + " written without its lock";
        assert !tombstones.containsKey(key) : "live revision installed over a tombstone";
        StoredValue previous = index.put(key, value);
        items.put(key, value);
        if (previous == null) {
            itemCount = itemCount + 1;
        }
        return previous;
    }

    /** Removes a document; returns it, or {@code null} if there was none. */
    StoredValue removeLocked(DocKey key) {
        assert writeLock.isHeldByCurrentThread() : "vBucket " + id + " written without its lock";
        StoredValue previous = index.remove(key);
        items.remove(key);
        if (previous != null) {
            itemCount = itemCount - 1;
        }
        return previous;
    }

    /** Installs a tombstone; the key must have no live revision. Returns the tombstone it replaced. */
    StoredValue putTombstoneLocked(DocKey key, StoredValue tombstone) {
        assert writeLock.isHeldByCurrentThread() : "vBucket " + id + " written without its lock";
        assert !index.containsKey(key) : "tombstone installed over a live revision";
        return tombstones.put(key, tombstone);
    }

    /** Removes the tombstone of {@code key}; returns it, or {@code null}. */
    StoredValue removeTombstoneLocked(DocKey key) {
        assert writeLock.isHeldByCurrentThread() : "vBucket " + id + " written without its lock";
        return tombstones.remove(key);
    }

    /** The tombstones of one collection, for its purge. Weakly consistent. */
    List<Map.Entry<DocKey, StoredValue>> tombstonesOf(int collectionId) {
        List<Map.Entry<DocKey, StoredValue>> out = new ArrayList<>();
        for (Map.Entry<DocKey, StoredValue> e : tombstones.entrySet()) {
            if (e.getKey().collectionId() == collectionId) {
                out.add(e);
            }
        }
        return out;
    }

    /** Removes every document; returns the bytes they were charged. Sequence numbers are kept. */
    long clearLocked() {
        assert writeLock.isHeldByCurrentThread() : "vBucket " + id + " written without its lock";
        long charged = 0;
        for (Map.Entry<DocKey, StoredValue> e : items.entrySet()) {
            charged += MemoryQuota.chargeOf(e.getKey(), e.getValue().value());
        }
        for (Map.Entry<DocKey, StoredValue> e : tombstones.entrySet()) {
            charged += MemoryQuota.chargeOf(e.getKey(), e.getValue().value());
        }
        items.clear();
        index.clear();
        tombstones.clear();
        itemCount = 0;
        return charged;
    }

    /** All documents in key order, for the expiry pager. Weakly consistent. */
    Iterable<Map.Entry<DocKey, StoredValue>> entries() {
        return items.entrySet();
    }
}
