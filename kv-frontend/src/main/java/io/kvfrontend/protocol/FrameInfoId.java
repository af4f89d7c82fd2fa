package io.kvfrontend.protocol;

/**
 * Request frame-info ids carried in the framing extras of magic 0x08 (mcbp-protocol.md 2.2).
 *
 * <p><b>Immutable</b> (constants only).
 */
public final class FrameInfoId {
    public static final int BARRIER = 0;
    public static final int DURABILITY_REQUIREMENT = 1;
    public static final int DCP_STREAM_ID = 2;
    public static final int OPEN_TRACING_CONTEXT = 3;
    public static final int IMPERSONATE = 4;
    public static final int PRESERVE_TTL = 5;
    public static final int IMPERSONATE_EXTRA_PRIVILEGE = 6;
    public static final int IMPERSONATE_WITH_TOKEN_AUTH_DATA_ID = 7;

    private FrameInfoId() {}
}
