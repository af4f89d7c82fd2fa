package io.kvfrontend.connection;

import io.kvfrontend.auth.SaslExchange;
import io.kvfrontend.auth.User;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.SocketAddress;

/**
 * A connection as the commands running on it see it: who the client is (user, negotiated features,
 * agent, selected bucket, known cluster-map version), how to answer it, and how to end it. A
 * {@link Connection} is one; a test can run executors on another real implementation without a
 * socket.
 *
 * <p><b>Event-loop confined</b>, except {@link #id()}, {@link #has(int)} and {@link #wireStatus},
 * which are thread-safe.
 */
public interface Session {
    long id();

    /** Whether HELLO negotiated {@code feature} (a {@code Feature} constant). */
    boolean has(int feature);

    /** Replaces the negotiated feature set (HELLO): bit {@code n} = feature {@code n}. */
    void features(long mask);

    /** The selected bucket, or {@code null}. */
    Bucket bucket();

    void bucket(Bucket bucket);

    /** The authenticated user, or {@code null}. */
    User user();

    boolean isAuthenticated();

    /** SASL succeeded: the connection is {@code user}'s from now on. */
    void authenticated(User user);

    /** This connection's SASL exchange, created on first use. */
    SaslExchange sasl();

    String agent();

    /** The client's name and connection id from HELLO, as logs show it. */
    void agent(String agent);

    /** Records the cluster-map version the client has. */
    void knownConfig(long epoch, long revision);

    /** Whether the client already has the current cluster map (as far as it told us). */
    boolean hasCurrentConfig();

    /** The datatype bits this client may see in responses. */
    int datatypeMask();

    /** The wire status for {@code status}, or {@link StatusRemap#DISCONNECT}. Any thread. */
    int wireStatus(Status status, int opcode);

    /** Stops taking requests; the connection closes once pending output is flushed. */
    void closeAfterFlush();

    /** A new cookie for the running command, which is about to call a would-block engine method. */
    CommandCookie newCookie(int opcode, int opaque);

    /** Whether the caller runs on this connection's event loop. */
    boolean inEventLoop();

    /** The allocator responses are built with. */
    ByteBufAllocator alloc();

    SocketAddress remoteAddress();

    /**
     * Queues one response, in order, without a flush (the connection flushes once per read batch).
     * Takes ownership of both buffers.
     *
     * @param value {@code null} for none
     */
    void write(ByteBuf header, ByteBuf value);

    /** The datatype bits a client with the negotiated {@code features} may see in responses. */
    static int datatypeMask(long features) {
        int mask = 0;
        if ((features & (1L << Feature.JSON)) != 0) {
            mask |= Datatype.JSON;
        }
        if ((features & (1L << Feature.SNAPPY)) != 0) {
            mask |= Datatype.SNAPPY;
        }
        if ((features & (1L << Feature.XATTR)) != 0) {
            mask |= Datatype.XATTR;
        }
        return mask;
    }

    /**
     * The wire status of {@code status} for a client with the negotiated {@code features}: itself
     * with extended errors, else what a non-XERROR client understands ({@link StatusRemap}).
     */
    static int wireStatus(long features, Status status, int opcode) {
        return (features & (1L << Feature.XERROR)) != 0 ? status.code() : StatusRemap.remap(status, opcode);
    }
}
