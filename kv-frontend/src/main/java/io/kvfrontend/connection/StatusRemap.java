package io.kvfrontend.connection;

import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Opcode;

/**
 * What a client that did not negotiate extended errors (HELLO XERROR) receives instead of an
 * extended status (mcbp-protocol.md 5, kv_engine's {@code remapErrorCode}). Plain memcached clients
 * never send HELLO, so this is what they see.
 *
 * <p><b>Immutable</b> (static helpers only).
 */
public final class StatusRemap {
    /** Returned by {@link #remap} when the connection must be closed instead of answered. */
    public static final int DISCONNECT = -1;

    private StatusRemap() {}

    /** The wire status for a non-XERROR client, or {@link #DISCONNECT}. */
    public static int remap(Status status, int opcode) {
        return switch (status) {
            case LOCKED ->
                // GetLocked and UnlockKey report a lock conflict as a temporary failure; mutations
                // report it as "exists", the classic CAS conflict.
                opcode == Opcode.GET_LOCKED.code() || opcode == Opcode.UNLOCK_KEY.code()
                        ? Status.ETMPFAIL.code()
                        : Status.KEY_EEXISTS.code();
            case NOT_LOCKED -> Status.ETMPFAIL.code();
            case UNKNOWN_COLLECTION, UNKNOWN_SCOPE -> Status.EINVAL.code();
            case NO_BUCKET,
                    AUTH_STALE,
                    EACCESS,
                    CANCELLED,
                    DURABILITY_INVALID_LEVEL,
                    DURABILITY_IMPOSSIBLE,
                    RANGE_SCAN_CANCELLED,
                    VB_UUID_NOT_EQUAL -> DISCONNECT;
            default -> status.code();
        };
    }
}
