package io.kvfrontend.dispatch;

import io.kvfrontend.auth.SaslExchange;
import io.kvfrontend.auth.SaslServer;
import io.kvfrontend.auth.User;
import io.kvfrontend.cluster.ClusterMap;
import io.kvfrontend.connection.CommandCookie;
import io.kvfrontend.connection.Session;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.testsupport.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Session} without a channel: what a command answers is parsed into {@link Response}s as
 * it is written, and the state a command changes (features, bucket, user, known cluster map) is
 * plain fields to assert on. The test thread is its event loop. Commands that would block need a
 * real connection and are refused.
 */
final class TestSession implements Session {
    private static final int HEADER = 24;

    private final SaslServer saslServer;
    private final ClusterMap clusterMap;
    private final List<Response> responses = new ArrayList<>();
    private long features;
    private Bucket bucket;
    private User user;
    private SaslExchange sasl;
    private String agent = "";
    private long knownEpoch = Long.MIN_VALUE;
    private long knownRevision = Long.MIN_VALUE;
    private boolean closing;

    TestSession(Services services) {
        this.saslServer = services.sasl();
        this.clusterMap = services.clusterMap();
    }

    /** The responses written since the last call, oldest first. */
    List<Response> takeResponses() {
        List<Response> r = List.copyOf(responses);
        responses.clear();
        return r;
    }

    /** Whether a command asked for the connection to be closed. */
    boolean isClosing() {
        return closing;
    }

    @Override
    public long id() {
        return 0;
    }

    @Override
    public boolean has(int feature) {
        return (features & (1L << feature)) != 0;
    }

    @Override
    public void features(long mask) {
        features = mask;
    }

    @Override
    public Bucket bucket() {
        return bucket;
    }

    @Override
    public void bucket(Bucket b) {
        bucket = b;
        knownEpoch = Long.MIN_VALUE;
    }

    @Override
    public User user() {
        return user;
    }

    @Override
    public boolean isAuthenticated() {
        return user != null;
    }

    @Override
    public void authenticated(User u) {
        user = u;
    }

    @Override
    public SaslExchange sasl() {
        if (sasl == null) {
            sasl = saslServer.newExchange();
        }
        return sasl;
    }

    @Override
    public String agent() {
        return agent;
    }

    @Override
    public void agent(String a) {
        agent = a;
    }

    @Override
    public void knownConfig(long epoch, long revision) {
        knownEpoch = epoch;
        knownRevision = revision;
    }

    @Override
    public boolean hasCurrentConfig() {
        return knownEpoch != Long.MIN_VALUE && clusterMap.isKnown(knownEpoch, knownRevision);
    }

    @Override
    public int datatypeMask() {
        return Session.datatypeMask(features);
    }

    @Override
    public int wireStatus(Status status, int opcode) {
        return Session.wireStatus(features, status, opcode);
    }

    @Override
    public void closeAfterFlush() {
        closing = true;
    }

    @Override
    public CommandCookie newCookie(int opcode, int opaque) {
        throw new UnsupportedOperationException("a command that would block needs a real connection");
    }

    @Override
    public boolean inEventLoop() {
        return true;
    }

    @Override
    public ByteBufAllocator alloc() {
        return ByteBufAllocator.DEFAULT;
    }

    @Override
    public SocketAddress remoteAddress() {
        return InetSocketAddress.createUnresolved("test-session", 0);
    }

    @Override
    public void write(ByteBuf header, ByteBuf value) {
        try {
            byte[] head = new byte[HEADER];
            header.getBytes(header.readerIndex(), head);
            byte[] body = new byte[header.readableBytes() - HEADER + (value == null ? 0 : value.readableBytes())];
            header.getBytes(header.readerIndex() + HEADER, body, 0, header.readableBytes() - HEADER);
            if (value != null) {
                value.getBytes(value.readerIndex(), body, header.readableBytes() - HEADER, value.readableBytes());
            }
            responses.add(Response.parse(head, body));
        } finally {
            header.release();
            if (value != null) {
                value.release();
            }
        }
    }
}
