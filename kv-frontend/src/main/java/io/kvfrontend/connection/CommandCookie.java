package io.kvfrontend.connection;

import io.kvfrontend.engine.spi.Cookie;
import io.kvfrontend.engine.spi.CookieOutput;
import io.kvfrontend.engine.spi.OutputFrame;
import io.kvfrontend.engine.spi.Status;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The cookie of one command that may block: its output stamps that command's opcode and opaque on
 * every frame, and {@link #notifyIoComplete} enqueues the command's resumption on the connection's
 * event loop.
 *
 * <p><b>Thread-safe.</b>
 */
public final class CommandCookie implements Cookie, CookieOutput {
    private final Connection connection;
    private final int opcode;
    private final int opaque;
    private final AtomicBoolean notified = new AtomicBoolean();
    /** The mode this command writes in from other threads: the server's mode when it started. */
    private final OutputMode mode;
    /** Whether this command is counted as a producer (it has written from another thread and not finished). */
    private final AtomicBoolean producing = new AtomicBoolean();

    private volatile Object engineStorage;

    CommandCookie(Connection connection, int opcode, int opaque) {
        this.connection = connection;
        this.opcode = opcode;
        this.opaque = opaque;
        this.mode = connection.services().outputMetrics().mode();
    }

    /** The output mode of this command's off-loop writes, fixed when it started. */
    public OutputMode mode() {
        return mode;
    }

    @Override
    public CookieOutput output() {
        return this;
    }

    @Override
    public void notifyIoComplete(Status status) {
        if (!notified.compareAndSet(false, true)) {
            throw new IllegalStateException(
                    "notifyIoComplete called twice for opcode 0x" + Integer.toHexString(opcode) + " opaque " + opaque);
        }
        producerDone();
        try {
            connection.output().execute(() -> connection.resume(this, status));
        } catch (RejectedExecutionException e) {
            // The loop is gone, and with it the connection: nothing to resume.
        }
    }

    /** This command no longer produces output from other threads (it completed, or its connection closed). */
    void producerDone() {
        if (producing.compareAndSet(true, false)) {
            connection.services().outputMetrics().of(mode).producerEnded();
        }
    }

    /** Allows one more {@link #notifyIoComplete} after a resumption blocked again. Event loop only. */
    void rearm() {
        notified.set(false);
    }

    @Override
    public long connectionId() {
        return connection.id();
    }

    @Override
    public Object engineStorage() {
        return engineStorage;
    }

    @Override
    public void engineStorage(Object value) {
        engineStorage = value;
    }

    public int opcode() {
        return opcode;
    }

    public int opaque() {
        return opaque;
    }

    @Override
    public WriteResult write(OutputFrame frame) {
        if (!producing.get() && !connection.eventLoop().inEventLoop() && producing.compareAndSet(false, true)) {
            connection.services().outputMetrics().of(mode).producerStarted();
            if (connection.output().isClosed()) {
                // The connection closed before this command counted: it will not see this one end.
                producerDone();
            }
        }
        return connection.output().write(opcode, opaque, frame, mode);
    }

    @Override
    public boolean hasCapacity() {
        return connection.output().hasCapacity();
    }

    @Override
    public void onCapacity(Runnable callback) {
        connection.output().onCapacity(callback);
    }

    @Override
    public boolean isClosed() {
        return connection.output().isClosed();
    }
}
