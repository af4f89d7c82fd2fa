package io.kvfrontend.codec;

import io.kvfrontend.protocol.Header;
import io.kvfrontend.protocol.Magic;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One framed client request: the parsed header and the whole frame (header + body) as a retained
 * slice of the inbound buffer. The frame decoder has already checked that the lengths add up.
 *
 * <p>Ownership: whoever holds the request last releases it. The connection handler releases it
 * after dispatch, unless the command blocked, in which case the blocked command owns it until it
 * resumes. The section accessors return slices that are valid only while the request is.
 *
 * <p><b>Not thread-safe</b>; lives on its connection's event loop.
 */
public final class McbpRequest extends DefaultByteBufHolder {
    private final int magic;
    private final int opcode;
    private final int framingExtrasLength;
    private final int keyLength;
    private final int extrasLength;
    private final int datatype;
    private final int vbucket;
    private final int bodyLength;
    private final int opaque;
    private final long cas;

    /** Parses the header of {@code frame}, which must hold exactly one validated frame. */
    public McbpRequest(ByteBuf frame) {
        super(frame);
        int base = frame.readerIndex();
        this.magic = frame.getUnsignedByte(base + Header.MAGIC);
        this.opcode = frame.getUnsignedByte(base + Header.OPCODE);
        if (magic == Magic.ALT_CLIENT_REQUEST) {
            this.framingExtrasLength = frame.getUnsignedByte(base + Header.KEY_LENGTH);
            this.keyLength = frame.getUnsignedByte(base + Header.ALT_KEY_LENGTH);
        } else {
            this.framingExtrasLength = 0;
            this.keyLength = frame.getUnsignedShort(base + Header.KEY_LENGTH);
        }
        this.extrasLength = frame.getUnsignedByte(base + Header.EXTRAS_LENGTH);
        this.datatype = frame.getUnsignedByte(base + Header.DATATYPE);
        this.vbucket = frame.getUnsignedShort(base + Header.VBUCKET_OR_STATUS);
        this.bodyLength = (int) frame.getUnsignedInt(base + Header.BODY_LENGTH);
        this.opaque = frame.getInt(base + Header.OPAQUE);
        this.cas = frame.getLong(base + Header.CAS);
    }

    public int magic() {
        return magic;
    }

    public int opcode() {
        return opcode;
    }

    public int framingExtrasLength() {
        return framingExtrasLength;
    }

    public int keyLength() {
        return keyLength;
    }

    public int extrasLength() {
        return extrasLength;
    }

    public int datatype() {
        return datatype;
    }

    public int vbucket() {
        return vbucket;
    }

    public int bodyLength() {
        return bodyLength;
    }

    public int valueLength() {
        return bodyLength - framingExtrasLength - extrasLength - keyLength;
    }

    public int opaque() {
        return opaque;
    }

    public long cas() {
        return cas;
    }

    private int offset(int within) {
        return content().readerIndex() + Header.SIZE + within;
    }

    public ByteBuf framingExtras() {
        return content().slice(offset(0), framingExtrasLength);
    }

    public ByteBuf extras() {
        return content().slice(offset(framingExtrasLength), extrasLength);
    }

    public ByteBuf key() {
        return content().slice(offset(framingExtrasLength + extrasLength), keyLength);
    }

    public ByteBuf value() {
        return content().slice(offset(framingExtrasLength + extrasLength + keyLength), valueLength());
    }

    /** Absolute index of the first extras byte in {@link #content()}. */
    public int extrasIndex() {
        return offset(framingExtrasLength);
    }

    /** A copy of the key bytes. */
    public byte[] keyBytes() {
        return ByteBufUtil.getBytes(content(), offset(framingExtrasLength + extrasLength), keyLength);
    }

    /** A copy of the value bytes. */
    public byte[] valueBytes() {
        return ByteBufUtil.getBytes(content(), offset(framingExtrasLength + extrasLength + keyLength), valueLength());
    }

    @Override
    public McbpRequest retain() {
        super.retain();
        return this;
    }

    @Override
    public McbpRequest touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "McbpRequest{magic=0x" + Integer.toHexString(magic) + ", opcode=0x" + Integer.toHexString(opcode)
                + ", key=" + keyLength + ", extras=" + extrasLength + ", fe=" + framingExtrasLength
                + ", body=" + bodyLength + ", opaque=" + opaque + "}";
    }
}
