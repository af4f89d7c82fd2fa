package io.kvfrontend.engine.spi;

/**
 * One response packet that engine code sends through {@link CookieOutput}. The front end stamps the
 * magic, the opcode and the opaque of the command the cookie belongs to, so a producer cannot send a
 * frame another command would own.
 *
 * <p>{@link CookieOutput#write} copies what it needs before it returns, so a producer may reuse its
 * arrays (e.g. one batch buffer) for the next frame.
 *
 * @param status   the packet's status
 * @param datatype datatype bits of the value (masked by the front end to what the client enabled)
 * @param cas      CAS field
 * @param extras   extras bytes (never {@code null})
 * @param key      key bytes (never {@code null})
 * @param value    value bytes (never {@code null}); the first {@code valueLength} are sent
 * @param valueLength how many bytes of {@code value} are the value
 */
public record OutputFrame(
        Status status, int datatype, long cas, byte[] extras, byte[] key, byte[] value, int valueLength) {
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
        if (valueLength < 0 || valueLength > value.length) {
            throw new IllegalArgumentException("value length " + valueLength + " outside the array of " + value.length);
        }
    }

    /** A frame whose value is the whole array. */
    public OutputFrame(Status status, int datatype, long cas, byte[] extras, byte[] key, byte[] value) {
        this(status, datatype, cas, extras, key, value, value == null ? 0 : value.length);
    }

    /** A frame with only a status and extras, e.g. the terminal frame of a stream. */
    public static OutputFrame of(Status status, byte[] extras, byte[] value) {
        return new OutputFrame(status, Datatype.RAW, 0, extras, EMPTY, value);
    }

    /** Bytes this frame takes on the wire. */
    public int wireSize() {
        return 24 + extras.length + key.length + valueLength;
    }
}
