package io.kvfrontend.testsupport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One MCBP response as a test client received it.
 *
 * @param magic          0x81 or 0x18
 * @param opcode         opcode
 * @param status         16-bit status
 * @param datatype       datatype bits
 * @param opaque         opaque
 * @param cas            CAS
 * @param framingExtras  framing extras (0x18 only)
 * @param extras         extras
 * @param key            key
 * @param value          value
 */
public record Response(
        int magic,
        int opcode,
        int status,
        int datatype,
        int opaque,
        long cas,
        byte[] framingExtras,
        byte[] extras,
        byte[] key,
        byte[] value) {

    public String keyString() {
        return new String(key, StandardCharsets.UTF_8);
    }

    public String valueString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    public int extrasInt(int offset) {
        return ByteBuffer.wrap(extras).getInt(offset);
    }

    public long extrasLong(int offset) {
        return ByteBuffer.wrap(extras).getLong(offset);
    }

    public long valueLong() {
        return ByteBuffer.wrap(value).getLong();
    }

    /** Parses a whole response frame (header + body). */
    public static Response parse(byte[] header, byte[] body) {
        ByteBuffer h = ByteBuffer.wrap(header);
        int magic = h.get(0) & 0xff;
        int opcode = h.get(1) & 0xff;
        int fe;
        int keyLength;
        if (magic == 0x18) {
            fe = h.get(2) & 0xff;
            keyLength = h.get(3) & 0xff;
        } else {
            fe = 0;
            keyLength = h.getShort(2) & 0xffff;
        }
        int extrasLength = h.get(4) & 0xff;
        int datatype = h.get(5) & 0xff;
        int status = h.getShort(6) & 0xffff;
        int opaque = h.getInt(12);
        long cas = h.getLong(16);
        int o = 0;
        byte[] f = java.util.Arrays.copyOfRange(body, o, o += fe);
        byte[] e = java.util.Arrays.copyOfRange(body, o, o += extrasLength);
        byte[] k = java.util.Arrays.copyOfRange(body, o, o += keyLength);
        byte[] v = java.util.Arrays.copyOfRange(body, o, body.length);
        return new Response(magic, opcode, status, datatype, opaque, cas, f, e, k, v);
    }

    @Override
    public String toString() {
        return "Response{opcode=0x" + Integer.toHexString(opcode) + ", status=0x" + Integer.toHexString(status)
                + ", opaque=" + opaque + ", cas=" + cas + ", extras=" + extras.length + ", key=" + keyString()
                + ", value=" + value.length + " bytes}";
    }
}
