package io.kvfrontend.server;

import io.kvfrontend.metrics.ServerStats;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts bytes read from and written to a connection, for {@code bytes_read}/{@code bytes_written}.
 *
 * <p><b>Thread-safe</b> (adders only).
 */
@Sharable
final class ByteCounter extends ChannelDuplexHandler {
    private final ServerStats stats;

    ByteCounter(ServerStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            stats.bytesRead.add(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            stats.bytesWritten.add(b.readableBytes());
        }
        ctx.write(msg, promise);
    }
}
