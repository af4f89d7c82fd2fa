package io.kvfrontend.cluster;

import io.kvfrontend.engine.spi.Status;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The error map answered to GetErrorMap (mcbp-protocol.md 8): for each status this server sends,
 * its name, a description and the attributes that drive client retry logic. A version-1 request gets
 * the map without the attributes version 2 added, as kv_engine does, so old clients that decode
 * attributes into a fixed set do not discard the whole map.
 *
 * <p><b>Immutable</b>; both versions are rendered once.
 */
public final class ErrorMap {
    /** Attributes that only version 2 of the format defines. */
    private static final List<String> V2_ONLY = List.of("rate-limit", "system-constraint", "no-retry");

    private static final int REVISION = 1;

    private record Entry(String name, String desc, List<String> attrs) {}

    private final byte[] v1;
    private final byte[] v2;

    public ErrorMap() {
        Map<Status, Entry> e = new EnumMap<>(Status.class);
        e.put(Status.SUCCESS, new Entry("SUCCESS", "Success", List.of("success")));
        e.put(Status.KEY_ENOENT, new Entry("KEY_ENOENT", "Not Found", List.of("item-only")));
        e.put(
                Status.KEY_EEXISTS,
                new Entry("KEY_EEXISTS", "key already exists, or CAS mismatch", List.of("item-only")));
        e.put(Status.E2BIG, new Entry("E2BIG", "Value is too big", List.of("item-only", "invalid-input")));
        e.put(Status.EINVAL, new Entry("EINVAL", "Invalid packet", List.of("internal", "invalid-input")));
        e.put(Status.NOT_STORED, new Entry("NOT_STORED", "Not Stored", List.of("item-only")));
        e.put(
                Status.DELTA_BADVAL,
                new Entry("DELTA_BADVAL", "Existing document not a number", List.of("item-only", "invalid-input")));
        e.put(
                Status.NOT_MY_VBUCKET,
                new Entry(
                        "NOT_MY_VBUCKET",
                        "Server does not know about this vBucket",
                        List.of("fetch-config", "invalid-input")));
        e.put(Status.NO_BUCKET, new Entry("NO_BUCKET", "Not connected to a bucket", List.of("special-handling")));
        e.put(
                Status.LOCKED,
                new Entry(
                        "LOCKED", "Requested resource is locked", List.of("item-locked", "item-only", "retry-later")));
        e.put(Status.NOT_LOCKED, new Entry("NOT_LOCKED", "Requested resource is not locked", List.of("item-only")));
        e.put(
                Status.AUTH_STALE,
                new Entry("AUTH_STALE", "Authentication context is stale", List.of("conn-state-invalidated", "auth")));
        e.put(Status.AUTH_ERROR, new Entry("AUTH_ERROR", "Authentication failed", List.of("auth")));
        e.put(
                Status.AUTH_CONTINUE,
                new Entry("AUTH_CONTINUE", "Continue authentication", List.of("auth", "special-handling")));
        e.put(Status.ERANGE, new Entry("ERANGE", "Outside range", List.of("invalid-input")));
        e.put(Status.EACCESS, new Entry("EACCESS", "No access", List.of("support", "auth")));
        e.put(Status.CANCELLED, new Entry("CANCELLED", "Request cancelled", List.of("special-handling")));
        e.put(
                Status.UNKNOWN_FRAME_INFO,
                new Entry("UNKNOWN_FRAME_INFO", "Unknown frame info identifier", List.of("support", "invalid-input")));
        e.put(Status.UNKNOWN_COMMAND, new Entry("UNKNOWN_COMMAND", "Unknown command", List.of("support")));
        e.put(Status.ENOMEM, new Entry("ENOMEM", "Out of memory", List.of("temp", "retry-later")));
        e.put(Status.NOT_SUPPORTED, new Entry("NOT_SUPPORTED", "Not supported", List.of("support")));
        e.put(Status.EINTERNAL, new Entry("EINTERNAL", "Internal error", List.of("internal")));
        e.put(Status.EBUSY, new Entry("EBUSY", "Server too busy", List.of("temp", "retry-later")));
        e.put(Status.ETMPFAIL, new Entry("ETMPFAIL", "Temporary failure", List.of("temp", "retry-later")));
        e.put(
                Status.UNKNOWN_COLLECTION,
                new Entry("UNKNOWN_COLLECTION", "Unknown Collection", List.of("fetch-config")));
        e.put(Status.UNKNOWN_SCOPE, new Entry("UNKNOWN_SCOPE", "Unknown Scope", List.of("fetch-config")));
        String[][] subdoc = {
            {"SUBDOC_PATH_ENOENT", "Subdoc: Path does not exist"},
            {"SUBDOC_PATH_MISMATCH", "Subdoc: Path mismatch"},
            {"SUBDOC_PATH_EINVAL", "Subdoc: Invalid path"},
            {"SUBDOC_PATH_E2BIG", "Subdoc: Path too large"},
            {"SUBDOC_DOC_E2DEEP", "Subdoc: Document too deep"},
            {"SUBDOC_VALUE_CANTINSERT", "Subdoc: Cannot insert specified value"},
            {"SUBDOC_DOC_NOT_JSON", "Subdoc: Existing document not JSON"},
            {"SUBDOC_NUM_ERANGE", "Subdoc: Existing number outside valid arithmetic range"},
            {"SUBDOC_DELTA_EINVAL", "Subdoc: Invalid delta"},
            {"SUBDOC_PATH_EEXISTS", "Subdoc: Document path already exists"},
            {"SUBDOC_VALUE_ETOODEEP", "Subdoc: Inserting value would make document too deep"},
            {"SUBDOC_INVALID_COMBO", "Subdoc: Invalid combination for multi-path command"},
            {"SUBDOC_XATTR_INVALID_FLAG_COMBO", "Subdoc: Invalid combination of xattr flags"},
            {"SUBDOC_XATTR_INVALID_KEY_COMBO", "Subdoc: Specified key combination is not valid"},
            {"SUBDOC_XATTR_UNKNOWN_MACRO", "Subdoc: Specified macro is not valid"},
            {"SUBDOC_XATTR_UNKNOWN_VATTR", "Subdoc: Specified virtual attribute is not known"},
            {"SUBDOC_XATTR_CANT_MODIFY_VATTR", "Subdoc: Virtual attributes cannot be modified"},
            {"SUBDOC_INVALID_XATTR_ORDER", "Subdoc: Xattr paths must come before body paths"},
            {"SUBDOC_XATTR_UNKNOWN_VATTR_MACRO", "Subdoc: Specified virtual attribute macro is not known"},
            {"SUBDOC_CAN_ONLY_REVIVE_DELETED_DOCUMENTS", "Subdoc: Only deleted documents can be revived"},
            {"SUBDOC_DELETED_DOCUMENT_CANT_HAVE_VALUE", "Subdoc: A deleted document cannot have a value"},
        };
        for (String[] d : subdoc) {
            e.put(Status.valueOf(d[0]), new Entry(d[0], d[1], List.of("item-only", "subdoc")));
        }
        e.put(
                Status.SUBDOC_MULTI_PATH_FAILURE,
                new Entry(
                        "SUBDOC_MULTI_PATH_FAILURE",
                        "Subdoc: One or more paths in a multi-path command failed",
                        List.of("success", "subdoc")));
        e.put(
                Status.SUBDOC_SUCCESS_DELETED,
                new Entry(
                        "SUBDOC_SUCCESS_DELETED",
                        "Subdoc: Success on a deleted document",
                        List.of("success", "subdoc")));
        e.put(
                Status.SUBDOC_MULTI_PATH_FAILURE_DELETED,
                new Entry(
                        "SUBDOC_MULTI_PATH_FAILURE_DELETED",
                        "Subdoc: One or more paths in a multi-path command failed on a deleted document",
                        List.of("success", "subdoc")));
        e.put(Status.XATTR_EINVAL, new Entry("XATTR_EINVAL", "Invalid XATTR section", List.of("invalid-input")));
        e.put(
                Status.DURABILITY_INVALID_LEVEL,
                new Entry(
                        "DURABILITY_INVALID_LEVEL",
                        "Invalid durability level specified",
                        List.of("item-only", "invalid-input")));
        e.put(
                Status.DURABILITY_IMPOSSIBLE,
                new Entry(
                        "DURABILITY_IMPOSSIBLE",
                        "The requested durability level cannot be satisfied",
                        List.of("item-only", "no-retry")));
        e.put(
                Status.RANGE_SCAN_CANCELLED,
                new Entry("RANGE_SCAN_CANCELLED", "The range scan was cancelled", List.of("item-only")));
        e.put(
                Status.RANGE_SCAN_MORE,
                new Entry("RANGE_SCAN_MORE", "The range scan has more items", List.of("success")));
        e.put(
                Status.RANGE_SCAN_COMPLETE,
                new Entry("RANGE_SCAN_COMPLETE", "The range scan is complete", List.of("success")));
        e.put(
                Status.VB_UUID_NOT_EQUAL,
                new Entry("VB_UUID_NOT_EQUAL", "vBucket UUID does not match", List.of("invalid-input")));
        this.v1 = render(e, 1, REVISION + 4);
        this.v2 = render(e, 2, REVISION);
    }

    private static byte[] render(Map<Status, Entry> entries, int version, int revision) {
        Map<String, Object> errors = new LinkedHashMap<>();
        for (Map.Entry<Status, Entry> me : entries.entrySet()) {
            Entry en = me.getValue();
            List<String> attrs = version >= 2
                    ? en.attrs()
                    : en.attrs().stream().filter(a -> !V2_ONLY.contains(a)).toList();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", en.name());
            m.put("desc", en.desc());
            m.put("attrs", attrs);
            errors.put(Integer.toHexString(me.getKey().code()), m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", version);
        root.put("revision", revision);
        root.put("errors", errors);
        return ClusterMap.render(root);
    }

    /**
     * The map for a client that understands up to {@code version}, or {@code null} for version 0
     * (which has no map).
     */
    public byte[] forVersion(int version) {
        return version <= 0 ? null : version == 1 ? v1 : v2;
    }
}
