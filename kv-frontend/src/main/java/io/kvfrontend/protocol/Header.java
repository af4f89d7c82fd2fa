package io.kvfrontend.protocol;

/**
 * Offsets and sizes of the 24-byte MCBP header (mcbp-protocol.md 1.3-1.5). All multi-byte fields
 * are big-endian and read unsigned.
 *
 * <p><b>Immutable</b> (constants only).
 */
public final class Header {
    public static final int SIZE = 24;

    public static final int MAGIC = 0;
    public static final int OPCODE = 1;
    /** Classic: uint16 key length. Flex: uint8 framing extras length. */
    public static final int KEY_LENGTH = 2;
    /** Flex only: uint8 key length. */
    public static final int ALT_KEY_LENGTH = 3;

    public static final int EXTRAS_LENGTH = 4;
    public static final int DATATYPE = 5;
    /** vBucket in requests, status in responses. */
    public static final int VBUCKET_OR_STATUS = 6;

    public static final int BODY_LENGTH = 8;
    public static final int OPAQUE = 12;
    public static final int CAS = 16;

    private Header() {}
}
