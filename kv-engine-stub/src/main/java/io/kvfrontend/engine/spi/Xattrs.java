package io.kvfrontend.engine.spi;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The extended-attribute section at the front of a value whose datatype has {@link Datatype#XATTR}
 * (mcbp-protocol.md 3.1; kv_engine's docs/Document.md): {@code u32 total length} (big-endian, not
 * counting itself), then pairs {@code u32 pair length | key | 0x00 | value | 0x00}, then the body.
 * Keys starting with {@code _} are system attributes: they survive a Delete.
 *
 * <p><b>Immutable</b> (static methods). Values are handed around as raw JSON text; this class does
 * not parse JSON.
 */
public final class Xattrs {
    private Xattrs() {}

    /** Whether {@code key} names a system attribute (kept on delete). */
    public static boolean isSystem(String key) {
        return !key.isEmpty() && key.charAt(0) == '_';
    }

    /** Length of the section (its 4-byte header included) at the front of {@code value}; -1 if malformed. */
    public static int sectionLength(byte[] value) {
        if (value.length < 4) {
            return -1;
        }
        long total = getInt(value, 0) & 0xffffffffL;
        if (total > value.length - 4L) {
            return -1;
        }
        int i = 4;
        int end = 4 + (int) total;
        while (i < end) {
            if (end - i < 4) {
                return -1;
            }
            long pair = getInt(value, i) & 0xffffffffL;
            if (pair < 2 || pair > end - i - 4L) {
                return -1;
            }
            int from = i + 4;
            int to = from + (int) pair;
            if (value[to - 1] != 0) {
                return -1;
            }
            int zeros = 0;
            for (int j = from; j < to; j++) {
                if (value[j] == 0) {
                    zeros++;
                }
            }
            if (zeros != 2 || value[from] == 0) {
                return -1;
            }
            i = to;
        }
        return end;
    }

    /** The body of a value with datatype {@code datatype} (the value itself without the Xattr bit). */
    public static byte[] body(byte[] value, int datatype) {
        if ((datatype & Datatype.XATTR) == 0) {
            return value;
        }
        int n = sectionLength(value);
        if (n < 0) {
            throw new IllegalArgumentException("Malformed xattr section");
        }
        return java.util.Arrays.copyOfRange(value, n, value.length);
    }

    /** The attributes of a value (key to raw JSON text, in stored order); empty without the Xattr bit. */
    public static Map<String, byte[]> parse(byte[] value, int datatype) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if ((datatype & Datatype.XATTR) == 0) {
            return out;
        }
        int end = sectionLength(value);
        if (end < 0) {
            throw new IllegalArgumentException("Malformed xattr section");
        }
        int i = 4;
        while (i < end) {
            int pair = getInt(value, i);
            int from = i + 4;
            int zero = from;
            while (value[zero] != 0) {
                zero++;
            }
            String key = new String(value, from, zero - from, StandardCharsets.UTF_8);
            byte[] v = java.util.Arrays.copyOfRange(value, zero + 1, from + pair - 1);
            out.put(key, v);
            i = from + pair;
        }
        return out;
    }

    /** Only the system attributes of {@code xattrs}. */
    public static Map<String, byte[]> systemOnly(Map<String, byte[]> xattrs) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        xattrs.forEach((k, v) -> {
            if (isSystem(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * A value of {@code xattrs} then {@code body}: with a section when there are attributes (the
     * caller sets {@link Datatype#XATTR}), else just the body.
     */
    public static byte[] encode(Map<String, byte[]> xattrs, byte[] body) {
        if (xattrs.isEmpty()) {
            return body;
        }
        int total = 0;
        for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
            total += 4 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 1 + e.getValue().length + 1;
        }
        byte[] out = new byte[4 + total + body.length];
        putInt(out, 0, total);
        int i = 4;
        for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue();
            putInt(out, i, k.length + 1 + v.length + 1);
            i += 4;
            System.arraycopy(k, 0, out, i, k.length);
            i += k.length + 1;
            System.arraycopy(v, 0, out, i, v.length);
            i += v.length + 1;
        }
        System.arraycopy(body, 0, out, i, body.length);
        return out;
    }

    /** The section of {@code value} (header included) followed by {@code body}: same attributes, new body. */
    public static byte[] withBody(byte[] value, int datatype, byte[] body) {
        if ((datatype & Datatype.XATTR) == 0) {
            return body;
        }
        int n = sectionLength(value);
        if (n < 0) {
            throw new IllegalArgumentException("Malformed xattr section");
        }
        byte[] out = new byte[n + body.length];
        System.arraycopy(value, 0, out, 0, n);
        System.arraycopy(body, 0, out, n, body.length);
        return out;
    }

    private static int getInt(byte[] b, int i) {
        return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    private static void putInt(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }
}
