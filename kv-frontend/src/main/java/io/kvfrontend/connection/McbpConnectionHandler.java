package io.kvfrontend.connection;

import io.kvfrontend.codec.McbpFrameDecoder;
import io.kvfrontend.codec.McbpRequest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
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
        server.connections().add(connection);
        super.channelActive(ctx);
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
