package io.kvfrontend.http;

import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.CompressionMode;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.Status;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bucket manager's REST calls, as Couchbase Server answers them (the SDKs' bucket managers and
 * test set-ups use these; reading buckets is {@link PoolsApi}):
 *
 * <ul>
 *   <li>{@code POST /pools/default/buckets} (form: {@code name}, {@code ramQuotaMB} or {@code
 *       ramQuota}, {@code bucketType}, {@code flushEnabled}, {@code compressionMode}, and the
 *       settings a single in-memory node accepts and ignores): 202 and an empty body.
 *   <li>{@code POST /pools/default/buckets/{bucket}} (the same form): changes quota, flush and
 *       compression mode at run time; what the form leaves out stays. 200.
 *   <li>{@code DELETE /pools/default/buckets/{bucket}}: 200; 404 if there is none.
 *   <li>{@code POST /pools/default/buckets/{bucket}/controller/doFlush}: 200; 400 "Flush is
 *       disabled for the bucket" where it is.
 * </ul>
 *
 * Administrators only (403 otherwise). A setting that is invalid, or one this server cannot honour
 * (an ephemeral or memcached bucket, disk storage options), is 400 with Couchbase Server's
 * {@code {"errors": {field: message}}} body, and changes nothing.
 *
 * <p><b>Thread-safe</b> (runs on the management event loop; the engine is thread-safe).
 */
public final class BucketsApi {
    private static final Logger LOG = LoggerFactory.getLogger(BucketsApi.class);

    /** What the server does when a bucket comes or goes (cluster-map revision, push, metrics, users). */
    public interface BucketAdmin {
        /** {@link Status#KEY_EEXISTS} if it exists. */
        Status create(BucketConfig config, String who);

        /** {@link Status#KEY_ENOENT} if there is none. */
        Status delete(String name, String who);
    }

    /** Form fields SDKs send that a single in-memory node accepts and has no use for. */
    private static final Set<String> ACCEPTED_AND_IGNORED = Set.of(
            "replicaNumber",
            "replicaIndex",
            "maxTTL",
            "evictionPolicy",
            "conflictResolutionType",
            "durabilityMinLevel",
            "threadsNumber",
            "authType",
            "historyRetentionCollectionDefault",
            "historyRetentionBytes",
            "historyRetentionSeconds",
            "purgeInterval",
            "autoCompactionDefined");

    private final Engine engine;
    private final BucketAdmin admin;

    public BucketsApi(Engine engine, BucketAdmin admin) {
        this.engine = engine;
        this.admin = admin;
    }

    /** Adds the bucket manager's routes. */
    public MgmtRouter.Builder addTo(MgmtRouter.Builder router) {
        return router.post("/pools/default/buckets", MgmtRouter.Access.AUTHENTICATED, this::create)
                .post("/pools/default/buckets/{bucket}", MgmtRouter.Access.AUTHENTICATED, this::update)
                .route("DELETE", "/pools/default/buckets/{bucket}", MgmtRouter.Access.AUTHENTICATED, this::drop)
                .post(
                        "/pools/default/buckets/{bucket}/controller/doFlush",
                        MgmtRouter.Access.AUTHENTICATED,
                        this::flush);
    }

    HttpAnswer create(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        Map<String, String> form = request.form();
        BucketConfig config;
        try {
            config = parse(form);
        } catch (FieldError e) {
            return HttpAnswer.fieldError(e.field, e.getMessage());
        }
        Status st = admin.create(config, "HTTP, user " + request.who());
        if (st == Status.KEY_EEXISTS) {
            return HttpAnswer.fieldError("name", "Bucket with given name already exists");
        }
        if (st != Status.SUCCESS) {
            return HttpAnswer.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Could not create the bucket: " + st);
        }
        return HttpAnswer.empty(HttpResponseStatus.ACCEPTED);
    }

    /** Changes a bucket's settings: what the form leaves out stays as it is. */
    HttpAnswer update(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        String name = request.param("bucket");
        Bucket b = engine.bucket(name);
        if (b == null) {
            return HttpAnswer.error(HttpResponseStatus.NOT_FOUND, "Requested resource not found.");
        }
        BucketConfig next;
        try {
            String given = request.form().get("name");
            if (given != null && !given.equals(name)) {
                throw new FieldError("name", "A bucket cannot be renamed");
            }
            next = parse(request.form(), b.config());
            if (next.numVBuckets() != b.config().numVBuckets()) {
                throw new FieldError("numVBuckets", "The vBucket count of a bucket cannot change");
            }
        } catch (FieldError e) {
            return HttpAnswer.fieldError(e.field, e.getMessage());
        }
        Status st = b.update(next);
        if (st != Status.SUCCESS) {
            return HttpAnswer.error(HttpResponseStatus.BAD_REQUEST, "Could not change the bucket: " + st);
        }
        LOG.info("bucket {} settings changed by HTTP, user {}", name, request.who());
        return HttpAnswer.empty(HttpResponseStatus.OK);
    }

