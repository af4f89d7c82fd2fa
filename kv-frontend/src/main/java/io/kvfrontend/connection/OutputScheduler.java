package io.kvfrontend.connection;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;

/**
 * The background output of one event loop's connections, served in turns: connections with queued
 * output wait in a ring, and each turn of the loop, after it has handled ready I/O, moves at most
 * {@code output-quantum} bytes of their output in all, in slices taken round-robin (a connection's
 * slice is at least one frame). Requests are read and answered before background output moves,
 * and however many connections stream, background output holds a turn for one quantum at most:
 * with several streaming connections each gets a slice every few turns.
 *
 * <p>On a loop built by {@link EventLoopTurns} the loop runs {@link #runTurn()} itself, after every
 * I/O poll, and does not block in the poll while the ring is non-empty. On any other loop (an
 * {@code EmbeddedChannel}'s, in tests) the scheduler drives itself with a task per turn; that keeps
 * order and bounds but not fairness, since Netty runs tasks queued while it runs tasks in the same
 * go.
 *
 * <p><b>Event-loop confined.</b>
 */
public final class OutputScheduler {
    private final EventExecutor loop;
    private final boolean driven;
    private final ArrayDeque<ConnectionOutput> ring = new ArrayDeque<>();
    private final Runnable selfTurn = this::selfTurn;
    private final OutputMetrics metrics;
    private final int quantum;
    private boolean selfTurnScheduled;

    OutputScheduler(EventExecutor loop, boolean driven, OutputMetrics metrics, int quantum) {
        this.loop = loop;
        this.driven = driven;
        this.metrics = metrics;
        this.quantum = quantum;
    }

    /** A scheduler that drives itself with tasks, for a loop not built by {@link EventLoopTurns}. */
    public static OutputScheduler selfDriven(EventExecutor loop, OutputMetrics metrics, int quantum) {
        return new OutputScheduler(loop, false, metrics, quantum);
    }

    /** {@code output} has queued output: it gets a slice in this turn's output phase or the next. */
    void ready(ConnectionOutput output) {
        assert loop.inEventLoop() : "ready off the event loop";
        ring.add(output);
        if (!driven && !selfTurnScheduled) {
            selfTurnScheduled = true;
            loop.execute(selfTurn);
        }
    }

    /** Whether a connection is waiting for a slice (the loop must then not block for I/O). */
    boolean hasWork() {
        return !ring.isEmpty();
    }

    /**
     * One output phase: slices for the connections at the front of the ring until the quantum is
     * used (the last slice gets what is left of it); those not reached stay in front for the next
     * turn, and a served connection rejoins at the back once the socket has taken its slice.
     * Returns the bytes moved.
     */
    long runTurn() {
        assert loop.inEventLoop() : "runTurn off the event loop";
        int n = ring.size();
        long bytes = 0;
        for (int i = 0; i < n && bytes < quantum; i++) {
            ConnectionOutput c = ring.poll();
            if (c == null) {
                break;
            }
            bytes += c.serveSlice(quantum - bytes);
        }
        if (bytes > 0) {
            metrics.current().turnBytes(bytes);
        }
        return bytes;
    }

    private void selfTurn() {
        selfTurnScheduled = false;
        runTurn();
        if (!ring.isEmpty()) {
            selfTurnScheduled = true;
            loop.execute(selfTurn);
        }
    }
}
