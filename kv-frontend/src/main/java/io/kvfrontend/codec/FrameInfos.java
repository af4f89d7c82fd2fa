package io.kvfrontend.codec;

import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.FrameInfoId;
import io.netty.buffer.ByteBuf;

/**
 * The request frame infos of one flexible-framing request (mcbp-protocol.md 2.1-2.2), parsed.
 * Either the parse succeeded and the fields say what was present, or {@link #error()} gives the
 * status to answer with and {@link #errorContext()} why.
 *
 * <p>Each element is {@code (id << 4 | len)}, where a nibble of 15 escapes to {@code 15 + next byte}
 * (the id's escape byte first, then the length's), followed by {@code len} bytes of data.
 *
 * <p><b>Immutable.</b>
 *
 * @param barrier            the Barrier frame info was present
 * @param durabilityLevel    0 for none, else 1 (Majority), 2 (MajorityAndPersistOnMaster) or 3
 *                           (PersistToMajority)
 * @param durabilityTimeout  the optional timeout in ms (0 = server default)
 * @param preserveTtl        the PreserveTtl frame info was present
 * @param error              {@code null} if valid
 * @param errorContext       text for the error context
 */
public record FrameInfos(
        boolean barrier,
        int durabilityLevel,
        int durabilityTimeout,
        boolean preserveTtl,
        Status error,
        String errorContext) {

    /** No frame infos (every classic 0x80 request). */
    public static final FrameInfos NONE = new FrameInfos(false, 0, 0, false, null, null);

    public boolean isValid() {
        return error == null;
    }

    private static FrameInfos invalid(Status status, String context) {
        return new FrameInfos(false, 0, 0, false, status, context);
    }

    /** Parses the framing extras in {@code fe} (all of its readable bytes). */
    public static FrameInfos parse(ByteBuf fe) {
        if (!fe.isReadable()) {
            return NONE;
        }
        boolean barrier = false;
        boolean preserveTtl = false;
        int level = 0;
        int timeout = 0;
        int i = fe.readerIndex();
        int end = fe.writerIndex();
        while (i < end) {
            int head = fe.getUnsignedByte(i++);
            int id = head >>> 4;
            int len = head & 0x0f;
            if (id == 15) {
                if (i >= end) {
                    return invalid(Status.EINVAL, "Invalid encoding in FrameExtras");
                }
                id = 15 + fe.getUnsignedByte(i++);
            }
            if (len == 15) {
                if (i >= end) {
                    return invalid(Status.EINVAL, "Invalid encoding in FrameExtras");
                }
                len = 15 + fe.getUnsignedByte(i++);
            }
            if (len > end - i) {
                return invalid(Status.EINVAL, "Invalid encoding in FrameExtras");
            }
            switch (id) {
                case FrameInfoId.BARRIER -> {
                    if (len != 0) {
                        return invalid(Status.EINVAL, "Barrier frame info must be empty");
                    }
                    barrier = true;
                }
                case FrameInfoId.DURABILITY_REQUIREMENT -> {
                    if (len != 1 && len != 3) {
                        return invalid(Status.EINVAL, "Durability frame info must be 1 or 3 bytes");
                    }
                    level = fe.getUnsignedByte(i);
                    if (level < 1 || level > 3) {
                        return invalid(Status.DURABILITY_INVALID_LEVEL, "Invalid durability level " + level);
                    }
                    if (len == 3) {
                        timeout = fe.getUnsignedShort(i + 1);
                        if (timeout == 0 || timeout == 0xffff) {
                            return invalid(Status.DURABILITY_INVALID_LEVEL, "Invalid durability timeout " + timeout);
                        }
                    }
                }
                case FrameInfoId.PRESERVE_TTL -> {
                    if (len != 0) {
                        return invalid(Status.EINVAL, "PreserveTtl frame info must be empty");
                    }
                    preserveTtl = true;
                }
                case FrameInfoId.DCP_STREAM_ID,
                        FrameInfoId.IMPERSONATE,
                        FrameInfoId.IMPERSONATE_EXTRA_PRIVILEGE,
                        FrameInfoId.IMPERSONATE_WITH_TOKEN_AUTH_DATA_ID ->
                // Known ids for DCP and impersonation, which this server does not offer.
                {
                    return invalid(Status.NOT_SUPPORTED, "Frame info " + id + " is not supported");
                }
                default -> {
                    return invalid(Status.UNKNOWN_FRAME_INFO, "Unknown frame info " + id);
                }
            }
            i += len;
        }
        return new FrameInfos(barrier, level, timeout, preserveTtl, null, null);
    }
}