    HttpAnswer drop(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        String name = request.param("bucket");
        Status st = admin.delete(name, "HTTP, user " + request.who());
        if (st == Status.KEY_ENOENT) {
            return HttpAnswer.error(HttpResponseStatus.NOT_FOUND, "Requested resource not found.");
        }
        if (st != Status.SUCCESS) {
            return HttpAnswer.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Could not delete the bucket: " + st);
        }
        return HttpAnswer.empty(HttpResponseStatus.OK);
    }

    HttpAnswer flush(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        String name = request.param("bucket");
        Bucket b = engine.bucket(name);
        if (b == null) {
            return HttpAnswer.error(HttpResponseStatus.NOT_FOUND, "Requested resource not found.");
        }
        Status st = b.flush();
        if (st == Status.NOT_SUPPORTED) {
            return HttpAnswer.error(HttpResponseStatus.BAD_REQUEST, "Flush is disabled for the bucket");
        }
        if (st != Status.SUCCESS) {
            return HttpAnswer.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Flush failed: " + st);
        }
        LOG.info("bucket {} flushed by HTTP, user {}", name, request.who());
        return HttpAnswer.empty(HttpResponseStatus.OK);
    }

    /** A bucket from the create form; throws {@link FieldError} naming the first bad field. */
    static BucketConfig parse(Map<String, String> form) {
        String name = form.get("name");
        if (name == null || name.isEmpty()) {
            throw new FieldError("name", "Bucket name needs to be specified");
        }
        BucketConfig d;
        try {
            // Couchbase Server creates buckets with flush off unless asked.
            BucketConfig defaults = BucketConfig.defaults(name);
            d = new BucketConfig(
                    name,
                    defaults.quotaBytes(),
                    defaults.numVBuckets(),
                    defaults.maxValueBytes(),
                    false,
                    List.of(),
                    defaults.compression());
        } catch (IllegalArgumentException e) {
            throw new FieldError("name", e.getMessage());
        }
        return parse(form, d);
    }

    /** {@code d} with the settings the form names; throws {@link FieldError} naming a bad field. */
    static BucketConfig parse(Map<String, String> form, BucketConfig d) {
        String name = d.name();
        for (String field : form.keySet()) {
            if (!ACCEPTED_AND_IGNORED.contains(field)
                    && !List.of(
                                    "name",
                                    "ramQuotaMB",
                                    "numVBuckets",
                                    "ramQuota",
                                    "bucketType",
                                    "flushEnabled",
                                    "compressionMode",
                                    "storageBackend")
                            .contains(field)) {
                throw new FieldError(field, "Unsupported bucket setting " + field);
            }
        }
        String type = form.getOrDefault("bucketType", "couchbase").toLowerCase(Locale.ROOT);
        if (!type.equals("couchbase") && !type.equals("membase")) {
            throw new FieldError("bucketType", "This server has couchbase buckets only (in memory), not " + type);
        }
        String storage = form.get("storageBackend");
        if (storage != null && !storage.equals("couchstore") && !storage.equals("magma")) {
            throw new FieldError("storageBackend", "storageBackend must be couchstore or magma");
        }
        long quota = d.quotaBytes();
        String mb = form.containsKey("ramQuotaMB") ? form.get("ramQuotaMB") : form.get("ramQuota");
        if (mb != null) {
            try {
                long v = Long.parseLong(mb.trim());
                if (v < 1 || v > (Long.MAX_VALUE >> 20)) {
                    throw new NumberFormatException();
                }
                quota = v << 20;
            } catch (NumberFormatException e) {
                throw new FieldError("ramQuota", "RAM quota must be a positive number of MiB, got '" + mb + "'");
            }
        }
        int vbuckets = d.numVBuckets();
        String vb = form.get("numVBuckets");
        if (vb != null) {
            try {
                vbuckets = Integer.parseInt(vb.trim());
            } catch (NumberFormatException e) {
                throw new FieldError("numVBuckets", "numVBuckets must be a number, got '" + vb + "'");
            }
        }
        boolean flush = d.flushEnabled();
        String f = form.get("flushEnabled");
        if (f != null) {
            switch (f.trim()) {
                case "1", "true" -> flush = true;
                case "0", "false" -> flush = false;
                default -> throw new FieldError("flushEnabled", "flushEnabled can only be 1 or 0");
            }
        }
        CompressionMode compression = d.compression();
        if (form.containsKey("compressionMode")) {
            try {
                compression = CompressionMode.parse(form.get("compressionMode"));
            } catch (IllegalArgumentException e) {
                throw new FieldError("compressionMode", "compressionMode can be set to 'off', 'passive' or 'active'");
            }
        }
        try {
            return new BucketConfig(name, quota, vbuckets, d.maxValueBytes(), flush, d.scopes(), compression);
        } catch (IllegalArgumentException e) {
            throw new FieldError(vbuckets != d.numVBuckets() ? "numVBuckets" : "name", e.getMessage());
        }
    }

    /** A bad form field. */
    static final class FieldError extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        final String field;

        FieldError(String field, String message) {
            super(message);
            this.field = field;
        }
    }

    private static HttpAnswer forbidden() {
        return HttpAnswer.error(HttpResponseStatus.FORBIDDEN, "Bucket management needs an administrator");
    }
}
