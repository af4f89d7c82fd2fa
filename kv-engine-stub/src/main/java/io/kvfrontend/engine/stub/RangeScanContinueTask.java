package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.Cookie;
import io.kvfrontend.engine.spi.CookieOutput;
import io.kvfrontend.engine.spi.CookieOutput.WriteResult;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.OutputFrame;
import io.kvfrontend.engine.spi.RangeScanSettings;
import io.kvfrontend.engine.spi.Status;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RangeScanContinue on the engine's background executor (kv_engine's
 * {@code RangeScanContinueTask}). It reads the scan's next documents into batches of about
 * {@link RangeScanSettings#batchBytes()} bytes, encoded as mcbp-protocol.md 11.2 says, and writes each
 * batch as one Success frame through the cookie's output, until a limit (items, bytes, time since
 * this continue started; 0 = none; never fewer than one item) or the end of the range. It then
 * leaves the final status ({@link Status#RANGE_SCAN_MORE}, or {@link Status#RANGE_SCAN_COMPLETE}
 * with the scan removed) in the cookie as an {@link Outcome} and notifies SUCCESS; the front end
 * sends the final frame from the event loop.
 *
 * <p>It never parks a thread: before each batch it checks the output's capacity, and without room
 * (or after a write answered PAUSE) it registers {@link CookieOutput#onCapacity} and returns; the
 * callback submits it to the executor again. It also gives its thread back after
 * {@link #BATCHES_PER_SLICE} batches, so concurrent scans share the pool. A cancelled or expired
 * scan wakes a parked task, which then ends the continue with {@link Status#RANGE_SCAN_CANCELLED};
 * a closed output ends it and cancels the scan.
 *
 * <p><b>Thread-safe</b>: at most one thread runs it at a time (the {@link #state} hand-over).
 */
final class RangeScanContinueTask implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RangeScanContinueTask.class);
    static final int BATCHES_PER_SLICE = 16;
    /** Extras of every frame: flags u32, 0 = keys, 1 = documents. Shared, never written. */
    private static final byte[] KEYS_FLAGS = {0, 0, 0, 0};

    private static final byte[] DOCS_FLAGS = {0, 0, 0, 1};

    /** The end of a continue, left in the cookie for the front end's second call. */
    record Outcome(Status status, int flags) {}

    private static final int RUNNING = 0;
    private static final int PARKED = 1;
    private static final int DONE = 2;

    private final RangeScan scan;
    private final RangeScanRegistry registry;
    private final Executor executor;
    private final Cookie cookie;
    private final CookieOutput out;
    private final long itemLimit;
    private final long byteLimit;
    private final long timeLimitNanos;
    private final long startNanos = System.nanoTime();
    private final int batchBytes;
    private final AtomicInteger state = new AtomicInteger(RUNNING);

    private long items;
    private long bytes;
    private long itemsInBatch;
    private byte[] buf;
    private int len;

    RangeScanContinueTask(
            RangeScan scan,
            RangeScanRegistry registry,
            Executor executor,
            Cookie cookie,
            long itemLimit,
            long timeLimitMs,
            long byteLimit) {
        this.scan = scan;
        this.registry = registry;
        this.executor = executor;
        this.cookie = cookie;
        this.out = cookie.output();
        this.itemLimit = itemLimit;
        this.byteLimit = byteLimit;
        this.timeLimitNanos = TimeUnit.MILLISECONDS.toNanos(timeLimitMs);
        this.batchBytes = registry.settings().batchBytes();
        this.buf = new byte[batchBytes + 64];
    }

    int flags() {
        return scan.keyOnly() ? 0 : 1;
    }

    /** First submission (the continue was validated and owns the scan). */
    void start() {
        executor.execute(this);
    }

    /** Runs the task again if it is parked (output capacity, cancellation). Any thread; never blocks. */
    void wake() {
        if (state.compareAndSet(PARKED, RUNNING)) {
            resubmit();
        }
    }

    private void resubmit() {
        try {
            executor.execute(this);
        } catch (RejectedExecutionException e) {
            // The engine is closing: end the command rather than leave the connection blocked.
            state.set(DONE);
            registry.continueAborted();
            cookie.notifyIoComplete(scan.isCancelled() ? Status.RANGE_SCAN_CANCELLED : Status.ETMPFAIL);
        }
    }

    @Override
    public void run() {
        try {
            runSlice();
        } catch (RuntimeException e) {
            LOG.warn("{}: continue failed", scan, e);
            state.set(DONE);
            registry.continueAborted();
            registry.cancel(scan);
            cookie.notifyIoComplete(Status.EINTERNAL);
        }
    }

    private void runSlice() {
        int batches = 0;
        while (true) {
            if (scan.isCancelled()) {
                endCancelled();
                return;
            }
            if (out.isClosed()) {
                registry.cancel(scan);
                endCancelled();
                return;
            }
            if (!out.hasCapacity()) {
                park();
                return;
            }
            if (batches == BATCHES_PER_SLICE) {
                resubmit();
                return;
            }
            Status end = readBatch();
            WriteResult written = WriteResult.OK;
            if (len > 0) {
                long batchItems = itemsInBatch;
                // The output copies the batch: the buffer is reused for the next one.
                written = out.write(new OutputFrame(
                        Status.SUCCESS, Datatype.RAW, 0, scan.keyOnly() ? KEYS_FLAGS : DOCS_FLAGS, null, buf, len));
                registry.sent(batchItems, len);
                len = 0;
                batches++;
                if (written == WriteResult.CLOSED) {
                    registry.cancel(scan);
                    endCancelled();
                    return;
                }
            }
            if (end != null) {
                finish(end);
                return;
            }
            if (written == WriteResult.PAUSE) {
                park();
                return;
            }
        }
    }

    /**
     * Fills {@link #buf} with the next items: until it holds {@link #batchBytes} bytes (returns
     * {@code null}, more to send), or a limit is hit or the range ends (returns the final status).
     */
    private Status readBatch() {
        itemsInBatch = 0;
        long nowMillis = scan.bucket().clock().millis();
        Iterator<Map.Entry<DocKey, StoredValue>> it = scan.remaining(Math.floorDiv(nowMillis, 1000L));
        while (it.hasNext()) {
            Map.Entry<DocKey, StoredValue> e = it.next();
            int size = encode(e.getKey(), e.getValue(), nowMillis);
            scan.returned(e.getKey());
            items++;
            itemsInBatch++;
            bytes += size;
            boolean limit = (itemLimit > 0 && items >= itemLimit)
                    || (byteLimit > 0 && bytes >= byteLimit)
                    || (timeLimitNanos > 0 && System.nanoTime() - startNanos >= timeLimitNanos);
            if (limit) {
                return it.hasNext() ? Status.RANGE_SCAN_MORE : Status.RANGE_SCAN_COMPLETE;
            }
            if (len >= batchBytes) {
                return it.hasNext() ? null : Status.RANGE_SCAN_COMPLETE;
            }
        }
        return Status.RANGE_SCAN_COMPLETE;
    }

    /** Appends one item (mcbp-protocol.md 11.2); returns its encoded size. */
    private int encode(DocKey key, StoredValue sv, long nowMillis) {
        byte[] k = key.key();
        int before = len;
        if (scan.keyOnly()) {
            ensure(5 + k.length);
            putLeb128(k.length);
            putBytes(k);
        } else {
            byte[] v = sv.value();
            int datatype = sv.datatype();
            if ((datatype & Datatype.XATTR) != 0) {
                // Values are bodies, as a Get answers them; the xattrs stay behind.
                v = io.kvfrontend.engine.spi.Xattrs.body(StubBucket.plainValue(sv), datatype);
                datatype &= ~(Datatype.SNAPPY | Datatype.XATTR);
            } else if ((datatype & Datatype.SNAPPY) != 0 && !scan.snappyValues()) {
                v = StubBucket.plainValue(sv);
                datatype &= ~Datatype.SNAPPY;
            }
            ensure(4 + 4 + 8 + 8 + 1 + 5 + k.length + 5 + v.length);
            // A document locked by GetLocked shows the locked CAS, as a Get would: the lock CAS never leaks.
            long cas = sv.isLocked(nowMillis) ? GetResult.LOCKED_CAS : sv.cas();
            putInt(sv.flags());
            putInt((int) sv.expiry());
            putLong(sv.seqno());
            putLong(cas);
            buf[len++] = (byte) datatype;
            putLeb128(k.length);
            putBytes(k);
            putLeb128(v.length);
            putBytes(v);
        }
        return len - before;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    private void putLeb128(int v) {
        while ((v & ~0x7f) != 0) {
            buf[len++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
    }

    private void putBytes(byte[] b) {
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void putInt(int v) {
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }

    /** No room: give the thread back; the output calls back when there is (or when it closes). */
    private void park() {
        state.set(PARKED);
        out.onCapacity(this::wake);
        // A cancel that came before PARKED was set found the task running and left it to notice.
        if (scan.isCancelled()) {
            wake();
        }
    }

    private void finish(Status end) {
        state.set(DONE);
        if (end == Status.RANGE_SCAN_COMPLETE) {
            registry.continueAborted();
            registry.complete(scan);
        } else if (scan.endContinue()) {
            registry.continueEnded(scan);
        } else {
            // Cancelled or expired after the last batch went out: the scan is gone, say so.
            registry.continueAborted();
            cookie.notifyIoComplete(Status.RANGE_SCAN_CANCELLED);
            return;
        }
        cookie.engineStorage(new Outcome(end, flags()));
        cookie.notifyIoComplete(Status.SUCCESS);
    }

    private void endCancelled() {
        state.set(DONE);
        registry.continueAborted();
        cookie.notifyIoComplete(Status.RANGE_SCAN_CANCELLED);
    }
}
