package io.kvfrontend.connection;

import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The server's open connections, for whatever must reach all of them or some of them (the users
 * of a deleted bucket, shutdown, statistics).
 *
 * <p><b>Thread-safe.</b> A connection's own state is still confined to its event loop: callers
 * reach it through {@code connection.eventLoop().execute(...)} or thread-safe methods only.
 */
public final class ConnectionRegistry {
    private final ConcurrentHashMap<Long, Connection> connections = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    /**
     * Adds a connection; {@code true} if the server is stopping, when the caller must drain it
     * itself: it was accepted before the listener closed but became active after {@link #stopping()}
     * had begun, so the stop's pass over {@link #all()} may not have seen it.
     */
    boolean add(Connection c) {
        connections.put(c.id(), c);
        return stopping;
    }

    /**
     * Marks the server as stopping, before the stop walks {@link #all()}: a connection added from now
     * on learns it from {@link #add}. Either the walk sees a connection or the connection sees the
     * mark (or both: draining is idempotent).
     */
    public void stopping() {
        stopping = true;
    }

    void remove(Connection c) {
        connections.remove(c.id(), c);
    }

    public int size() {
        return connections.size();
    }

    /** A live view of the open connections. */
    public Collection<Connection> all() {
        return Collections.unmodifiableCollection(connections.values());
    }

    /** The first open connection matching {@code filter}, or {@code null}. */
    public Connection find(Predicate<Connection> filter) {
        for (Connection c : connections.values()) {
            if (filter.test(c)) {
                return c;
            }
        }
        return null;
    }
}
