package io.kvfrontend.engine.spi;

/**
 * What the owner of a {@link Cookie} may do with its connection's output, from any thread
 * (architecture.md, "CookieOutput: the contract").
 *
 * <p>All output of a connection has one ordering: frames written here, the final status of a
 * blocked command and the responses to later commands never interleave out of order. Frames of one
 * producer arrive in the order it wrote them; a frame is never split or interleaved with another.
 *
 * <p>The output is bounded. A producer checks {@link #hasCapacity()} before each write; when it is
 * false (or a write answered {@link WriteResult#PAUSE}) the producer stops and registers
 * {@link #onCapacity(Runnable)}, and it checks again when called back, since other producers may
 * have used the room first. It must not park its thread waiting for room. Producers that follow
 * this keep the connection's buffered bytes under the high-water mark plus one frame each.
 *
 * <p>After the connection closes every write answers {@link WriteResult#CLOSED} and sends nothing;
 * the producer must stop.
 *
 * <p><b>Thread-safe.</b>
 */
public interface CookieOutput {

    /** The outcome of one {@link #write}. */
    enum WriteResult {
        /** Sent (sync hand-off) or queued in order (spool); there is room for more. */
        OK,
        /**
         * Sent or queued like {@link #OK}, but the output is now over its high-water mark: stop
         * producing and continue from {@link #onCapacity(Runnable)}.
         */
        PAUSE,
        /** The connection is closed: nothing was sent and nothing will be. Stop producing. */
        CLOSED
    }

    /**
     * Sends one frame after everything this connection has already sent or queued. The output
     * copies the frame before returning, whatever the outcome, so the caller may reuse its arrays.
     */
    WriteResult write(OutputFrame frame);

    /** Whether a write now would stay under the high-water mark (false once closed). */
    boolean hasCapacity();

    /**
     * Registers a one-shot callback run when the output has room again, or when it closes (check
     * {@link #isClosed()}). If there is room already it runs soon. The callback runs on the
     * connection's event loop and must not block: it should hand the producer back to its own
     * executor.
     */
    void onCapacity(Runnable callback);

    /** Whether the connection has closed; a producer should stop. */
    boolean isClosed();
}
