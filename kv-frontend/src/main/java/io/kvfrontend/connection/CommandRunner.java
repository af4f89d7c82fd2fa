package io.kvfrontend.connection;

import io.kvfrontend.codec.McbpRequest;
import io.kvfrontend.engine.spi.Status;

/**
 * Runs a connection's commands, one at a time: the layer above a connection (the dispatcher and its
 * executors). A connection sequences requests and owns their buffers; the runner decodes, executes
 * and answers them, and records each command's outcome and latency.
 *
 * <p><b>Event-loop confined</b>: one runner per connection, called on its loop only.
 */
public interface CommandRunner {
    /**
     * Runs one command (or runs it again after the engine finished work it blocked on). Never
     * throws: a failing executor is answered with an internal error. The request stays the
     * caller's.
     *
     * @param resumed    the cookie the command blocked with, or {@code null} for a new command
     * @param startNanos when it was first dispatched (its latency runs from there)
     * @return the cookie the command blocked on (the connection keeps the request until the engine
     *         calls {@code notifyIoComplete}), or {@code null} once it is answered
     */
    CommandCookie run(McbpRequest request, CommandCookie resumed, long startNanos);

    /** Answers a blocked command whose engine work ended with {@code status} (not success). */
    void fail(McbpRequest request, CommandCookie cookie, Status status, long startNanos);
}
