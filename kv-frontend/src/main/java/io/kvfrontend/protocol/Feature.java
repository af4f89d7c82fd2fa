package io.kvfrontend.protocol;

/**
 * HELLO feature codes (mcbp-protocol.md 6.2).
 *
 * <p><b>Immutable</b> (constants only).
 */
public final class Feature {
    public static final int TCP_NODELAY = 0x03;
    public static final int MUTATION_SEQNO = 0x04;
    public static final int XATTR = 0x06;
    public static final int XERROR = 0x07;
    public static final int SELECT_BUCKET = 0x08;
    public static final int SNAPPY = 0x0a;
    public static final int JSON = 0x0b;
    public static final int DUPLEX = 0x0c;
    public static final int CLUSTERMAP_CHANGE_NOTIFICATION = 0x0d;
    public static final int UNORDERED_EXECUTION = 0x0e;
    public static final int TRACING = 0x0f;
    public static final int ALT_REQUEST_SUPPORT = 0x10;
    public static final int SYNC_REPLICATION = 0x11;
    public static final int COLLECTIONS = 0x12;
    public static final int SNAPPY_EVERYWHERE = 0x13;
    public static final int PRESERVE_TTL = 0x14;
    public static final int VATTR = 0x15;
    public static final int SUBDOC_CREATE_AS_DELETED = 0x17;
    public static final int SUBDOC_DOCUMENT_MACRO_SUPPORT = 0x18;
    public static final int SUBDOC_REPLACE_BODY_WITH_XATTR = 0x19;
    public static final int SUBDOC_REPLICA_READ = 0x1c;
    public static final int GET_CLUSTER_CONFIG_WITH_KNOWN_VERSION = 0x1d;
    public static final int DEDUPE_NOT_MY_VBUCKET_CLUSTERMAP = 0x1e;
    public static final int CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF = 0x1f;
    public static final int SUBDOC_ALLOWS_ACCESS_ON_MULTIPLE_XATTR_KEYS = 0x20;

    private Feature() {}
}
