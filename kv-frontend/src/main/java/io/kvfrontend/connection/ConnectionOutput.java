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
import java.util.ArrayDeque;
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
 * <p>Each off-loop write is in the mode its producer started with (the server's mode can change at
 * runtime; a producer mid-stream keeps its own):
 *
 * <ul>
 *   <li>Off the loop in {@link OutputMode#SPOOL} mode the caller encodes its frame, appends it to the
 *       connection's ordered queue and returns.</li>
 *   <li>Off the loop in {@link OutputMode#SYNC} mode the caller appends its frame the same way and
 *       parks until the loop has written and flushed it.</li>
 *   <li>On the event loop a write goes straight to the channel, unless frames are queued: then it
 *       joins the queue behind them, so order is never broken.</li>
 * </ul>
 *
 * <p>Fair: the queue reaches the socket in <em>slices</em> (at least one frame each), served by the
 * loop's {@link OutputScheduler} after the loop has handled ready I/O, round-robin, with at most
 * {@code output-quantum} bytes of all its connections' background output per turn. In spool mode
 * the next slice moves only once the socket has taken the previous one, so neither the spool nor
 * one socket write holds the loop for long, however much is queued, while other connections have
 * requests waiting.
 *
 * <p>Bounded: the channel's write-buffer water marks are the output's; a producer has capacity while
 * queued plus channel-buffered bytes (counted as Netty counts them) are under the high-water mark, so
 * they never exceed it by more than the frame each producer wrote last. Producers over it are told
 * to pause, and are called back from the loop once the connection is down to the low-water mark.
 *
 * <p>End of life: {@link #close()} (called when the channel goes inactive) releases everything
 * queued, makes later writes answer {@link WriteResult#CLOSED} after releasing their buffers, lets
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
     * same, so moving a frame from the queue into the channel does not change the connection's
     * total and the bound holds across the move.
     */
    static final int ENTRY_OVERHEAD =
            SystemPropertyUtil.getInt("io.netty.transport.outboundBufferEntrySizeOverhead", 96);

    /**
     * One encoded response: header + extras + key, and the value as a separate buffer (or null); in
     * sync mode also the producer waiting for it.
     */
    public static final class Pending {
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
        private OutputMetrics.Counters meters;
        private AtomicInteger state;
        private volatile WriteResult result;

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
    }

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final EventLoop loop;
    private final OutputMetrics metrics;
    private final FrameEncoder encoder;
    private final OutputScheduler scheduler;
    /** Called on the loop when buffered output has fallen to the low-water mark. */
    private final Runnable onRoom;

    private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queueDepth = new AtomicInteger();
    /** Queued frames whose producers are parked on them (sync mode): they move without waiting for the socket. */
    private final AtomicInteger handOffsQueued = new AtomicInteger();
    /** Weight ({@link Pending#weight}) of what is queued and not yet in the channel. */
    private final AtomicLong pendingBytes = new AtomicLong();
    /**
     * Whether the loop knows this connection has output coming: in the scheduler's ring, with a
     * slice on its way to the socket, or with a {@link #readyTask} queued. A producer that finds it
     * false after queueing sets it and tells the loop.
     */
    private final AtomicBoolean armed = new AtomicBoolean();
    /** Since when this connection has waited for its next slice. */
    private volatile long readySinceNanos;
    private final Runnable readyTask = this::onReady;
    /** Loop-confined: waiting in the scheduler's ring. */
    private boolean inRing;
    /** Loop-confined: slices in the channel that the socket has not taken all of yet. */
    private int slicesInFlight;
    private final ChannelFutureListener sliceSent = f -> onSliceSent();
    /** Loop-confined: the hand-offs of the slice being written, released to their producers after the flush. */
    private final ArrayDeque<Pending> sliceHandOffs = new ArrayDeque<>();

    private final Queue<Runnable> capacityWaiters = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean waitersScheduled = new AtomicBoolean();
    private final Runnable runWaitersTask = this::runCapacityWaiters;

    private final Runnable flushTask = this::flushFromTask;
    private boolean flushTaskScheduled;
    private boolean needsFlush;

    private volatile boolean closed;

    /**
     * @param scheduler serves this connection's queued output in slices, on its loop
     * @param onRoom    run on the loop when buffered output has fallen to the low-water mark
     */
    public ConnectionOutput(ChannelHandlerContext ctx, OutputMetrics metrics, FrameEncoder encoder,
                            OutputScheduler scheduler, Runnable onRoom) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.loop = channel.eventLoop();
        this.metrics = metrics;
        this.encoder = encoder;
        this.scheduler = scheduler;
        this.onRoom = onRoom;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    // ---------------------------------------------------------------- event-loop side

    /**
     * Writes a response from the event loop: to the channel, or behind what is queued. No flush: the
     * caller flushes once per batch with {@link #flushIfNeeded()}.
     *
     * @param value the value buffer or {@code null}
     */
    public void writeOnLoop(ByteBuf header, ByteBuf value) {
        Pending p = new Pending(header, value);
        p.meters = metrics.current();
        writeOnLoop(p);
    }

    private void writeOnLoop(Pending p) {
        assert loop.inEventLoop() : "writeOnLoop off the event loop";
        if (closed) {
            p.release();
            p.meters.dropped();
            return;
        }
        p.meters.onLoopWrite();
        if (queueDepth.get() > 0) {
            // Background output is queued: this response goes after it, in its slices.
            enqueue(p);
            if (armed.compareAndSet(false, true)) {
                // A producer queued but has not told the loop yet: the loop takes over.
                readySinceNanos = System.nanoTime();
                enterRing();
            }
            return;
        }
        ctx.write(p.header, ctx.voidPromise());
        if (p.value != null) {
            ctx.write(p.value, ctx.voidPromise());
        }
        needsFlush = true;
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
     * Ends the output: releases everything queued, makes later writes fail as closed, lets parked
     * producers go, wakes paused ones. Idempotent; any thread (normally the loop, from
     * channelInactive).
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseQueue();
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
        metrics.current().loopTask();
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
     * Closes the channel from any thread: the one way off-loop code ends a connection. On the loop
     * it closes now; off the loop the close is a task behind the output already queued there.
     */
    public void closeFromAnyThread() {
        if (loop.inEventLoop()) {
            channel.close();
        } else {
            try {
                loop.execute(channel::close);
            } catch (RejectedExecutionException e) {
                // The loop is shutting down, and closes its channels itself.
            }
        }
    }

    /** Whether queued plus channel-buffered output is at the high-water mark (reading should stop). Any thread. */
    public boolean isBackedUp() {
        return bufferedBytes() >= channel.config().getWriteBufferHighWaterMark();
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
     * thread, in the order described in the class comment; off the loop in {@code mode}. See
     * {@code CookieOutput.write}.
     */
    public WriteResult write(int opcode, int opaque, OutputFrame frame, OutputMode mode) {
        OutputMetrics.Counters meters = metrics.of(mode);
        if (closed) {
            meters.dropped();
            return WriteResult.CLOSED;
        }
        Pending p = encoder.encode(opcode, opaque, frame);
        if (p == null) {
            // The status closes connections that cannot understand it (no extended errors).
            closeFromAnyThread();
            return WriteResult.CLOSED;
        }
        p.meters = meters;
        if (loop.inEventLoop()) {
            // Either mode, called from the loop itself: waiting on the loop from the loop would deadlock.
            writeOnLoop(p);
            scheduleFlush();
            return closed ? WriteResult.CLOSED : capacityResult(meters);
        }
        meters.offLoopWrite();
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

    // ---------------------------------------------------------------- queueing (any thread)

    private void enqueue(Pending p) {
        pendingBytes.addAndGet(p.weight);
        p.meters.spooled(p.bytes);
        // Queued before counted: a slice never counts a frame it cannot poll yet.
        queue.add(p);
        queueDepth.incrementAndGet();
    }

    /** Off the loop: queued; the loop hears of it unless it already knows output is coming. */
    private boolean enqueueFromAnyThread(Pending p) {
        enqueue(p);
        if (closed) {
            // close() may have emptied the queue before this frame was in it.
            releaseQueue();
            return false;
        }
        if (armed.compareAndSet(false, true)) {
            readySinceNanos = System.nanoTime();
            try {
                execute(readyTask);
            } catch (RejectedExecutionException e) {
                // The loop is shutting down: nothing queued will ever be written.
                close();
                return false;
            }
        }
        return true;
    }

    private WriteResult spool(Pending p) {
        return enqueueFromAnyThread(p) ? capacityResult(p.meters) : WriteResult.CLOSED;
    }

    /** Sync mode: queued like a spooled frame, then the producer parks until the loop has written it. */
    private WriteResult handOff(Pending p) {
        p.waiter = Thread.currentThread();
        p.state = new AtomicInteger(Pending.QUEUED);
        long start = System.nanoTime();
        // Counted before it is queued: a loop that sees the frame sees the count.
        handOffsQueued.incrementAndGet();
        enqueueFromAnyThread(p);
        WriteResult r = awaitHandOff(p);
        p.meters.handedOff(System.nanoTime() - start);
        return r == WriteResult.CLOSED ? r : capacityResult(p.meters);
    }

    private WriteResult awaitHandOff(Pending p) {
        boolean interrupted = false;
        while (p.result == null) {
            LockSupport.parkNanos(this, PARK_CHECK_NANOS);
            if (Thread.interrupted()) {
                // Keep waiting: the loop owns the frame until it writes it. Restore later.
                interrupted = true;
            }
            if (p.result == null && loop.isTerminated() && p.claim(Pending.ABANDONED)) {
                // The loop is gone and never took the frame: it is this thread's to release.
                if (queue.remove(p)) {
                    unqueued(p);
                }
                p.release();
                p.meters.dropped();
                p.result = WriteResult.CLOSED;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return p.result;
    }

    private void unqueued(Pending p) {
        if (p.waiter != null) {
            handOffsQueued.decrementAndGet();
        }
        queueDepth.decrementAndGet();
        pendingBytes.addAndGet(-p.weight);
        p.meters.unspooled(p.bytes);
    }

    private void releaseQueue() {
        Pending p;
        while ((p = queue.poll()) != null) {
            unqueued(p);
            if (p.claim(Pending.ABANDONED)) {
                p.release();
                p.meters.dropped();
                p.complete(WriteResult.CLOSED);
            }
        }
    }

    // ---------------------------------------------------------------- slices (event loop)

    /** A producer queued into an idle connection. */
    private void onReady() {
        if (closed) {
            releaseQueue();
            return;
        }
        enterRing();
    }

    /**
     * Joins the scheduler's ring. For spooled frames only once the socket has taken the last slice:
     * the queue, not the channel, holds what a slow reader has not read, and a backed-up connection
     * leaves the ring instead of keeping the loop polling. A sync hand-off has a producer parked on
     * it, so while one is queued frames move as soon as it is their turn; producers pause when the
     * channel passes its high-water mark.
     */
    private void enterRing() {
        if (!inRing && (slicesInFlight == 0 || handOffsQueued.get() > 0)) {
            inRing = true;
            scheduler.ready(this);
        }
    }

    /**
     * This connection's turn (called by the {@link OutputScheduler}): moves queued frames into the
     * channel up to {@code limit} bytes (at least one frame), flushes, and returns the bytes moved.
     * The next slice is due once the socket has taken this one.
     */
    long serveSlice(long limit) {
        assert loop.inEventLoop() : "serveSlice off the event loop";
        inRing = false;
        if (closed) {
            releaseQueue();
            return 0;
        }
        OutputMetrics.Counters meters = metrics.current();
        meters.scheduleDelay(System.nanoTime() - readySinceNanos);
        long moved = 0;
        int frames = 0;
        Pending p;
        while ((moved < limit || frames == 0) && (p = queue.poll()) != null) {
            if (!p.claim(Pending.WRITTEN)) {
                // A sync producer gave up on it (its loop was terminating) and released it itself.
                continue;
            }
            // Into the channel first, then out of the pending count: a producer checking capacity in
            // between over-counts this frame instead of seeing room that is not there.
            ctx.write(p.header, ctx.voidPromise());
            if (p.value != null) {
                ctx.write(p.value, ctx.voidPromise());
            }
            unqueued(p);
            if (p.waiter != null) {
                sliceHandOffs.add(p);
            }
            moved += p.bytes;
            frames++;
        }
        meters.drained(frames);
        if (frames == 0) {
            disarm();
            return 0;
        }
        if (moved >= limit && queueDepth.get() > 0) {
            meters.quantumExhausted();
        }
        boolean handedOff = !sliceHandOffs.isEmpty();
        slicesInFlight++;
        // Completes when the socket has taken everything before it: then the next slice may move.
        ctx.write(Unpooled.EMPTY_BUFFER).addListener(sliceSent);
        needsFlush = false;
        ctx.flush();
        while ((p = sliceHandOffs.poll()) != null) {
            p.complete(WriteResult.OK);
        }
        if (handOffsQueued.get() > 0) {
            // Producers are parked on queued frames: not waiting for the socket (see enterRing), the
            // rest goes in a later turn.
            readySinceNanos = System.nanoTime();
            enterRing();
        } else if (handedOff && queueDepth.get() == 0) {
            // Sync mode: the next hand-off tells the loop at once, without waiting for the socket.
            disarm();
        }
        resumeWaitersIfRoom();
        return moved;
    }

    /** The socket took the last slice (or the channel failed it). */
    private void onSliceSent() {
        slicesInFlight--;
        resumeWaitersIfRoom();
        if (closed) {
            return;
        }
        if (queueDepth.get() > 0) {
            readySinceNanos = System.nanoTime();
            enterRing();
        } else if (!inRing && slicesInFlight == 0) {
            disarm();
        }
    }

    /** Nothing queued and nothing in flight: producers must tell the loop again. */
    private void disarm() {
        armed.set(false);
        // A producer may have queued between the last poll and the flag going down.
        if (queueDepth.get() > 0 && armed.compareAndSet(false, true)) {
            readySinceNanos = System.nanoTime();
            enterRing();
        }
    }

    // ---------------------------------------------------------------- capacity

    /**
     * Whether paused producers may resume: the output closed (they must learn it), or what is
     * buffered has fallen to the low-water mark. Resuming only there, not just under the high-water
     * mark, stops producers from pausing and resuming every few frames.
     */
    private boolean hasResumeRoom() {
        if (closed) {
            return true;
        }
        return channel.isWritable() && bufferedBytes() <= channel.config().getWriteBufferLowWaterMark();
    }

    /** Runs the capacity waiters, and tells the connection, if there is room. Event loop. */
    private void resumeWaitersIfRoom() {
        if (hasResumeRoom()) {
            if (!capacityWaiters.isEmpty()) {
                runCapacityWaiters();
            }
            onRoom.run();
        }
    }

    private WriteResult capacityResult(OutputMetrics.Counters meters) {
        if (hasCapacity()) {
            return WriteResult.OK;
        }
        if (closed) {
            return WriteResult.CLOSED;
        }
        meters.paused();
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
        OutputMetrics.Counters meters = metrics.current();
        while ((r = capacityWaiters.poll()) != null) {
            meters.resumed();
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
