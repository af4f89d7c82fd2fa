package io.kvfrontend.engine.spi;

/**
 * MCBP response status codes (mcbp-protocol.md section 5). The engine reports outcomes with these
 * values; the front end puts {@link #code()} on the wire, after remapping it for clients that did
 * not negotiate extended errors.
 *
 * <p><b>Immutable.</b>
 */
public enum Status {
    SUCCESS(0x00),
    KEY_ENOENT(0x01),
    KEY_EEXISTS(0x02),
    E2BIG(0x03),
    EINVAL(0x04),
    NOT_STORED(0x05),
    DELTA_BADVAL(0x06),
    NOT_MY_VBUCKET(0x07),
    NO_BUCKET(0x08),
    LOCKED(0x09),
    NOT_LOCKED(0x0e),
    AUTH_STALE(0x1f),
    AUTH_ERROR(0x20),
    AUTH_CONTINUE(0x21),
    ERANGE(0x22),
    EACCESS(0x24),
    NOT_INITIALIZED(0x25),
    CANCELLED(0x51),
    UNKNOWN_FRAME_INFO(0x80),
    UNKNOWN_COMMAND(0x81),
    ENOMEM(0x82),
    NOT_SUPPORTED(0x83),
    EINTERNAL(0x84),
    EBUSY(0x85),
    ETMPFAIL(0x86),
    /** A malformed xattr section, or an invalid xattr key. */
    XATTR_EINVAL(0x87),
    UNKNOWN_COLLECTION(0x88),
    UNKNOWN_SCOPE(0x8c),
    DURABILITY_INVALID_LEVEL(0xa0),
    DURABILITY_IMPOSSIBLE(0xa1),
    RANGE_SCAN_CANCELLED(0xa5),
    RANGE_SCAN_MORE(0xa6),
    RANGE_SCAN_COMPLETE(0xa7),
    VB_UUID_NOT_EQUAL(0xa8),
    SUBDOC_PATH_ENOENT(0xc0),
    SUBDOC_PATH_MISMATCH(0xc1),
    SUBDOC_PATH_EINVAL(0xc2),
    SUBDOC_PATH_E2BIG(0xc3),
    SUBDOC_DOC_E2DEEP(0xc4),
    SUBDOC_VALUE_CANTINSERT(0xc5),
    SUBDOC_DOC_NOT_JSON(0xc6),
    SUBDOC_NUM_ERANGE(0xc7),
    SUBDOC_DELTA_EINVAL(0xc8),
    SUBDOC_PATH_EEXISTS(0xc9),
    SUBDOC_VALUE_ETOODEEP(0xca),
    SUBDOC_INVALID_COMBO(0xcb),
    /** Some specs of a multi-path command failed; the body has each spec's status (a success). */
    SUBDOC_MULTI_PATH_FAILURE(0xcc),
    /** Success on a deleted document (a success). */
    SUBDOC_SUCCESS_DELETED(0xcd),
    SUBDOC_XATTR_INVALID_FLAG_COMBO(0xce),
    SUBDOC_XATTR_INVALID_KEY_COMBO(0xcf),
    SUBDOC_XATTR_UNKNOWN_MACRO(0xd0),
    SUBDOC_XATTR_UNKNOWN_VATTR(0xd1),
    SUBDOC_XATTR_CANT_MODIFY_VATTR(0xd2),
    /** Some specs of a multi-path command on a deleted document failed (a success). */
    SUBDOC_MULTI_PATH_FAILURE_DELETED(0xd3),
    SUBDOC_INVALID_XATTR_ORDER(0xd4),
    SUBDOC_XATTR_UNKNOWN_VATTR_MACRO(0xd5),
    SUBDOC_CAN_ONLY_REVIVE_DELETED_DOCUMENTS(0xd6),
    SUBDOC_DELETED_DOCUMENT_CANT_HAVE_VALUE(0xd7);

    private static final Status[] BY_CODE = new Status[256];

    static {
        for (Status s : values()) {
            BY_CODE[s.code] = s;
        }
    }

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The 16-bit wire value. */
    public int code() {
        return code;
    }

    /**
     * Whether kv_engine treats this status as success and keeps the response body
     * (mcbp-protocol.md 3.4). Anything else is an error: extras and key are dropped.
     */
    public boolean isSuccess() {
        return this == SUCCESS
                || this == AUTH_CONTINUE
                || this == RANGE_SCAN_MORE
                || this == RANGE_SCAN_COMPLETE
                || this == SUBDOC_MULTI_PATH_FAILURE
                || this == SUBDOC_SUCCESS_DELETED
                || this == SUBDOC_MULTI_PATH_FAILURE_DELETED;
    }

    /** The status with that wire value, or {@code null} if this enum does not define it. */
    public static Status fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
