package io.kvfrontend.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvfrontend.engine.spi.Bucket;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cluster map this single node serves (mcbp-protocol.md 9, sdk-compat.md 3): the bucket config
 * answered to GetClusterConfig after SelectBucket, and the global config answered without a bucket.
 *
 * <p>One revision counter serves both; it moves when the set of buckets changes. The epoch is the
 * process start time, so a restarted server's configs are newer than any a client kept. Host names
 * are the literal {@code $HOST}, which SDKs replace with the address they dialled, and the node
 * entry is marked {@code thisNode}; only the services that exist (kv, mgmt, and with TLS kvSSL and
 * mgmtSSL) are advertised.
 *
 * <p><b>Thread-safe.</b> Configs are cached per bucket and revision.
 */
public final class ClusterMap {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long epoch = System.currentTimeMillis() / 1000;
    private final AtomicLong revision = new AtomicLong(1);
    private final Map<Bucket, String> uuids = new ConcurrentHashMap<>();
    private final Map<Bucket, Cached> cache = new ConcurrentHashMap<>();
    private volatile int kvPort;
    private volatile int mgmtPort;
    private volatile int kvTlsPort = -1;
    private volatile int mgmtTlsPort = -1;
    private volatile Cached global;

    private record Cached(long revision, byte[] json) {}

    /** The ports to advertise, known once the listeners are bound. */
    public void ports(int kvPort, int mgmtPort) {
        this.kvPort = kvPort;
        this.mgmtPort = mgmtPort;
        revision.incrementAndGet();
    }

    /**
     * The TLS ports to advertise as {@code kvSSL} and {@code mgmtSSL} (sdk-compat.md 3), each -1 when
     * not bound. An SDK on {@code couchbases://} dials only these; it still names the node by the
     * plain {@code mgmt} port (sdk-compat.md 2.4), which is therefore advertised either way.
     */
    public void tlsPorts(int kvTlsPort, int mgmtTlsPort) {
        this.kvTlsPort = kvTlsPort;
        this.mgmtTlsPort = mgmtTlsPort;
        revision.incrementAndGet();
    }

    public long epoch() {
        return epoch;
    }

    public long revision() {
        return revision.get();
    }

    /** Something in the topology changed (a bucket was created or deleted). */
    public void changed() {
        revision.incrementAndGet();
    }

    /** Forgets a deleted bucket. */
    public void removed(Bucket bucket) {
        uuids.remove(bucket);
        cache.remove(bucket);
        changed();
    }

    /** Whether the client's known version (epoch, revision) is at least the current one. */
    public boolean isKnown(long clientEpoch, long clientRevision) {
        return clientEpoch > epoch || (clientEpoch == epoch && clientRevision >= revision.get());
    }

    /** The bucket config JSON. */
    public byte[] bucketConfig(Bucket bucket) {
        long rev = revision.get();
        Cached c = cache.get(bucket);
        if (c == null || c.revision != rev) {
            c = new Cached(rev, render(bucketConfigTree(bucket, rev, "$HOST")));
            cache.put(bucket, c);
        }
        return c.json;
    }

    /** The global (bucket-less) config JSON. */
    public byte[] globalConfig() {
        long rev = revision.get();
        Cached c = global;
        if (c == null || c.revision != rev) {
            ObjectNode root = JSON.createObjectNode();
            root.put("rev", rev);
            root.put("revEpoch", epoch);
            root.set("nodesExt", nodesExt());
            root.set("clusterCapabilitiesVer", JSON.createArrayNode().add(1).add(0));
            root.set("clusterCapabilities", JSON.createObjectNode());
            c = new Cached(rev, render(root));
            global = c;
        }
        return c.json;
    }

    /**
     * The bucket config as a tree, with {@code host} in the host fields (the management REST API
     * gives the real host name where the binary protocol gives {@code $HOST}).
     */
    public ObjectNode bucketConfigTree(Bucket bucket, long rev, String host) {
        ObjectNode root = JSON.createObjectNode();
        root.put("rev", rev);
        root.put("revEpoch", epoch);
        root.put("name", bucket.name());
        root.put(
                "uuid",
                uuids.computeIfAbsent(bucket, b -> UUID.randomUUID().toString().replace("-", "")));
        root.put("bucketType", "membase");
        root.put("nodeLocator", "vbucket");
        root.put("bucketCapabilitiesVer", "");
        ArrayNode caps = root.putArray("bucketCapabilities");
        for (String cap : new String[] {
            "cbhello",
            "touch",
            "cccp",
            "nodesExt",
            "collections",
            "durableWrite",
            "rangeScan",
            "xattr",
            "tombstonedUserXAttrs",
            "subdoc.ReplaceBodyWithXattr",
            "subdoc.ReviveDocument",
            "subdoc.ReplicaRead"
        }) {
            caps.add(cap);
        }
        root.put("collectionsManifestUid", Long.toHexString(bucket.collections().uid()));
        root.set("clusterCapabilitiesVer", JSON.createArrayNode().add(1).add(0));
        root.set("clusterCapabilities", JSON.createObjectNode());
        ObjectNode node = root.putArray("nodes").addObject();
        node.put("hostname", host + ":" + advertisedMgmtPort());
        node.putObject("ports").put("direct", kvPort);
        root.set("nodesExt", nodesExt());
        ObjectNode map = root.putObject("vBucketServerMap");
        map.put("hashAlgorithm", "CRC");
        map.put("numReplicas", 0);
        map.putArray("serverList").add(host + ":" + kvPort);
        ArrayNode vbs = map.putArray("vBucketMap");
        for (int i = 0; i < bucket.config().numVBuckets(); i++) {
            vbs.addArray().add(0);
        }
        return root;
    }

    private ArrayNode nodesExt() {
        ArrayNode nodes = JSON.createArrayNode();
        ObjectNode n = nodes.addObject();
        ObjectNode services = n.putObject("services");
        services.put("kv", kvPort);
        services.put("mgmt", advertisedMgmtPort());
        if (kvTlsPort > 0) {
            services.put("kvSSL", kvTlsPort);
        }
        if (mgmtTlsPort > 0) {
            services.put("mgmtSSL", mgmtTlsPort);
        }
        n.put("thisNode", true);
        return nodes;
    }

    /** The KV port advertised (the bound MCBP port). */
    public int kvPort() {
        return kvPort;
    }

    /**
     * The management port advertised: the bound HTTP port, or 8091 when the listener is off, because
     * the SDK requires a management port in the map (sdk-compat.md 3, {@code nodesExt}).
     */
    public int advertisedMgmtPort() {
        return mgmtPort > 0 ? mgmtPort : 8091;
    }

    static byte[] render(Object tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
