package io.kvfrontend.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds raw MCBP request frames for tests, including deliberately malformed ones: every field can
 * be set independently of the body it describes.
 */
public final class Frames {
    private int magic = 0x80;
    private final int opcode;
    private byte[] framingExtras = new byte[0];
    private byte[] extras = new byte[0];
    private byte[] key = new byte[0];
    private byte[] value = new byte[0];
    private int datatype;
    private int vbucket;
    private int opaque;
    private long cas;
    private Integer keyLengthOverride;
    private Integer extrasLengthOverride;
    private Integer framingLengthOverride;
    private Long bodyLengthOverride;

    private Frames(int opcode) {
        this.opcode = opcode;
    }

    public static Frames request(int opcode) {
        return new Frames(opcode);
    }

    public Frames magic(int m) {
        magic = m;
        return this;
    }

    /** Switches to magic 0x08 with these framing extras. */
    public Frames flex(byte... frameInfos) {
        magic = 0x08;
        framingExtras = frameInfos;
        return this;
    }

    public Frames extras(byte... e) {
        extras = e;
        return this;
    }

    public Frames extras(ByteBuffer e) {
        extras = new byte[e.remaining()];
        e.get(extras);
        return this;
    }

    public Frames key(String k) {
        key = k.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public Frames key(byte... k) {
        key = k;
        return this;
    }

    public Frames value(String v) {
        value = v.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public Frames value(byte... v) {
        value = v;
        return this;
    }

    public Frames datatype(int d) {
        datatype = d;
        return this;
    }

    public Frames vbucket(int v) {
        vbucket = v;
        return this;
    }

    public Frames opaque(int o) {
        opaque = o;
        return this;
    }

    public Frames cas(long c) {
        cas = c;
        return this;
    }

    /** Lies about the key length in the header. */
    public Frames keyLengthField(int l) {
        keyLengthOverride = l;
        return this;
    }

    public Frames extrasLengthField(int l) {
        extrasLengthOverride = l;
        return this;
    }

    public Frames framingLengthField(int l) {
        framingLengthOverride = l;
        return this;
    }

    /** Lies about the body length in the header. */
    public Frames bodyLengthField(long l) {
        bodyLengthOverride = l;
        return this;
    }

    /** Set/Add/Replace extras: flags, expiry. */
    public static byte[] storeExtras(int flags, int expiry) {
        return ByteBuffer.allocate(8).putInt(flags).putInt(expiry).array();
    }

    /** Increment/Decrement extras: delta, initial, expiry. */
    public static byte[] arithmeticExtras(long delta, long initial, int expiry) {
        return ByteBuffer.allocate(20)
                .putLong(delta)
                .putLong(initial)
                .putInt(expiry)
                .array();
    }

    public static byte[] int32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    public byte[] build() {
        int body = framingExtras.length + extras.length + key.length + value.length;
        ByteBuffer h = ByteBuffer.allocate(24);
        h.put((byte) magic).put((byte) opcode);
        if (magic == 0x08) {
            h.put((byte) (framingLengthOverride != null ? framingLengthOverride : framingExtras.length));
            h.put((byte) (keyLengthOverride != null ? keyLengthOverride : key.length));
        } else {
            h.putShort((short) (int) (keyLengthOverride != null ? keyLengthOverride : key.length));
        }
        h.put((byte) (int) (extrasLengthOverride != null ? extrasLengthOverride : extras.length));
        h.put((byte) datatype).putShort((short) vbucket);
        h.putInt((int) (long) (bodyLengthOverride != null ? bodyLengthOverride : body));
        h.putInt(opaque).putLong(cas);
        ByteArrayOutputStream out = new ByteArrayOutputStream(24 + body);
        out.writeBytes(h.array());
        out.writeBytes(framingExtras);
        out.writeBytes(extras);
        out.writeBytes(key);
        out.writeBytes(value);
        return out.toByteArray();
    }
}
