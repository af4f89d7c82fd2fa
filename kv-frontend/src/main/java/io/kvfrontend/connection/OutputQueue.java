package io.kvfrontend.connection;

import io.kvfrontend.engine.spi.CookieOutput.WriteResult;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ordered queue of one connection's frames waiting for the event loop, with what is known of
 * it from any thread: how many frames, how many with a producer parked on them, and their weight
 * as the channel will count it.
 *
 * <p><b>Thread-safe</b>: producers add from any thread; the loop polls.
 */
final class OutputQueue {
    private final Queue<PendingFrame> frames = new ConcurrentLinkedQueue<>();
    private final AtomicInteger depth = new AtomicInteger();
    /** Queued frames whose producers are parked on them (sync mode): they move without waiting for the socket. */
    private final AtomicInteger handOffs = new AtomicInteger();
    /** Weight ({@link PendingFrame#weight}) of what is queued and not yet in the channel. */
    private final AtomicLong weight = new AtomicLong();

    /** Appends a frame. A hand-off is counted before it is queued: a loop that sees the frame sees the count. */
    void add(PendingFrame p) {
        if (p.isHandOff()) {
            handOffs.incrementAndGet();
        }
        weight.addAndGet(p.weight);
        p.meters.spooled(p.bytes);
        // Queued before counted: a slice never counts a frame it cannot poll yet.
        frames.add(p);
        depth.incrementAndGet();
    }

    /** The oldest frame, still counted until {@link #moved} (or {@code null}). Event loop. */
    PendingFrame poll() {
        return frames.poll();
    }

    /** A polled frame is in the channel now: it no longer counts as queued. */
    void moved(PendingFrame p) {
        if (p.isHandOff()) {
            handOffs.decrementAndGet();
        }
        depth.decrementAndGet();
        weight.addAndGet(-p.weight);
        p.meters.unspooled(p.bytes);
    }

    /** Takes a frame out wherever it is (a producer abandoning it); no-op if the loop polled it. */
    void remove(PendingFrame p) {
        if (frames.remove(p)) {
            moved(p);
        }
    }

    /** End of life: releases every queued frame its producer has not taken back, and lets parked producers go. */
    void releaseAll() {
        PendingFrame p;
        while ((p = frames.poll()) != null) {
            moved(p);
            if (p.claim(PendingFrame.ABANDONED)) {
                p.release();
                p.meters.dropped();
                p.complete(WriteResult.CLOSED);
            }
        }
    }

    int depth() {
        return depth.get();
    }

    boolean hasHandOffs() {
        return handOffs.get() > 0;
    }

    /** Bytes queued, as the channel will count them. */
    long weight() {
        return weight.get();
    }
}
