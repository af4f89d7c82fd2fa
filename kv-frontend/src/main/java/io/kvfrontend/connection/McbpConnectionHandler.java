package io.kvfrontend.connection;

import io.kvfrontend.codec.McbpFrameDecoder;
import io.kvfrontend.codec.McbpRequest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last inbound handler of a connection's pipeline: hands framed requests to the
 * {@link Connection}, flushes once per read batch, tracks writability and closes on errors.
 *
 * <p><b>Event-loop confined</b> (one instance per channel).
 */
public final class McbpConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(McbpConnectionHandler.class);

    private final ConnectionServices server;
    private final McbpFrameDecoder decoder;
    private Connection connection;
    private boolean rejected;
    /** Closes the connection if the request begun by then has not arrived; null without a partial request. */
    private ScheduledFuture<?> frameDeadline;
    /** {@link McbpFrameDecoder#framesDecoded()} when the frame deadline was set. */
    private long framesAtDeadline;

    public McbpConnectionHandler(ConnectionServices server, McbpFrameDecoder decoder) {
        this.server = server;
        this.decoder = decoder;
    }

    /** The connection state; {@code null} before the handler is added. */
    public Connection connection() {
        return connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection = new Connection(server, ctx, decoder);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (server.stats().currConnections.incrementAndGet() > server.limits().maxConnections()) {
            // Over the limit: refused at once, before anything is read.
            server.stats().currConnections.decrementAndGet();
            server.stats().rejectedConnections.increment();
            rejected = true;
            if (server.mayLogRejection()) {
                LOG.warn(
                        "refusing connection from {}: {} connections open (max-connections)",
                        ctx.channel().remoteAddress(),
                        server.limits().maxConnections());
            }
            ctx.close();
            return;
        }
        server.stats().totalConnections.increment();
        boolean stopping = server.connections().add(connection);
        Duration authTimeout = server.limits().authTimeout();
        if (server.limits().authEnabled() && !authTimeout.isZero()) {
            connection.authDeadline(ctx.executor()
                    .schedule(() -> closeIfUnauthenticated(ctx), authTimeout.toNanos(), TimeUnit.NANOSECONDS));
        }
        super.channelActive(ctx);
        if (stopping) {
            connection.drainAndClose();
        }
    }

    /** auth-timeout: as Couchbase Server closes connections that stay unauthenticated. */
    private void closeIfUnauthenticated(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && !connection.isAuthenticated()) {
            server.stats().authTimeouts.increment();
            LOG.info(
                    "conn {}: closing, not authenticated within {} (auth-timeout), from {}",
                    connection.id(),
                    server.limits().authTimeout(),
                    ctx.channel().remoteAddress());
            ctx.close();
        }
    }

    /**
     * frame-timeout: a request whose first bytes arrived must be complete within the timeout, so a
     * client sending a byte now and then cannot hold a connection (and its buffer) for ever. Checked
     * after each read batch: the deadline is set when a batch ends inside a frame and dropped when
     * one ends between frames; when it fires, a connection that decoded no frame since is closed,
     * unless the server itself stopped reading it (output backpressure, a blocked command).
     */
    private void watchPartialFrame(ChannelHandlerContext ctx) {
        Duration timeout = server.limits().frameTimeout();
        if (timeout.isZero()) {
            return;
        }
        if (!decoder.hasPartialFrame()) {
            if (frameDeadline != null) {
                frameDeadline.cancel(false);
                frameDeadline = null;
            }
        } else if (frameDeadline == null) {
            framesAtDeadline = decoder.framesDecoded();
            frameDeadline =
                    ctx.executor().schedule(() -> frameDeadlinePassed(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void frameDeadlinePassed(ChannelHandlerContext ctx) {
        frameDeadline = null;
        if (!ctx.channel().isActive() || !decoder.hasPartialFrame()) {
            return;
        }
        if (decoder.framesDecoded() != framesAtDeadline
                || !ctx.channel().config().isAutoRead()) {
            watchPartialFrame(ctx); // progress, or the server is not reading: a new window
            return;
        }
        server.stats().frameTimeouts.increment();
        LOG.info(
                "conn {}: closing, a request did not arrive within {} (frame-timeout), from {}",
                connection.id(),
                server.limits().frameTimeout(),
                ctx.channel().remoteAddress());
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof McbpRequest request) {
            connection.onRequest(request);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        connection.onReadComplete();
        watchPartialFrame(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        connection.onWritabilityChanged();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!rejected) {
            server.stats().currConnections.decrementAndGet();
            server.stats().closedConnections.increment();
            server.connections().remove(connection);
        }
        if (frameDeadline != null) {
            frameDeadline.cancel(false);
        }
        connection.onInactive();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            // Resets and broken pipes are what clients do; not failures of this server.
            LOG.debug("conn {}: I/O error: {}", connection.id(), cause.toString());
        } else {
            LOG.warn("conn {}: closing after unexpected error", connection.id(), cause);
        }
        ctx.close();
    }
}
