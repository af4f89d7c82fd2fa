package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.DocKey;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes a bucket charges against its quota. Each item costs its key, its value and a fixed
 * overhead, so the quota bounds the heap the bucket can hold and a full bucket refuses writes with
 * ETMPFAIL instead of running the JVM out of memory.
 *
 * <p><b>Thread-safe.</b> Writers to different vBuckets charge concurrently; a charge is a
 * compare-and-set loop, so two writers can never together pass the quota.
 */
final class MemoryQuota {
    /**
     * Rough per-item heap cost beyond key and value bytes: the skip-list node and index, the hash
     * map's node and slot, the DocKey, the StoredValue and the two array headers.
     */
    static final long ITEM_OVERHEAD_BYTES = 144;

    private volatile long quotaBytes;
    private final AtomicLong used = new AtomicLong();

    MemoryQuota(long quotaBytes) {
        this.quotaBytes = quotaBytes;
    }

    static long chargeOf(DocKey key, byte[] value) {
        return key.key().length + (long) value.length + ITEM_OVERHEAD_BYTES;
    }

    /**
     * Adds {@code delta} bytes unless that would take usage above the quota. Shrinking (delta &lt;= 0)
     * always succeeds, so a write that frees memory is never refused.
     */
    boolean tryCharge(long delta) {
        while (true) {
            long current = used.get();
            long next = current + delta;
            if (delta > 0 && next > quotaBytes) {
                return false;
            }
            if (used.compareAndSet(current, next)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }

    long quota() {
        return quotaBytes;
    }

    /** A new quota: writes beyond it are refused from now on; what is stored stays. */
    void quota(long bytes) {
        quotaBytes = bytes;
    }
}
