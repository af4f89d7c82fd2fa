package io.kvfrontend.engine.spi;

/**
 * The engine's handle on one command of one connection (kv_engine's cookie). An engine call that
 * cannot finish inline keeps the cookie, does the work on the engine's own executor, writes any
 * output through {@link #output()}, and then calls {@link #notifyIoComplete(Status)} exactly once.
 * The front end then resumes the command on the connection's event loop: on success it calls the
 * engine again with the same cookie, and the engine answers from what it left in
 * {@link #engineStorage()}; on failure it sends the status as the command's response.
 *
 * <p><b>Thread-safe</b> where stated: {@link #output()}, {@link #notifyIoComplete} and the engine
 * storage may be used from any thread.
 */
public interface Cookie {

    /** The connection's output. Valid for the life of the connection. */
    CookieOutput output();

    /**
     * Ends a would-block: enqueues the resumption of this command onto its connection's event loop and
     * returns at once. Call it after the last {@link #output()} write of the command, exactly once.
     */
    void notifyIoComplete(Status status);

    /** A number identifying the connection, unique for the life of the process. */
    long connectionId();

    /** Whatever the engine stored for this command (kv_engine's engine-specific storage). */
    Object engineStorage();

    /** Stores engine state for the resumption of this command. */
    void engineStorage(Object value);
}
