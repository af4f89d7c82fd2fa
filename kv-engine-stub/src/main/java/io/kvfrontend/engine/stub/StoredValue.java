package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.Item;

/**
 * One revision of a document as a {@link VBucket} holds it. The key is the map key, not a field.
 *
 * <p><b>Immutable.</b> A mutation never changes a stored value: it installs a new one in the
 * vBucket's map, so lock-free readers (Get, range scans) always see a whole revision. {@code value}
 * is never written after the value is stored (the Item contract, architecture.md "Buffer
 * ownership"); callers must not write into it either.
 *
 * @param value             the document body
 * @param flags             user flags, opaque
 * @param expiry            absolute expiry in Unix seconds; 0 = never
 * @param cas               the document's CAS; while locked, the lock CAS
 * @param seqno             the vBucket sequence number of the mutation that produced this revision
 * @param datatype          datatype bits
 * @param lockedUntilMillis end of the GetLocked lock in engine-clock milliseconds; 0 = not locked. A
 *                          lock in the past is simply no lock: locks expire lazily, nothing clears them
 */
public record StoredValue(
        byte[] value, int flags, long expiry, long cas, long seqno, int datatype, long lockedUntilMillis) {

    /** Whether the document has expired at {@code nowSeconds} (expiry at or before now, as memcached). */
    public boolean isExpired(long nowSeconds) {
        return expiry != 0 && expiry <= nowSeconds;
    }

    /** Whether a GetLocked lock is still held at {@code nowMillis}. */
    public boolean isLocked(long nowMillis) {
        return lockedUntilMillis > nowMillis;
    }

    /** The item to hand out, showing {@code shownCas} (the real CAS, or the locked mask). */
    public Item toItem(DocKey key, int vbucket, long shownCas) {
        return new Item(key, value, flags, expiry, shownCas, seqno, datatype, vbucket);
    }

    /** This revision locked until {@code untilMillis} under a fresh lock CAS (same seqno: not a new revision). */
    StoredValue withLock(long lockCas, long untilMillis) {
        return new StoredValue(value, flags, expiry, lockCas, seqno, datatype, untilMillis);
    }

    /** This revision unlocked; the CAS stays the lock CAS, as in kv_engine. */
    StoredValue withoutLock() {
        return new StoredValue(value, flags, expiry, cas, seqno, datatype, 0);
    }
}
