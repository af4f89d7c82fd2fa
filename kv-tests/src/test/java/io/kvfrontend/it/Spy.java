package io.kvfrontend.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.ConnectionFactoryBuilder.Protocol;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;

/**
 * A spymemcached client speaking the binary protocol to one test server, with short operation
 * timeouts so a missing response fails a test quickly instead of hanging it. Closing shuts the
 * client (and its I/O thread) down.
 */
final class Spy implements AutoCloseable {
    /** Long enough for a loaded 2-core CI box running Netty's leak detector at PARANOID. */
    static final long OP_TIMEOUT_MILLIS = 5_000;

    private final MemcachedClient client;

    private Spy(MemcachedClient client) {
        this.client = client;
    }

    static Spy connect(int port) {
        return connect(port, false);
    }

    /**
     * @param optimize let spymemcached merge queued gets and sets into quiet batches
     *                 (GetQ/SetQ + Noop), as its optimizing node does
     */
    static Spy connect(int port, boolean optimize) {
        return connect(port, optimize, null);
    }

    /**
     * Authenticates with SASL PLAIN, as a memcached client does against a server with users.
     * PLAIN is named explicitly: spymemcached's {@code AuthDescriptor.typical} tries CRAM-MD5 first,
     * which this server does not offer.
     */
    static Spy connectAs(int port, String user, String password) {
        return connect(
                port, false, new AuthDescriptor(new String[] {"PLAIN"}, new PlainCallbackHandler(user, password)));
    }

    private static Spy connect(int port, boolean optimize, AuthDescriptor auth) {
        ConnectionFactoryBuilder b = new ConnectionFactoryBuilder()
                .setProtocol(Protocol.BINARY)
                .setOpTimeout(OP_TIMEOUT_MILLIS)
                .setShouldOptimize(optimize)
                .setDaemon(true)
                .setMaxReconnectDelay(1);
        if (auth != null) {
            b.setAuthDescriptor(auth);
        }
        try {
            return new Spy(new MemcachedClient(b.build(), List.of(new InetSocketAddress("127.0.0.1", port))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    MemcachedClient client() {
        return client;
    }

    @Override
    public void close() {
        client.shutdown();
    }
}
