package io.kvfrontend.connection;

import io.kvfrontend.engine.spi.CookieOutput.WriteResult;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.internal.SystemPropertyUtil;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One encoded response on its way to the socket: header + extras + key, and the value as a
 * separate buffer (or {@code null}); for a sync hand-off also the producer parked on it, and who
 * owns the frame if the loop dies before writing it.
 *
 * <p>Ownership: the output owns the buffers from the moment it is given the frame; whoever
 * {@linkplain #claim claims} it writes or releases them, exactly once.
 */
public final class PendingFrame {
    /**
     * What Netty's outbound buffer charges per message on top of its bytes (its
     * {@code io.netty.transport.outboundBufferEntrySizeOverhead}). Queued frames are charged the
     * same, so moving a frame from the queue into the channel does not change the connection's
     * total and the bound holds across the move.
     */
    static final int ENTRY_OVERHEAD =
            SystemPropertyUtil.getInt("io.netty.transport.outboundBufferEntrySizeOverhead", 96);
    /** How long a parked sync-mode producer sleeps between checks that its loop is still alive. */
    private static final long PARK_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    static final int QUEUED = 0;
    static final int WRITTEN = 1;
    static final int ABANDONED = 2;

    final ByteBuf header;
    final ByteBuf value;
    /** Payload bytes. */
    final int bytes;
    /** Bytes as the channel will account for them (payload plus per-message overhead). */
    final int weight;
    /** The producer parked until the loop writes this frame (sync mode), else {@code null}. */
    private Thread waiter;
    /** The meters of the mode the frame was written in. */
    OutputMetrics.Counters meters;

    private AtomicInteger state;
    private volatile WriteResult result;

    public PendingFrame(ByteBuf header, ByteBuf value) {
        this.header = header;
        this.value = value;
        this.bytes = header.readableBytes() + (value == null ? 0 : value.readableBytes());
        this.weight = bytes + ENTRY_OVERHEAD * (value == null ? 1 : 2);
    }

    void release() {
        header.release();
        if (value != null) {
            value.release();
        }
    }

    /** Makes this a hand-off: the calling thread will park on it until the loop has written it. */
    void parkHere() {
        waiter = Thread.currentThread();
        state = new AtomicInteger(QUEUED);
    }

    /** Whether a producer is (or will be) parked on this frame. */
    boolean isHandOff() {
        return waiter != null;
    }

    /** Takes the frame from its waiter: whoever wins writes or releases it. */
    boolean claim(int to) {
        return state == null || state.compareAndSet(QUEUED, to);
    }

    /** The loop is done with a hand-off: its producer may go. */
    void complete(WriteResult r) {
        if (waiter != null) {
            result = r;
            LockSupport.unpark(waiter);
        }
    }

    /**
     * Parks the producer of a hand-off until the loop has written the frame, or the loop has
     * terminated without taking it (then the producer takes it back from {@code queue} and
     * releases it). Interrupts are kept for later: the loop owns the frame until it writes it.
     */
    WriteResult awaitWritten(EventLoop loop, OutputQueue queue) {
        boolean interrupted = false;
        while (result == null) {
            LockSupport.parkNanos(this, PARK_CHECK_NANOS);
            if (Thread.interrupted()) {
                interrupted = true;
            }
            if (result == null && loop.isTerminated() && claim(ABANDONED)) {
                queue.remove(this);
                release();
                meters.dropped();
                result = WriteResult.CLOSED;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return result;
    }
}
