package io.kvfrontend.protocol;

/**
 * Unsigned LEB128, as used for the collection-id prefix of keys and for lengths inside range-scan
 * payloads (mcbp-protocol.md 10, 11.2). Only canonical (shortest) encodings of at most 5 bytes
 * (32-bit values) are accepted on input.
 *
 * <p><b>Immutable</b> (static helpers only).
 */
public final class Leb128 {
    /** Longest encoding of a 32-bit value. */
    public static final int MAX_BYTES = 5;

    private Leb128() {
    }

    /** Bytes needed to encode {@code value} (treated as unsigned 32-bit). */
    public static int size(int value) {
        int n = 1;
        long v = Integer.toUnsignedLong(value) >>> 7;
        while (v != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }

    /** Writes {@code value} at {@code offset}; returns the offset after it. */
    public static int write(int value, byte[] dst, int offset) {
        long v = Integer.toUnsignedLong(value);
        do {
            int b = (int) (v & 0x7f);
            v >>>= 7;
            dst[offset++] = (byte) (v != 0 ? b | 0x80 : b);
        } while (v != 0);
        return offset;
    }

    public static byte[] encode(int value) {
        byte[] out = new byte[size(value)];
        write(value, out, 0);
        return out;
    }

    /**
     * Decodes the value at the start of {@code src[offset, limit)} and returns it packed as
     * {@code (bytesConsumed << 32) | value}, or -1 if the encoding is truncated, longer than 5 bytes,
     * over 32 bits, or not canonical.
     */
    public static long decode(byte[] src, int offset, int limit) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES && offset + i < limit; i++) {
            int b = src[offset + i] & 0xff;
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
