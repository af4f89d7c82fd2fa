package io.kvfrontend.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Unsigned LEB128 decoding of the collection-id prefix of keys (mcbp-protocol.md 10). Only
 * canonical (shortest) encodings of at most 5 bytes (32-bit values) are accepted. (Range-scan
 * payloads are encoded by the engine, which has its own encoder.)
 *
 * <p><b>Immutable</b> (static helpers only).
 */
public final class Leb128 {
    /** Longest encoding of a 32-bit value. */
    public static final int MAX_BYTES = 5;

    private Leb128() {}

    /**
     * Decodes the value at the start of {@code src}'s readable bytes (without moving its reader
     * index) and returns it packed as {@code (bytesConsumed << 32) | value}, or -1 if the encoding
     * is truncated, longer than 5 bytes, over 32 bits, or not canonical.
     */
    public static long decode(ByteBuf src) {
        int offset = src.readerIndex();
        int limit = src.writerIndex();
        long value = 0;
        for (int i = 0; i < MAX_BYTES && offset + i < limit; i++) {
            int b = src.getUnsignedByte(offset + i);
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                int consumed = i + 1;
                // Canonical: a multi-byte encoding may not end in a zero group.
                if (consumed > 1 && b == 0) {
                    return -1;
                }
                if (value > 0xffffffffL) {
                    return -1;
                }
                return ((long) consumed << 32) | value;
            }
        }
        return -1;
    }

    public static int consumed(long packed) {
        return (int) (packed >>> 32);
    }

    public static int value(long packed) {
        return (int) packed;
    }
}
