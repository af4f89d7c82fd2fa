package io.kvfrontend.connection;

import io.kvfrontend.engine.spi.CookieOutput.WriteResult;
import io.kvfrontend.engine.spi.OutputFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * <p>Bounded: see {@link OutputCapacity}. The parts: {@link PendingFrame} (one frame and who owns
 * it), {@link OutputQueue} (the ordering queue), {@link OutputCapacity} (the bound and the producers
 * waiting under it); this class is the write paths, the slices and the end of life.
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
    /** Encodes an engine frame for this connection; {@code null} means "the status closes the connection". */
    @FunctionalInterface
    public interface FrameEncoder {
        PendingFrame encode(int opcode, int opaque, OutputFrame frame);
    }

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final EventLoop loop;
    private final OutputMetrics metrics;
    private final FrameEncoder encoder;
    private final OutputScheduler scheduler;
    private final OutputQueue queue = new OutputQueue();
    private final OutputCapacity capacity;

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
    private final ArrayDeque<PendingFrame> sliceHandOffs = new ArrayDeque<>(1); // grows when used

    private final Runnable flushTask = this::flushFromTask;
    private boolean flushTaskScheduled;
    private boolean needsFlush;

    private volatile boolean closed;

    /**
     * @param scheduler serves this connection's queued output in slices, on its loop
     * @param onRoom    run on the loop when buffered output has fallen to the low-water mark
     */
    public ConnectionOutput(
            ChannelHandlerContext ctx,
            OutputMetrics metrics,
            FrameEncoder encoder,
            OutputScheduler scheduler,
            Runnable onRoom) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.loop = channel.eventLoop();
        this.metrics = metrics;
        this.encoder = encoder;
        this.scheduler = scheduler;
        this.capacity = new OutputCapacity(this, channel, queue, metrics, onRoom);
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
        PendingFrame p = new PendingFrame(header, value);
        p.meters = metrics.current();
        writeOnLoop(p);
    }

    private void writeOnLoop(PendingFrame p) {
        assert loop.inEventLoop() : "writeOnLoop off the event loop";
        if (closed) {
            p.release();
            p.meters.dropped();
            return;
        }
        p.meters.onLoopWrite();
        if (queue.depth() > 0) {
            // Background output is queued: this response goes after it, in its slices.
            queue.add(p);
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
        capacity.resumeWaitersIfRoom();
    }

    // ---------------------------------------------------------------- end of life

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
        queue.releaseAll();
        capacity.scheduleWaiters();
    }

    /** The loop is gone: nothing queued will ever be written (the caller tells who waits). */
    void closedWithoutLoop() {
        closed = true;
    }

    /** Whether {@link #close()} has run. Any thread. */
    public boolean isClosed() {
        return closed;
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

    /** Whether a producer may write now without pushing the output past its high-water mark. Any thread. */
    public boolean hasCapacity() {
        return capacity.hasCapacity();
    }

    /** Whether queued plus channel-buffered output is at the high-water mark (reading should stop). Any thread. */
    public boolean isBackedUp() {
        return capacity.isBackedUp();
    }

    /** Bytes buffered for this connection in user space, queued and in the channel. Any thread. */
    public long bufferedBytes() {
        return capacity.bufferedBytes();
    }

    /**
     * Registers a one-shot callback for when there is room again or the output closes. Any thread;
     * the callback runs on the event loop.
     */
    public void onCapacity(Runnable callback) {
        capacity.onCapacity(callback);
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
        PendingFrame p = encoder.encode(opcode, opaque, frame);
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
            return closed ? WriteResult.CLOSED : capacity.resultOfWrite(meters);
        }
        meters.offLoopWrite();
        return mode == OutputMode.SPOOL ? spool(p) : handOff(p);
    }

    /** Off the loop: queued; the loop hears of it unless it already knows output is coming. */
    private boolean enqueueFromAnyThread(PendingFrame p) {
        queue.add(p);
        if (closed) {
            // close() may have emptied the queue before this frame was in it.
            queue.releaseAll();
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

    private WriteResult spool(PendingFrame p) {
        return enqueueFromAnyThread(p) ? capacity.resultOfWrite(p.meters) : WriteResult.CLOSED;
    }

    /** Sync mode: queued like a spooled frame, then the producer parks until the loop has written it. */
    private WriteResult handOff(PendingFrame p) {
        p.parkHere();
        long start = System.nanoTime();
        enqueueFromAnyThread(p);
        WriteResult r = p.awaitWritten(loop, queue);
        p.meters.handedOff(System.nanoTime() - start);
        return r == WriteResult.CLOSED ? r : capacity.resultOfWrite(p.meters);
    }

    // ---------------------------------------------------------------- slices (event loop)

    /** A producer queued into an idle connection. */
    private void onReady() {
        if (closed) {
            queue.releaseAll();
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
        if (!inRing && (slicesInFlight == 0 || queue.hasHandOffs())) {
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
            queue.releaseAll();
            return 0;
        }
        OutputMetrics.Counters meters = metrics.current();
        meters.scheduleDelay(System.nanoTime() - readySinceNanos);
        long moved = 0;
        int frames = 0;
        PendingFrame p;
        while ((moved < limit || frames == 0) && (p = queue.poll()) != null) {
            if (!p.claim(PendingFrame.WRITTEN)) {
                // A sync producer gave up on it (its loop was terminating) and released it itself.
                continue;
            }
            // Into the channel first, then out of the pending count: a producer checking capacity in
            // between over-counts this frame instead of seeing room that is not there.
            ctx.write(p.header, ctx.voidPromise());
            if (p.value != null) {
                ctx.write(p.value, ctx.voidPromise());
            }
            queue.moved(p);
            if (p.isHandOff()) {
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
        if (moved >= limit && queue.depth() > 0) {
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
        if (queue.hasHandOffs()) {
            // Producers are parked on queued frames: not waiting for the socket (see enterRing), the
            // rest goes in a later turn.
            readySinceNanos = System.nanoTime();
            enterRing();
        } else if (handedOff && queue.depth() == 0) {
            // Sync mode: the next hand-off tells the loop at once, without waiting for the socket.
            disarm();
        }
        capacity.resumeWaitersIfRoom();
        return moved;
    }

    /** The socket took the last slice (or the channel failed it). */
    private void onSliceSent() {
        slicesInFlight--;
        capacity.resumeWaitersIfRoom();
        if (closed) {
            return;
        }
        if (queue.depth() > 0) {
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
        if (queue.depth() > 0 && armed.compareAndSet(false, true)) {
            readySinceNanos = System.nanoTime();
            enterRing();
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
