package io.kvfrontend.engine.spi;

/**
 * One response packet that engine code sends through {@link CookieOutput}. The front end stamps the
 * magic, the opcode and the opaque of the command the cookie belongs to, so a producer cannot send a
 * frame another command would own.
 *
 * <p><b>Immutable</b> by contract: the arrays are handed over and must not be modified afterwards.
 *
 * @param status   the packet's status
 * @param datatype datatype bits of the value (masked by the front end to what the client enabled)
 * @param cas      CAS field
 * @param extras   extras bytes (never {@code null})
 * @param key      key bytes (never {@code null})
 * @param value    value bytes (never {@code null})
 */
public record OutputFrame(Status status, int datatype, long cas, byte[] extras, byte[] key, byte[] value) {
    private static final byte[] EMPTY = new byte[0];

    public OutputFrame {
        if (status == null) {
            throw new IllegalArgumentException("status is required");
        }
        extras = extras == null ? EMPTY : extras;
        key = key == null ? EMPTY : key;
        value = value == null ? EMPTY : value;
        if (extras.length > 255 || key.length > 0xffff) {
            throw new IllegalArgumentException("extras <= 255 and key <= 65535 bytes");
        }
    }

    /** A frame with only a status and extras, e.g. the terminal frame of a stream. */
    public static OutputFrame of(Status status, byte[] extras, byte[] value) {
        return new OutputFrame(status, Datatype.RAW, 0, extras, EMPTY, value);
    }

    /** Bytes this frame takes on the wire. */
    public int wireSize() {
        return 24 + extras.length + key.length + value.length;
    }
}
