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

    void add(Connection c) {
        connections.put(c.id(), c);
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
