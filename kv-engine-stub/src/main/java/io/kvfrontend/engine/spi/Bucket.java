package io.kvfrontend.engine.spi;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * One bucket of an {@link Engine}: the key-value operations the front end dispatches to.
 *
 * <p><b>Thread-safe and non-blocking.</b> Every method may be called from any event loop at any
 * time and completes inline: no I/O, no waiting on other threads, only short critical sections.
 * Mutations of one key are atomic with respect to CAS. Protocol expiry values are passed raw
 * (unsigned 32-bit): 0 = never, up to 30 days = relative seconds, above = absolute Unix time.
 *
 * <p>The vBucket of a key is computed by the engine from the logical key
 * ({@link #vbucketOf(byte[])}, the SDK's CRC32 formula), not taken from the request header, so plain
 * memcached clients (which send vBucket 0) and SDK clients see the same documents.
 */
public interface Bucket {
    String name();

    BucketConfig config();

    /** {@code ((crc32(key) >> 16) & 0x7fff) & (numVBuckets - 1)}. */
    int vbucketOf(byte[] logicalKey);

    GetResult get(DocKey key);

    /** Reads and sets a new expiry. A document locked by someone else gives {@link Status#LOCKED}. */
    GetResult getAndTouch(DocKey key, long expiry);

    /** Sets a new expiry without reading. Locked documents give {@link Status#LOCKED}. */
    MutationResult touch(DocKey key, long expiry);

    /**
     * Reads and locks: the response CAS is the lock CAS, the only CAS that mutates or unlocks the
     * document until the lock times out.
     *
     * @param lockSeconds requested lock time; 0 or more than the maximum means the default
     */
    GetResult getLocked(DocKey key, int lockSeconds);

    /** Releases a lock taken by {@link #getLocked}; {@code cas} must be the lock CAS. */
    MutationResult unlock(DocKey key, long cas);

    /**
     * Set, Add or Replace. A non-zero {@code cas} makes Set and Replace a compare-and-swap.
     *
     * @param value       the value; a Snappy block if {@code datatype} has {@link Datatype#SNAPPY}
     *                    (the bucket stores it compressed or inflated as its {@link
     *                    CompressionMode} says, and checks the inflated size against its limit)
     * @param preserveTtl keep an existing document's expiry instead of {@code expiry}
     */
    MutationResult store(
            StoreMode mode,
            DocKey key,
            byte[] value,
            int flags,
            long expiry,
            long cas,
            int datatype,
            boolean preserveTtl);

    /**
     * Removes a document; a non-zero {@code cas} must match. A document with system xattrs ({@code _}
     * keys) leaves a tombstone holding only those, as in kv_engine; {@link #getDeleted} reads it.
     */
    MutationResult delete(DocKey key, long cas);

    /**
     * The tombstone of a deleted document that kept system xattrs: its item has an empty body and
     * the xattr section. {@link Status#KEY_ENOENT} if there is none or the document is live.
     */
    default GetResult getDeleted(DocKey key) {
        return GetResult.failure(Status.KEY_ENOENT);
    }

    /**
     * Writes a whole revision computed from an earlier read (see {@link DocumentWrite}): {@link
     * Status#KEY_EEXISTS} if the document changed since (or exists, for a create), {@link
     * Status#KEY_ENOENT} if it went, {@link Status#LOCKED}, {@link Status#E2BIG}, {@link
     * Status#ETMPFAIL} over quota.
     */
    default MutationResult write(DocKey key, DocumentWrite write) {
        return MutationResult.failure(Status.NOT_SUPPORTED);
    }

    /**
     * Increment or decrement an ASCII decimal counter. A missing document is created with
     * {@code initial} unless {@code expiry} is {@code 0xFFFFFFFF}. Increment wraps at 2^64,
     * decrement floors at 0.
     */
    ArithmeticResult arithmetic(DocKey key, boolean increment, long delta, long initial, long expiry);

    /**
     * Append or prepend plain (never compressed) bytes to an existing document ({@link
     * Status#NOT_STORED} if missing). A compressed document is inflated first.
     */
    MutationResult concat(DocKey key, boolean append, byte[] value, long cas);

    /**
     * Changes the bucket's settings at run time: quota, largest value, flush, compression mode.
     * The name and vBucket count cannot change ({@link Status#EINVAL}); scopes and collections
     * change through their own calls and {@code next.scopes()} is ignored.
     */
    default Status update(BucketConfig next) {
        return Status.NOT_SUPPORTED;
    }

    /**
     * Adds a scope (a new manifest uid). {@link Status#KEY_EEXISTS} if it exists, {@link
     * Status#EINVAL} for a bad name.
     */
    default Status createScope(String scope) {
        return Status.NOT_SUPPORTED;
    }

    /**
     * Removes a scope, its collections and their documents. {@link Status#UNKNOWN_SCOPE} if there is
     * none; {@link Status#EINVAL} for {@code _default}.
     */
    default Status dropScope(String scope) {
        return Status.NOT_SUPPORTED;
    }

    /**
     * Adds a collection. {@link Status#UNKNOWN_SCOPE}, {@link Status#KEY_EEXISTS} or {@link
     * Status#EINVAL} (bad name) otherwise.
     */
    default Status createCollection(String scope, String collection) {
        return Status.NOT_SUPPORTED;
    }

    /**
     * Removes a collection and its documents. {@link Status#UNKNOWN_SCOPE} or {@link
     * Status#UNKNOWN_COLLECTION} if there is none; {@link Status#EINVAL} for {@code _default._default}.
     */
    default Status dropCollection(String scope, String collection) {
        return Status.NOT_SUPPORTED;
    }

    /** Metadata of a document (GetMeta), or {@link Status#KEY_ENOENT}. */
    MetaResult getMeta(DocKey key);

    /**
     * Removes every document, when the bucket allows flush ({@link Status#NOT_SUPPORTED} otherwise).
     */
    Status flush();

    /** The UUID of a vBucket: random, stable for the bucket's life, below 2^63. */
    long vbucketUuid(int vbucket);

    /** The highest sequence number stamped in a vBucket. */
    long highSeqno(int vbucket);

    BucketStats stats();

    /** The bucket's scopes and collections. */
    CollectionsManifest collections();

    // ------------------------------------------------------------------ range scans (would-block)

    /**
     * RangeScanCreate on {@code vbucket}. Runs on the engine's background executor: the first call
     * returns {@link EngineResult#blocked()}; once the engine has called
     * {@code cookie.notifyIoComplete(SUCCESS)} the front end calls again with the same cookie and
     * gets the 16-byte scan id. Failures come either inline or as the notified status.
     */
    default EngineResult<byte[]> rangeScanCreate(Cookie cookie, int vbucket, RangeScanSpec spec) {
        return EngineResult.failure(Status.NOT_SUPPORTED);
    }

    /**
     * RangeScanContinue: the background task writes item frames (status Success, extras = flags
     * u32, value = a batch of items) through {@code cookie.output()}, pausing when it has no
     * capacity, until a limit or the end of the range. The front end's second call returns the
     * final status ({@link Status#RANGE_SCAN_MORE} or {@link Status#RANGE_SCAN_COMPLETE}) with the
     * flags value to put in the final frame's extras (0 = keys, 1 = documents). Limits of 0 mean
     * none; every continue returns at least one item unless the scan ends or fails.
     */
    default EngineResult<Integer> rangeScanContinue(
            Cookie cookie, int vbucket, byte[] scanId, int itemLimit, int timeLimitMs, int byteLimit) {
        return EngineResult.failure(Status.NOT_SUPPORTED);
    }

    /** RangeScanCancel: {@link Status#SUCCESS} or {@link Status#KEY_ENOENT}. Inline. */
    default Status rangeScanCancel(int vbucket, byte[] scanId) {
        return Status.NOT_SUPPORTED;
    }

    /** A snapshot of this bucket's range-scan registry (STAT {@code scans}), or {@code null} without scans. */
    default RangeScanStats rangeScanStats() {
        return null;
    }

    /**
     * Registers the meters only the engine knows (e.g. its caches), tagged {@code bucket}, and
     * returns them so that the front end removes them when the bucket goes. None by default.
     */
    default List<Meter> bindMeters(MeterRegistry registry) {
        return List.of();
    }
}
