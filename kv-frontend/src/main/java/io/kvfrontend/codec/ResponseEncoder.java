package io.kvfrontend.codec;

import io.kvfrontend.protocol.Header;
import io.kvfrontend.protocol.Magic;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Builds response packets (mcbp-protocol.md 1.4): header, extras and key in one exactly-sized
 * buffer; the value of a stored item follows as its own buffer wrapping the engine's immutable
 * array, so it is never copied by this code (architecture.md, "The flow of one request", step 6);
 * Netty's socket transports still copy that heap buffer into direct memory when they write it.
 * Frames that engine code writes through {@code CookieOutput} are copied whole into one buffer
 * instead ({@link #whole}), on the producer's thread.
 *
 * <p><b>Thread-safe</b> (stateless): used on the event loop and, in spool mode, by producer threads.
 */
public final class ResponseEncoder {
    private static final byte[] EMPTY = new byte[0];

    private ResponseEncoder() {}

    /**
     * The header + extras + key of a response whose value ({@code valueLength} bytes) is sent
     * separately right after it.
     */
    public static ByteBuf header(
            ByteBufAllocator alloc,
            int opcode,
            int status,
            int opaque,
            long cas,
            int datatype,
            byte[] extras,
            byte[] key,
            int valueLength) {
        if (extras == null) {
            extras = EMPTY;
        }
        if (key == null) {
            key = EMPTY;
        }
        ByteBuf buf = alloc.ioBuffer(Header.SIZE + extras.length + key.length);
        writeHeader(buf, opcode, status, opaque, cas, datatype, extras.length, key.length, valueLength);
        buf.writeBytes(extras).writeBytes(key);
        return buf;
    }

    /** Like {@link #header} with the key taken from a buffer (e.g. the request's key slice). */
    public static ByteBuf header(
            ByteBufAllocator alloc,
            int opcode,
            int status,
            int opaque,
            long cas,
            int datatype,
            byte[] extras,
            ByteBuf key,
            int valueLength) {
        if (extras == null) {
            extras = EMPTY;
        }
        int keyLength = key == null ? 0 : key.readableBytes();
        ByteBuf buf = alloc.ioBuffer(Header.SIZE + extras.length + keyLength);
        writeHeader(buf, opcode, status, opaque, cas, datatype, extras.length, keyLength, valueLength);
        buf.writeBytes(extras);
        if (keyLength > 0) {
            buf.writeBytes(key, key.readerIndex(), keyLength);
        }
        return buf;
    }

    /**
     * A whole response in one exactly-sized buffer, the value copied in: for frames produced off the
     * event loop, so the copy into I/O memory happens on the producer's thread, not the loop's.
     */
    public static ByteBuf whole(
            ByteBufAllocator alloc,
            int opcode,
            int status,
            int opaque,
            long cas,
            int datatype,
            byte[] extras,
            byte[] key,
            byte[] value,
            int valueLength) {
        ByteBuf buf = alloc.ioBuffer(Header.SIZE + extras.length + key.length + valueLength);
        writeHeader(buf, opcode, status, opaque, cas, datatype, extras.length, key.length, valueLength);
        buf.writeBytes(extras).writeBytes(key).writeBytes(value, 0, valueLength);
        return buf;
    }

    /** A complete response with an empty body: the 24-byte header alone. */
    public static ByteBuf simple(ByteBufAllocator alloc, int opcode, int status, int opaque, long cas) {
        ByteBuf buf = alloc.ioBuffer(Header.SIZE);
        writeHeader(buf, opcode, status, opaque, cas, 0, 0, 0, 0);
        return buf;
    }

    /** Wraps a value array without copying; an empty value yields {@code null} (nothing to send). */
    public static ByteBuf value(byte[] value) {
        return value == null || value.length == 0 ? null : Unpooled.wrappedBuffer(value);
    }

    /**
     * The header, extras and key of a server request (magic 0x82, mcbp-protocol.md 9.2) to a client
     * that negotiated Duplex: vBucket, opaque and CAS 0; the value ({@code valueLength} bytes)
     * follows separately.
     */
    public static ByteBuf serverRequest(
            ByteBufAllocator alloc, int opcode, int datatype, byte[] extras, byte[] key, int valueLength) {
        ByteBuf buf = alloc.ioBuffer(Header.SIZE + extras.length + key.length);
        buf.writeByte(Magic.SERVER_REQUEST)
                .writeByte(opcode)
                .writeShort(key.length)
                .writeByte(extras.length)
                .writeByte(datatype)
                .writeShort(0)
                .writeInt(extras.length + key.length + valueLength)
                .writeInt(0)
                .writeLong(0);
        buf.writeBytes(extras).writeBytes(key);
        return buf;
    }

    private static void writeHeader(
            ByteBuf buf,
            int opcode,
            int status,
            int opaque,
            long cas,
            int datatype,
            int extrasLength,
            int keyLength,
            int valueLength) {
        buf.writeByte(Magic.CLIENT_RESPONSE)
                .writeByte(opcode)
                .writeShort(keyLength)
                .writeByte(extrasLength)
                .writeByte(datatype)
                .writeShort(status)
                .writeInt(extrasLength + keyLength + valueLength)
                .writeInt(opaque)
                .writeLong(cas);
    }
}
