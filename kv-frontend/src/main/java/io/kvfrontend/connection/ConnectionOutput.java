package io.kvfrontend.connection;

import io.kvfrontend.engine.spi.CookieOutput.WriteResult;
import io.kvfrontend.engine.spi.OutputFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.util.internal.SystemPropertyUtil;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All output of one connection, in one order, whichever thread produces it (architecture.md,
 * "CookieOutput: the contract"; seed-lessons.md 002-004).
 *
 * <ul>
 *   <li>On the event loop, a write goes straight to the channel, after anything already pending.</li>
 *   <li>Off the loop in {@link OutputMode#SPOOL} mode the caller encodes its frame, appends it to an
 *       ordered pending queue and returns; at most one drain task is scheduled while the queue is
 *       non-empty, and a drain writes what is pending and flushes once.</li>
 *   <li>Off the loop in {@link OutputMode#SYNC} mode the caller hands the write to the loop and
 *       parks until the loop has written and flushed it.</li>
 * </ul>
 *
 * <p>Bounded: the channel's write-buffer water marks are the output's; a producer has capacity
 * while the bytes it has queued (spooled or in hand-off) are fewer than the channel's
 * {@code bytesBeforeUnwritable()}, so spool plus channel buffer never exceed the high-water mark by
 * more than the frame each producer wrote last. Producers over it are told to pause, and are called
 * back from the loop once the connection's buffered bytes are down to the low-water mark.
 *
 * <p>End of life: {@link #close()} (called when the channel goes inactive) releases everything
 * spooled, makes later writes answer {@link WriteResult#CLOSED} after releasing their buffers, lets
 * producers parked in sync mode go, and calls every capacity waiter so paused producers learn to
 * stop.
 *
 * <p><b>Thread-safe</b> where methods say "any thread"; the rest is <b>event-loop confined</b> and
 * asserts it.
 */
public final class ConnectionOutput {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionOutput.class);
    /** How long a parked sync-mode producer sleeps between checks that its loop is still alive. */
    private static final long PARK_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Encodes an engine frame for this connection; {@code null} means "the status closes the connection". */
    @FunctionalInterface
    public interface FrameEncoder {
        Pending encode(int opcode, int opaque, OutputFrame frame);
    }

    /**
     * What Netty's outbound buffer charges per message on top of its bytes (its
     * {@code io.netty.transport.outboundBufferEntrySizeOverhead}). Queued frames are charged the
     * same, so moving a frame from the spool into the channel does not change the connection's
     * total and the bound holds across the move.
     */
    static final int ENTRY_OVERHEAD =
            SystemPropertyUtil.getInt("io.netty.transport.outboundBufferEntrySizeOverhead", 96);

    /** One encoded response: header + extras + key, and the value as a separate buffer (or null). */
    public static final class Pending {
        final ByteBuf header;
        final ByteBuf value;
        /** Payload bytes. */
        final int bytes;
        /** Bytes as the channel will account for them (payload plus per-message overhead). */
        final int weight;

        public Pending(ByteBuf header, ByteBuf value) {
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
    }

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final EventLoop loop;
    private final OutputMode mode;
    private final OutputMetrics metrics;
    private final FrameEncoder encoder;

    private final Queue<Pending> spool = new ConcurrentLinkedQueue<>();
    private final AtomicInteger spoolDepth = new AtomicInteger();
    /**
     * Weight ({@link Pending#weight}) of what producers handed over that is not yet in the channel:
     * spooled frames and hand-offs in flight.
     */
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;

    private final Queue<Runnable> capacityWaiters = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean waitersScheduled = new AtomicBoolean();
    private final Runnable runWaitersTask = this::runCapacityWaiters;

    private final Runnable flushTask = this::flushFromTask;
    private final ChannelFutureListener flushedListener = f -> resumeWaitersIfRoom();
    private boolean flushTaskScheduled;
    private boolean needsFlush;

    private volatile boolean closed;
    private final long maxDrainBytes;

    public ConnectionOutput(ChannelHandlerContext ctx, OutputMode mode, OutputMetrics metrics, FrameEncoder encoder) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.loop = channel.eventLoop();
        this.mode = mode;
        this.metrics = metrics;
        this.encoder = encoder;
        this.maxDrainBytes = channel.config().getWriteBufferLowWaterMark();
    }

    public OutputMode mode() {
        return mode;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    // ---------------------------------------------------------------- event-loop side

    /**
     * Writes a response from the event loop, after anything already pending. No flush: the caller
     * flushes once per batch with {@link #flushIfNeeded()}.
     *
     * @param value the value buffer or {@code null}
     */
    public void writeOnLoop(ByteBuf header, ByteBuf value) {
        assert loop.inEventLoop() : "writeOnLoop off the event loop";
        if (closed) {
            header.release();
            if (value != null) {
                value.release();
            }
            metrics.dropped();
            return;
        }
        if (spoolDepth.get() > 0) {
            // Everything already queued goes first, however much: order is never broken.
            drainInto(Long.MAX_VALUE);
        }
        ctx.write(header, ctx.voidPromise());
        if (value != null) {
            ctx.write(value, ctx.voidPromise());
        }
        needsFlush = true;
        metrics.onLoopWrite();
    }

    /** Flushes if anything was written since the last flush. Event loop only. */
    public void flushIfNeeded() {
        assert loop.inEventLoop() : "flushIfNeeded off the event loop";
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
    }

    /**
     * The channel's writability changed (event loop). When it has room again, paused producers are
     * called back.
     */
    public void onWritabilityChanged() {
        assert loop.inEventLoop() : "onWritabilityChanged off the event loop";
        resumeWaitersIfRoom();
    }

    /**
     * Ends the output: releases everything spooled, makes later writes fail as closed, wakes paused
     * producers. Idempotent; any thread (normally the loop, from channelInactive).
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseSpool();
        scheduleCapacityWaiters();
    }

    // ---------------------------------------------------------------- any thread

    /**
     * Runs a task on this connection's event loop, counted: every cross-thread task of the
     * output path goes through here, so the cost of each mode shows as tasks per frame.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the loop is shutting down
     */
    public void execute(Runnable task) {
        metrics.loopTask();
        loop.execute(task);
    }

    /** Whether {@link #close()} has run. Any thread. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Whether a producer may write now without pushing the output past its high-water mark. Any
     * thread.
     */
    public boolean hasCapacity() {
        // Pending first: a frame moving into the channel between the two reads is then counted
        // twice (conservative), never zero times.
        long pending = pendingBytes.get();
        if (closed || channel.bytesBeforeUnwritable() <= pending) {
            return false;
        }
        // While producers wait for the low-water mark, nobody else writes ahead of them: the output
        // stays paused until they are called back (one answer for everyone who asks).
        return capacityWaiters.isEmpty() || hasResumeRoom();
    }

    /**
     * Bytes buffered for this connection in user space: queued by producers plus the channel's
     * outbound buffer, both counted as Netty counts them (payload plus per-message overhead).
     */
    public long bufferedBytes() {
        var outbound = channel.unsafe().outboundBuffer();
        return pendingBytes.get() + (outbound == null ? 0 : outbound.totalPendingWriteBytes());
    }

    /**
     * Writes a frame for the command identified by {@code opcode} and {@code opaque}, from any
     * thread, in the order described in the class comment. See {@code CookieOutput.write}.
     */
    public WriteResult write(int opcode, int opaque, OutputFrame frame) {
        if (closed) {
            metrics.dropped();
            return WriteResult.CLOSED;
        }
        Pending p = encoder.encode(opcode, opaque, frame);
        if (p == null) {
            // The status closes connections that cannot understand it (no extended errors).
            channel.close();
            return WriteResult.CLOSED;
        }
        if (loop.inEventLoop()) {
            // Sync mode (and spool mode) called from the loop itself writes directly: waiting on
            // the loop from the loop would deadlock.
            writeOnLoop(p.header, p.value);
            scheduleFlush();
            return closed ? WriteResult.CLOSED : capacityResult();
        }
        metrics.offLoopWrite();
        return mode == OutputMode.SPOOL ? spool(p) : handOff(p);
    }

    /**
     * Registers a one-shot callback for when there is room again or the output closes. Any thread;
     * the callback runs on the event loop.
     */
    public void onCapacity(Runnable callback) {
        capacityWaiters.add(callback);
        if (hasResumeRoom()) {
            scheduleCapacityWaiters();
        }
    }

    // ---------------------------------------------------------------- spool mode

    private WriteResult spool(Pending p) {
        pendingBytes.addAndGet(p.weight);
        metrics.spooled(p.bytes);
        // Queued before counted: a drain's budget never counts a frame it cannot poll yet, so a
        // drain never finds its budget unmet and reschedules itself in a loop.
        spool.add(p);
        spoolDepth.incrementAndGet();
        if (closed) {
            // close() may have emptied the queue before this frame was in it.
            releaseSpool();
            return WriteResult.CLOSED;
        }
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                execute(drainTask);
            } catch (RejectedExecutionException e) {
                // The loop is shutting down: nothing queued will ever be written.
                close();
                return WriteResult.CLOSED;
            }
        }
        return capacityResult();
    }

    private void drain() {
        assert loop.inEventLoop();
        drainScheduled.set(false);
        if (closed) {
            releaseSpool();
            return;
        }
        int n = drainInto(maxDrainBytes);
        metrics.drained(n);
        if (n > 0) {
            needsFlush = false;
            ctx.flush();
        }
        resumeWaitersIfRoom();
    }

    /**
     * Moves what was pending when called into the channel (no flush), up to {@code byteBudget}
     * bytes. Frames added meanwhile are left for the next drain, so a fast producer cannot keep the
     * loop here forever; the byte budget keeps one connection's drain from holding the loop while
     * other connections wait (a drain writes at most the low-water mark).
     */
    private int drainInto(long byteBudget) {
        int budget = spoolDepth.get();
        int n = 0;
        long written = 0;
        Pending p;
        while (n < budget && written < byteBudget && (p = spool.poll()) != null) {
            // Into the channel first, then out of the pending count: a producer checking capacity in
            // between over-counts this frame instead of seeing room that is not there.
            ctx.write(p.header, ctx.voidPromise());
            if (p.value != null) {
                ctx.write(p.value, ctx.voidPromise());
            }
            spoolDepth.decrementAndGet();
            pendingBytes.addAndGet(-p.weight);
            metrics.unspooled(p.bytes);
            written += p.bytes;
            n++;
        }
        if (n > 0) {
            needsFlush = true;
            markReachedSocket();
        }
        // Frames queued after the budget was taken schedule a drain themselves unless one is
        // pending; this drain reschedules only if it stopped at its budget with frames left.
        if ((n == budget || written >= byteBudget) && n > 0 && !spool.isEmpty()
                && drainScheduled.compareAndSet(false, true)) {
            execute(drainTask);
        }
        return n;
    }

    private void releaseSpool() {
        Pending p;
        while ((p = spool.poll()) != null) {
            spoolDepth.decrementAndGet();
            pendingBytes.addAndGet(-p.weight);
            metrics.unspooled(p.bytes);
            metrics.dropped();
            p.release();
        }
    }

    // ---------------------------------------------------------------- sync hand-off mode

    private WriteResult handOff(Pending p) {
        pendingBytes.addAndGet(p.weight);
        metrics.spooled(p.bytes);
        HandOff h = new HandOff(p, Thread.currentThread());
        long start = System.nanoTime();
        try {
            execute(h);
        } catch (RejectedExecutionException e) {
            if (h.claim(HandOff.ABANDONED)) {
                h.abandon();
            }
            close();
            return WriteResult.CLOSED;
        }
        WriteResult r = h.await();
        metrics.handedOff(System.nanoTime() - start);
        return r == WriteResult.CLOSED ? r : capacityResult();
    }

    /** One write handed to the loop; the producer parks until {@link #run()} has performed it. */
    private final class HandOff implements Runnable {
        static final int PENDING = 0;
        static final int RUNNING = 1;
        static final int ABANDONED = 2;

        private final Pending pending;
        private final Thread waiter;
        private final AtomicInteger state = new AtomicInteger(PENDING);
        private volatile boolean done;
        private volatile WriteResult result;

        HandOff(Pending pending, Thread waiter) {
            this.pending = pending;
            this.waiter = waiter;
        }

        boolean claim(int to) {
            return state.compareAndSet(PENDING, to);
        }

        @Override
        public void run() {
            if (!claim(RUNNING)) {
                return;
            }
            if (closed) {
                pending.release();
                metrics.dropped();
                result = WriteResult.CLOSED;
            } else {
                ctx.write(pending.header, ctx.voidPromise());
                if (pending.value != null) {
                    ctx.write(pending.value, ctx.voidPromise());
                }
                markReachedSocket();
                needsFlush = false;
                ctx.flush();
                result = WriteResult.OK;
            }
            // After the write, as in drainInto: never under-count what is buffered.
            pendingBytes.addAndGet(-pending.weight);
            metrics.unspooled(pending.bytes);
            done = true;
            LockSupport.unpark(waiter);
            resumeWaitersIfRoom();
        }

        /** The loop will never run this task: release its frame here. */
        void abandon() {
            pendingBytes.addAndGet(-pending.weight);
            metrics.unspooled(pending.bytes);
            pending.release();
            metrics.dropped();
            result = WriteResult.CLOSED;
            done = true;
        }

        WriteResult await() {
            boolean interrupted = false;
            while (!done) {
                LockSupport.parkNanos(this, PARK_CHECK_NANOS);
                if (Thread.interrupted()) {
                    // Keep waiting: the loop owns the frame until it runs the task. Restore later.
                    interrupted = true;
                }
                if (!done && loop.isTerminated() && claim(ABANDONED)) {
                    abandon();
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return result;
        }
    }

    // ---------------------------------------------------------------- capacity

    /**
     * Follows what was just written with an empty write whose completion reconsiders paused
     * producers: when it reaches the socket, the output may have fallen to its low-water mark
     * without crossing Netty's writability threshold (which would otherwise be the only signal).
     */
    private void markReachedSocket() {
        ctx.write(Unpooled.EMPTY_BUFFER).addListener(flushedListener);
    }

    /**
     * Whether paused producers may resume: the output closed (they must learn it), or what is
     * buffered has fallen to the low-water mark. Resuming only there, not just under the high-water
     * mark, stops producers from pausing and resuming every few frames.
     */
    private boolean hasResumeRoom() {
        if (closed) {
            return true;
        }
        long pending = pendingBytes.get();
        var outbound = channel.unsafe().outboundBuffer();
        long inChannel = outbound == null ? 0 : outbound.totalPendingWriteBytes();
        return channel.isWritable() && pending + inChannel <= channel.config().getWriteBufferLowWaterMark();
    }

    /** Runs the capacity waiters if they may resume. Event loop. */
    private void resumeWaitersIfRoom() {
        if (!capacityWaiters.isEmpty() && hasResumeRoom()) {
            runCapacityWaiters();
        }
    }

    private WriteResult capacityResult() {
        if (hasCapacity()) {
            return WriteResult.OK;
        }
        if (closed) {
            return WriteResult.CLOSED;
        }
        metrics.paused();
        return WriteResult.PAUSE;
    }

    private void scheduleCapacityWaiters() {
        if (capacityWaiters.isEmpty() || !waitersScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            execute(runWaitersTask);
        } catch (RejectedExecutionException e) {
            // No loop to run them on; they only need to learn that the output is closed.
            closed = true;
            runCapacityWaiters();
        }
    }

    private void runCapacityWaiters() {
        waitersScheduled.set(false);
        Runnable r;
        while ((r = capacityWaiters.poll()) != null) {
            metrics.resumed();
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("capacity callback failed", e);
            }
        }
    }

    private void scheduleFlush() {
        if (!flushTaskScheduled) {
            flushTaskScheduled = true;
            execute(flushTask);
        }
    }

    private void flushFromTask() {
        flushTaskScheduled = false;
        flushIfNeeded();
    }
}
