package io.kvfrontend.protocol;

/**
 * The first byte of every MCBP packet (mcbp-protocol.md 1.2).
 *
 * <p><b>Immutable</b> (constants only).
 */
public final class Magic {
    /** Classic client request. */
    public static final int CLIENT_REQUEST = 0x80;
    /** Client request with framing extras ("flexible framing"). */
    public static final int ALT_CLIENT_REQUEST = 0x08;
    /** Classic response. */
    public static final int CLIENT_RESPONSE = 0x81;
    /** Response with framing extras. */
    public static final int ALT_CLIENT_RESPONSE = 0x18;
    /** Server-initiated request (duplex). */
    public static final int SERVER_REQUEST = 0x82;
    /** A client's answer to a server request (duplex). */
    public static final int SERVER_RESPONSE = 0x83;

    private Magic() {}

    public static boolean isClientRequest(int magic) {
        return magic == CLIENT_REQUEST || magic == ALT_CLIENT_REQUEST;
    }
}
