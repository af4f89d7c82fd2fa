package io.kvfrontend.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.cluster.ClusterMap;
import io.kvfrontend.cluster.ManifestJson;
import io.kvfrontend.connection.Session;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.CollectionsManifest;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.SnappyCodec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;

/**
 * HELLO, GetErrorMap, GetClusterConfig and the collections commands: what SDKs use to learn what
 * this server is (mcbp-protocol.md 6, 8, 9, 10; sdk-compat.md 1-4).
 *
 * <p><b>Immutable</b> (static methods, run on the event loop).
 */
final class ClusterExecutors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Features this server implements and therefore acknowledges; anything else a client asks for
     * is silently not enabled (mcbp-protocol.md 6.1).
     */
    static final int[] SUPPORTED = {
        Feature.TCP_NODELAY,
        Feature.MUTATION_SEQNO,
        Feature.XERROR,
        Feature.SELECT_BUCKET,
        Feature.JSON,
        Feature.ALT_REQUEST_SUPPORT,
        Feature.SYNC_REPLICATION,
        Feature.COLLECTIONS,
        Feature.PRESERVE_TTL,
        Feature.GET_CLUSTER_CONFIG_WITH_KNOWN_VERSION,
        Feature.DEDUPE_NOT_MY_VBUCKET_CLUSTERMAP,
        Feature.DUPLEX,
        Feature.CLUSTERMAP_CHANGE_NOTIFICATION,
        Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF,
        Feature.SNAPPY,
        Feature.SNAPPY_EVERYWHERE,
        Feature.XATTR,
        Feature.VATTR,
        Feature.SUBDOC_CREATE_AS_DELETED,
        Feature.SUBDOC_DOCUMENT_MACRO_SUPPORT,
        Feature.SUBDOC_REPLACE_BODY_WITH_XATTR,
        Feature.SUBDOC_REPLICA_READ,
        Feature.SUBDOC_ALLOWS_ACCESS_ON_MULTIPLE_XATTR_KEYS,
    };

    private ClusterExecutors() {}

    /**
     * HELLO: key = agent (raw, or JSON {@code {"a":agent,"i":id}}), value = requested uint16
     * features. Resets every negotiated feature, then enables the requested ones this server
     * implements; answers them in ascending order.
     */
    static void hello(Command c) {
        ByteBuf value = c.request().value();
        if (value.readableBytes() % 2 != 0) {
            c.respondError(Status.EINVAL, "HELLO value must be a list of 16-bit features");
            return;
        }
        TreeSet<Integer> requested = new TreeSet<>();
        for (int i = value.readerIndex(); i < value.writerIndex(); i += 2) {
            requested.add(value.getUnsignedShort(i));
        }
        boolean duplex = requested.contains(Feature.DUPLEX);
        if (!duplex
                && (requested.contains(Feature.CLUSTERMAP_CHANGE_NOTIFICATION)
                        || requested.contains(Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF))) {
            c.respondError(Status.EINVAL, "Clustermap change notifications need Duplex");
            return;
        }
        if (!requested.contains(Feature.XATTR)
                && (requested.contains(Feature.VATTR)
                        || requested.contains(Feature.SUBDOC_DOCUMENT_MACRO_SUPPORT)
                        || requested.contains(0x22))) {
            c.respondError(Status.EINVAL, "The requested feature needs XATTR");
            return;
        }
        if (requested.contains(Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF)) {
            // Both asked for: only the brief variant is enabled, as kv_engine does.
            requested.remove(Feature.CLUSTERMAP_CHANGE_NOTIFICATION);
        }
        long mask = 0;
        TreeSet<Integer> enabled = new TreeSet<>();
        for (int f : SUPPORTED) {
            if ((f == Feature.SNAPPY || f == Feature.SNAPPY_EVERYWHERE) && !SnappyCodec.available()) {
                continue; // the native codec did not load (logged once at start-up)
            }
            if (requested.contains(f)) {
                mask |= 1L << f;
                enabled.add(f);
            }
        }
        if ((mask & (1L << Feature.SNAPPY_EVERYWHERE)) != 0) {
            mask |= 1L << Feature.SNAPPY; // SnappyEverywhere also enables Snappy (kv_engine)
        }
        c.connection().agent(agent(c.request().key().toString(StandardCharsets.UTF_8)));
        c.connection().features(mask);
        byte[] out = new byte[enabled.size() * 2];
        int i = 0;
        for (int f : enabled) {
            out[i++] = (byte) (f >>> 8);
            out[i++] = (byte) f;
        }
        c.respondValue(out, Datatype.RAW);
    }

    /** The agent name from a HELLO key: JSON {@code {"a":..}} or the raw text, kept short. */
    static String agent(String key) {
        String agent = key;
        if (key.startsWith("{")) {
            try {
                JsonNode n = JSON.readTree(key);
                agent = n.path("a").asText(key)
                        + (n.has("i") ? " [" + n.get("i").asText() + "]" : "");
            } catch (java.io.IOException e) {
                agent = key;
            }
        }
        agent = agent.replaceAll("[^\\x20-\\x7e]", "?");
        return agent.length() > 200 ? agent.substring(0, 200) : agent;
    }

    /** GetErrorMap: value = uint16 highest version the client understands. */
    static void errorMap(Command c) {
        if (c.request().valueLength() != 2) {
            c.respondError(Status.EINVAL, "GetErrorMap value must be a 16-bit version");
            return;
        }
        if (c.request().vbucket() != 0) {
            c.respondError(Status.EINVAL, "GetErrorMap must use vBucket 0");
            return;
        }
        byte[] map = c.server().errorMap().forVersion(c.request().value().getUnsignedShort(0));
        if (map == null) {
            c.respondError(Status.KEY_ENOENT, "No error map for version 0");
            return;
        }
        c.respondValue(map, Datatype.JSON);
    }

    /**
     * GetClusterConfig: the selected bucket's config, or the global config without a bucket. With
     * 16 bytes of extras (epoch, revision the client has), an empty success when that is current.
     *
     * <p>Either way the client has the bucket's current map afterwards, so the connection records
     * the server's version (not the one the client claimed), as kv_engine does: a NotMyVbucket for a
     * client that negotiated deduplication then carries no map.
     */
    static void clusterConfig(Command c) {
        Session conn = c.connection();
        ClusterMap map = c.server().clusterMap();
        ByteBuf ex = c.request().extras();
        // Read before rendering: if the map moves meanwhile, the recorded version is the older one.
        long current = map.revision();
        if (ex.readableBytes() == 16) {
            long epoch = ex.getLong(0);
            long revision = ex.getLong(8);
            if ((epoch < 1 && epoch != -1) || revision < 1) {
                c.respondError(Status.EINVAL, "Known config version needs epoch >= 1 (or -1) and revision >= 1");
                return;
            }
            if (map.isKnown(epoch, revision)) {
                clientHasBucketMap(conn, map, current);
                c.respondSuccess();
                return;
            }
        }
        Bucket b = conn.bucket();
        byte[] config = b == null ? map.globalConfig() : map.bucketConfig(b);
        clientHasBucketMap(conn, map, current);
        c.respondValue(config, Datatype.JSON);
    }

    /** Records that the client has the selected bucket's map at {@code revision} (none: nothing to record). */
    private static void clientHasBucketMap(Session conn, ClusterMap map, long revision) {
        if (conn.bucket() != null) {
            conn.knownConfig(map.epoch(), revision);
        }
    }

    /** GetCollectionsManifest. */
    static void manifest(Command c) {
        if (c.request().vbucket() != 0) {
            c.respondError(Status.EINVAL, "GetCollectionsManifest must use vBucket 0");
            return;
        }
        c.respondValue(ManifestJson.render(c.bucket().collections()), Datatype.JSON);
    }

    /**
     * GetCollectionId ({@code scope.collection}) and GetScopeId ({@code scope}): the path in the key
     * or in the value (the Java SDK uses the key), not both. An empty scope means {@code _default}.
     * Answers extras {@code manifest uid u64 | id u32}.
     */
    static void collectionId(Command c) {
        boolean scopeOnly = c.opcode() == io.kvfrontend.protocol.Opcode.GET_SCOPE_ID;
        if (c.request().vbucket() != 0) {
            c.respondError(Status.EINVAL, "Collections commands must use vBucket 0");
            return;
        }
        int keyLength = c.request().keyLength();
        int valueLength = c.request().valueLength();
        if ((keyLength == 0) == (valueLength == 0)) {
            c.respondError(Status.EINVAL, "The path goes in the key or in the value, not both or neither");
            return;
        }
        String path = (keyLength > 0 ? c.request().key() : c.request().value()).toString(StandardCharsets.UTF_8);
        CollectionsManifest m = c.bucket().collections();
        String scopeName;
        String collectionName = null;
        int dot = path.indexOf('.');
        if (scopeOnly) {
            scopeName = dot < 0 ? path : path.substring(0, dot);
            if (dot >= 0 && dot != path.length() - 1) {
                c.respondError(Status.EINVAL, "A scope path has no collection part: " + path);
                return;
            }
        } else {
            if (dot < 0 || path.indexOf('.', dot + 1) >= 0) {
                c.respondError(Status.EINVAL, "A collection path is scope.collection: " + path);
                return;
            }
            scopeName = path.substring(0, dot);
            collectionName = path.substring(dot + 1);
            if (collectionName.isEmpty()) {
                collectionName = CollectionsManifest.DEFAULT;
            }
        }
        if (scopeName.isEmpty()) {
            scopeName = CollectionsManifest.DEFAULT;
        }
        CollectionsManifest.Scope scope = m.scope(scopeName);
        if (scope == null) {
            c.respondError(Status.UNKNOWN_SCOPE, "Unknown scope " + scopeName);
            return;
        }
        int id = scope.id();
        if (!scopeOnly) {
            CollectionsManifest.Collection col = m.collection(scopeName, collectionName);
            if (col == null) {
                c.respondError(Status.UNKNOWN_COLLECTION, "Unknown collection " + scopeName + "." + collectionName);
                return;
            }
            id = col.id();
        }
        byte[] extras = new byte[12];
        Command.putLong(extras, 0, m.uid());
        Command.putInt(extras, 8, id);
        c.respond(Status.SUCCESS, Datatype.RAW, 0, extras, null, null);
    }
}
