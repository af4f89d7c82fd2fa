package io.kvfrontend.connection;

import io.kvfrontend.engine.spi.CookieOutput.WriteResult;
import io.netty.channel.Channel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound on one connection's buffered output, and the producers waiting for room under it.
 *
 * <p>The channel's write-buffer water marks are the output's: a producer has capacity while queued
 * plus channel-buffered bytes (counted as Netty counts them) are under the high-water mark, so they
 * never exceed it by more than the frame each producer wrote last. Producers over it are told to
 * pause and are called back from the loop once the connection is down to the low-water mark (or
 * the output closes, so that they learn to stop).
 *
 * <p><b>Thread-safe</b> where methods say "any thread"; the rest runs on the event loop.
 */
final class OutputCapacity {
    private static final Logger LOG = LoggerFactory.getLogger(OutputCapacity.class);

    private final ConnectionOutput output;
    private final Channel channel;
    private final OutputQueue queue;
    private final OutputMetrics metrics;
    /** Called on the loop when buffered output has fallen to the low-water mark. */
    private final Runnable onRoom;

    private final Queue<Runnable> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean waitersScheduled = new AtomicBoolean();
    private final Runnable runWaitersTask = this::runWaiters;

    OutputCapacity(
            ConnectionOutput output, Channel channel, OutputQueue queue, OutputMetrics metrics, Runnable onRoom) {
        this.output = output;
        this.channel = channel;
        this.queue = queue;
        this.metrics = metrics;
        this.onRoom = onRoom;
    }

    /** Whether a producer may write now without pushing the output past its high-water mark. Any thread. */
    boolean hasCapacity() {
        // Queued first: a frame moving into the channel between the two reads is then counted
        // twice (conservative), never zero times.
        long queued = queue.weight();
        if (output.isClosed() || channel.bytesBeforeUnwritable() <= queued) {
            return false;
        }
        // While producers wait for the low-water mark, nobody else writes ahead of them: the output
        // stays paused until they are called back (one answer for everyone who asks).
        return waiters.isEmpty() || hasResumeRoom();
    }

    /** Whether queued plus channel-buffered output is at the high-water mark (reading should stop). Any thread. */
    boolean isBackedUp() {
        return bufferedBytes() >= channel.config().getWriteBufferHighWaterMark();
    }

    /**
     * Bytes buffered for this connection in user space: queued by producers plus the channel's
     * outbound buffer, both counted as Netty counts them (payload plus per-message overhead). Any
     * thread (the outbound buffer's total is published for other threads).
     */
    long bufferedBytes() {
        var outbound = channel.unsafe().outboundBuffer();
        return queue.weight() + (outbound == null ? 0 : outbound.totalPendingWriteBytes());
    }

    /** What a write tells its producer: go on, pause (and the pause is counted), or closed. Any thread. */
    WriteResult resultOfWrite(OutputMetrics.Counters meters) {
        if (hasCapacity()) {
            return WriteResult.OK;
        }
        if (output.isClosed()) {
            return WriteResult.CLOSED;
        }
        meters.paused();
        return WriteResult.PAUSE;
    }

    /** Registers a one-shot callback for when there is room again or the output closes. Any thread. */
    void onCapacity(Runnable callback) {
        waiters.add(callback);
        if (hasResumeRoom()) {
            scheduleWaiters();
        }
    }

    /** Runs the waiters, and tells the connection, if there is room. Event loop. */
    void resumeWaitersIfRoom() {
        if (hasResumeRoom()) {
            if (!waiters.isEmpty()) {
                runWaiters();
            }
            onRoom.run();
        }
    }

    /** Has the waiters run on the loop (once, however many ask). Any thread. */
    void scheduleWaiters() {
        if (waiters.isEmpty() || !waitersScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            output.execute(runWaitersTask);
        } catch (RejectedExecutionException e) {
            // No loop to run them on; they only need to learn that the output is closed.
            output.closedWithoutLoop();
            runWaiters();
        }
    }

    /**
     * Whether paused producers may resume: the output closed (they must learn it), or what is
     * buffered has fallen to the low-water mark. Resuming only there, not just under the high-water
     * mark, stops producers from pausing and resuming every few frames.
     */
    private boolean hasResumeRoom() {
        if (output.isClosed()) {
            return true;
        }
        return channel.isWritable() && bufferedBytes() <= channel.config().getWriteBufferLowWaterMark();
    }

    private void runWaiters() {
        waitersScheduled.set(false);
        Runnable r;
        OutputMetrics.Counters meters = metrics.current();
        while ((r = waiters.poll()) != null) {
            meters.resumed();
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("capacity callback failed", e);
            }
        }
    }
}
