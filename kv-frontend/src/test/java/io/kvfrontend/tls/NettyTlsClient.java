package io.kvfrontend.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A TLS client on Netty's own SslHandler (the JDK engine), as the Couchbase SDK's connections are
 * built: records the bytes it receives and whether the server sent close_notify.
 */
final class NettyTlsClient implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private volatile boolean closeNotify;

    private NettyTlsClient(X509Certificate trusted, int port) throws Exception {
        SslContext ctx = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(trusted)
                .endpointIdentificationAlgorithm("HTTPS")
                .build();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            channel = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(ctx.newHandler(ch.alloc(), "127.0.0.1", port));
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext c, Object msg) {
                                    ByteBuf b = (ByteBuf) msg;
                                    try {
                                        byte[] bytes = new byte[b.readableBytes()];
                                        b.readBytes(bytes);
                                        synchronized (received) {
                                            received.writeBytes(bytes);
                                        }
                                    } finally {
                                        b.release();
                                    }
                                }

                                @Override
                                public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                                    if (evt instanceof SslCloseCompletionEvent e && e.isSuccess()) {
                                        closeNotify = true;
                                    }
                                    c.fireUserEventTriggered(evt);
                                }
                            });
                        }
                    })
                    .connect("127.0.0.1", port)
                    .sync()
                    .channel();
            channel.pipeline().get(SslHandler.class).handshakeFuture().sync();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw e;
        }
    }

    static NettyTlsClient connect(X509Certificate trusted, int port) throws Exception {
        return new NettyTlsClient(trusted, port);
    }

    void send(byte[] bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    boolean closeNotifyReceived() {
        return closeNotify;
    }

    /** Waits until the server has closed its side, then closes this side (as a client does). */
    void awaitClosed(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (channel.isActive() && !closeNotify && System.nanoTime() < end) {
            channel.closeFuture().awaitUninterruptibly(10);
        }
        if (channel.isActive() && !closeNotify) {
            throw new AssertionError("the server did not close within " + deadline);
        }
        channel.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
