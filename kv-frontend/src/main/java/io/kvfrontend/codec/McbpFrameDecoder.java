package io.kvfrontend.codec;

import io.kvfrontend.protocol.Header;
import io.kvfrontend.protocol.Magic;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the inbound byte stream into {@link McbpRequest}s (mcbp-protocol.md 1.1).
 *
 * <p>The header is validated as soon as its 24 bytes are in, before the body is awaited: a magic
 * that is not a client request, section lengths that exceed the body length, or a body over the
 * connection's current limit are framing errors. A framing error means the peer and this server no
 * longer agree on where frames start, so the connection is closed without a response to the bad
 * frame (as kv_engine does) and any further input is discarded; answers to the frames before it
 * are flushed first.
 *
 * <p><b>Event-loop confined</b> (one instance per channel).
 */
public final class McbpFrameDecoder extends ByteToMessageDecoder {

    /** Why a frame was rejected; reported to the {@link FramingErrorListener}. */
    public enum FramingError {
        BAD_MAGIC,
        LENGTHS_EXCEED_BODY,
        FRAME_TOO_LARGE
    }

    /** Told once per connection when framing fails, just before the connection is closed. */
    @FunctionalInterface
    public interface FramingErrorListener {
        void onFramingError(ChannelHandlerContext ctx, FramingError error, String detail);
    }

    /** The largest body whose whole frame (header + body) still fits one int-indexed buffer. */
    private static final int MAX_POSSIBLE_BODY = Integer.MAX_VALUE - Header.SIZE;

    private final FramingErrorListener listener;
    private int maxBodyLength;
    private boolean failed;
    /** Whether magic 0x83 (a Duplex client's reply to a server request) is a frame, not a framing error. */
    private boolean serverResponses;
    /**
     * Length of the frame whose header has been validated and whose body is still arriving, or 0.
     * Each header is judged once, against the limit in force when it arrived.
     */
    private int pendingFrameLength;

    private long framesDecoded;

    /**
     * @param maxBodyLength largest body accepted (may be lowered or raised later, e.g. after
     *                      authentication)
     */
    public McbpFrameDecoder(int maxBodyLength, FramingErrorListener listener) {
        this.maxBodyLength = maxBodyLength;
        this.listener = listener;
    }

    /** Changes the body-length limit for frames whose header has not been read yet. */
    public void maxBodyLength(int maxBodyLength) {
        this.maxBodyLength = maxBodyLength;
    }

    public int maxBodyLength() {
        return maxBodyLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (pendingFrameLength == 0) {
            if (in.readableBytes() < Header.SIZE) {
                return;
            }
            pendingFrameLength = validateHeader(ctx, in);
            if (pendingFrameLength == 0) {
                return;
            }
        }
        if (in.readableBytes() < pendingFrameLength) {
            return;
        }
        int frameLength = pendingFrameLength;
        pendingFrameLength = 0;
        framesDecoded++;
        out.add(new McbpRequest(in.readRetainedSlice(frameLength)));
    }

    /** Frames decoded so far. Event loop. */
    public long framesDecoded() {
        return framesDecoded;
    }

    /** Whether part of a frame has arrived and the rest has not. Event loop. */
    public boolean hasPartialFrame() {
        return !failed && internalBuffer().isReadable();
    }

    /**
     * Accepts magic 0x83 frames (replies to server requests) once the connection negotiated Duplex;
     * without it they are a bad magic like any other. Event loop.
     */
    public void acceptServerResponses(boolean accept) {
        serverResponses = accept;
    }

    /** The length of the frame the header at the reader index announces, or 0 after failing the channel. */
    private int validateHeader(ChannelHandlerContext ctx, ByteBuf in) {
        int base = in.readerIndex();
        int magic = in.getUnsignedByte(base + Header.MAGIC);
        if (!Magic.isClientRequest(magic) && !(serverResponses && magic == Magic.SERVER_RESPONSE)) {
            fail(ctx, in, FramingError.BAD_MAGIC, "magic 0x" + Integer.toHexString(magic));
            return 0;
        }
        long bodyLength = in.getUnsignedInt(base + Header.BODY_LENGTH);
        int keyLength;
        int framingExtrasLength;
        if (magic == Magic.ALT_CLIENT_REQUEST) {
            framingExtrasLength = in.getUnsignedByte(base + Header.KEY_LENGTH);
            keyLength = in.getUnsignedByte(base + Header.ALT_KEY_LENGTH);
        } else {
            framingExtrasLength = 0;
            keyLength = in.getUnsignedShort(base + Header.KEY_LENGTH);
        }
        int extrasLength = in.getUnsignedByte(base + Header.EXTRAS_LENGTH);
        if ((long) framingExtrasLength + extrasLength + keyLength > bodyLength) {
            fail(
                    ctx,
                    in,
                    FramingError.LENGTHS_EXCEED_BODY,
                    "framing extras " + framingExtrasLength + " + extras " + extrasLength + " + key " + keyLength
                            + " > body " + bodyLength);
            return 0;
        }
        // The configured limit may be as high as Integer.MAX_VALUE; no frame can exceed what a buffer holds.
        int limit = Math.min(maxBodyLength, MAX_POSSIBLE_BODY);
        if (bodyLength > limit) {
            fail(ctx, in, FramingError.FRAME_TOO_LARGE, "body " + bodyLength + " > limit " + limit);
            return 0;
        }
        return Header.SIZE + (int) bodyLength;
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, FramingError error, String detail) {
        failed = true;
        in.skipBytes(in.readableBytes());
        listener.onFramingError(ctx, error, detail);
        // The frames before the bad one were executed and may have been answered but not yet flushed
        // (one flush per read batch); close only once those answers are out, or the client could not
        // tell that, say, its Set was applied. Nothing more is read meanwhile: input is discarded.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
