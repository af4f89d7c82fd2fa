package io.kvfrontend.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvfrontend.cluster.ClusterMap;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.BucketStats;
import io.kvfrontend.engine.spi.Engine;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The {@code /pools} family of a Couchbase node's REST API, as far as SDKs use it (sdk-compat.md
 * 2.3): {@code bucket.waitUntilReady()} reads {@code /pools/default/buckets/<bucket>} and waits for
 * every {@code nodes[]} entry to be {@code "healthy"}; the SDK's HTTP bucket loader reads
 * {@code /pools/default/b/<bucket>}. Bucket configs are the cluster map's, with the host the client
 * addressed in place of {@code $HOST}.
 *
 * <p><b>Thread-safe</b> (reads the cluster map and engine, both thread-safe; builds fresh trees per request).
 */
public final class PoolsApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String version;
    private final ClusterMap clusterMap;
    private final Engine engine;

    public PoolsApi(String version, ClusterMap clusterMap, Engine engine) {
        this.version = version;
        this.clusterMap = clusterMap;
        this.engine = engine;
    }

    /** Adds this API's routes to a router. */
    public MgmtRouter.Builder addTo(MgmtRouter.Builder router) {
        return router.get("/pools", this::pools)
                .get("/pools/default", this::poolsDefault)
                .get("/pools/default/buckets", this::buckets)
                .get("/pools/default/buckets/{bucket}", this::bucket)
                .get("/pools/default/b/{bucket}", this::bucket);
    }

    HttpAnswer pools(HttpRequestInfo request) {
        ObjectNode root = JSON.createObjectNode();
        root.put("isAdminCreds", request.isAdmin());
        root.put("isROAdminCreds", false);
        root.put("isEnterprise", false);
        root.put("implementationVersion", version);
        root.putObject("componentsVersion").put("kv-frontend", version);
        ObjectNode pool = root.putArray("pools").addObject();
        pool.put("name", "default");
        pool.put("uri", "/pools/default");
        return HttpAnswer.json(render(root));
    }

    HttpAnswer poolsDefault(HttpRequestInfo request) {
        ClusterMap map = clusterMap;
        ObjectNode root = JSON.createObjectNode();
        root.put("name", "default");
        root.put("clusterName", "kv-frontend");
        root.put("balanced", true);
        root.put("rebalanceStatus", "none");
        ObjectNode node = root.putArray("nodes").addObject();
        node.put("hostname", hostAndPort(request.host(), map.advertisedMgmtPort()));
        node.put("thisNode", true);
        node.put("status", "healthy");
        node.put("clusterMembership", "active");
        node.put("version", version);
        node.putObject("ports").put("direct", map.kvPort());
        node.putArray("services").add("kv");
        root.putObject("buckets").put("uri", "/pools/default/buckets");
        return HttpAnswer.json(render(root));
    }

    /** The configs of the buckets this user may use. */
    HttpAnswer buckets(HttpRequestInfo request) {
        ArrayNode list = JSON.createArrayNode();
        long rev = clusterMap.revision();
        for (String name : engine.bucketNames()) {
            Bucket b = engine.bucket(name);
            if (b != null && request.mayUseBucket(name)) {
                list.add(bucketTree(b, rev, request.host()));
            }
        }
        return HttpAnswer.json(render(list));
    }

    /**
     * One bucket's config. A user without access gets 403 whether or not the bucket exists, so
     * bucket names do not leak (as SelectBucket answers Eaccess).
     */
    HttpAnswer bucket(HttpRequestInfo request) {
        String name = request.param("bucket");
        if (!request.mayUseBucket(name)) {
            return HttpAnswer.error(HttpResponseStatus.FORBIDDEN, "No access to bucket " + name);
        }
        Bucket b = engine.bucket(name);
        if (b == null) {
            return HttpAnswer.error(HttpResponseStatus.NOT_FOUND, "Requested resource not found.");
        }
        return HttpAnswer.json(render(bucketTree(b, clusterMap.revision(), request.host())));
    }

    private ObjectNode bucketTree(Bucket b, long rev, String host) {
        ObjectNode tree = clusterMap.bucketConfigTree(b, rev, host);
        for (JsonNode n : tree.withArray("nodes")) {
            if (n instanceof ObjectNode o) {
                // WaitUntilReadyHelper waits until every node of the bucket reports "healthy"; the
                // C++ core's bucket manager requires version and services on each node.
                o.put("status", "healthy");
                o.put("version", version);
                o.put("clusterMembership", "active");
                o.putArray("services").add("kv");
            }
        }
        addSettings(tree, b);
        return tree;
    }

    /**
     * The settings Couchbase Server's verbose bucket JSON has beside the map: the SDKs' bucket
     * managers read every one of them (the Node.js SDK's C++ core aborts the process on a missing
     * {@code quota}), so each is present, with what a single in-memory node has.
     */
    private static void addSettings(ObjectNode tree, Bucket b) {
        BucketConfig c = b.config();
        BucketStats stats = b.stats();
        String uri = "/pools/default/buckets/" + b.name();
        tree.put("uri", uri + "?bucket_uuid=" + tree.path("uuid").asText());
        tree.put("streamingUri", "/pools/default/bucketsStreaming/" + b.name());
        tree.put("bucketType", "membase");
        tree.put("storageBackend", "couchstore");
        tree.put("replicaNumber", 0);
        tree.put("replicaIndex", false);
        tree.put("threadsNumber", 3);
        tree.put("evictionPolicy", "valueOnly");
        tree.put("conflictResolutionType", "seqno");
        tree.put("durabilityMinLevel", "none");
        tree.put("maxTTL", 0);
        tree.put("compressionMode", c.compression().wireName());
        tree.put("numVBuckets", c.numVBuckets());
        tree.put("authType", "sasl");
        tree.put("autoCompactionSettings", false);
        ObjectNode quota = tree.putObject("quota");
        quota.put("ram", c.quotaBytes());
        quota.put("rawRAM", c.quotaBytes());
        ObjectNode controllers = tree.putObject("controllers");
        if (c.flushEnabled()) {
            // Couchbase Server lists the flush controller only when flush is enabled; SDKs read
            // flushEnabled from its presence.
            controllers.put("flush", uri + "/controller/doFlush");
        }
        ObjectNode basic = tree.putObject("basicStats");
        basic.put("quotaPercentUsed", c.quotaBytes() == 0 ? 0.0 : 100.0 * stats.memUsedBytes() / c.quotaBytes());
        basic.put("opsPerSec", 0);
        basic.put("diskFetches", 0);
        basic.put("itemCount", stats.items());
        basic.put("diskUsed", 0);
        basic.put("dataUsed", stats.memUsedBytes());
        basic.put("memUsed", stats.memUsedBytes());
    }

    static String hostAndPort(String host, int port) {
        return host + ":" + port;
    }

    private static byte[] render(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
