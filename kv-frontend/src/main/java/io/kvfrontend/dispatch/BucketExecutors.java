package io.kvfrontend.dispatch;

import io.kvfrontend.auth.User;
import io.kvfrontend.connection.Session;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.CompressionMode;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SelectBucket, ListBuckets, CreateBucket and DeleteBucket (mcbp-protocol.md 4.2).
 *
 * <p><b>Immutable</b> (static methods, run on the event loop).
 */
final class BucketExecutors {
    private static final Logger LOG = LoggerFactory.getLogger(BucketExecutors.class);
    /** SelectBucket with this name leaves the current bucket. */
    static final String NO_BUCKET = "@no bucket@";

    private BucketExecutors() {}

    /**
     * SelectBucket: a user without access gets Eaccess whether or not the bucket exists (so names
     * do not leak); a user with access to a bucket that does not exist gets KeyEnoent.
     */
    static void select(Command c) {
        Session conn = c.connection();
        String name = c.request().key().toString(StandardCharsets.UTF_8);
        if (name.equals(NO_BUCKET)) {
            conn.bucket(null);
            c.respondSuccess();
            return;
        }
        if (!conn.user().canAccessBucket(name)) {
            c.respondError(Status.EACCESS, "No access to bucket " + name);
            return;
        }
        Bucket b = c.server().engine().bucket(name);
        if (b == null) {
            c.respondError(Status.KEY_ENOENT, "No bucket named " + name);
            return;
        }
        conn.bucket(b);
        c.respondSuccess();
    }

    /** ListBuckets: the names this user may use, separated by spaces. */
    static void list(Command c) {
        User user = c.connection().user();
        List<String> visible = new ArrayList<>();
        for (String name : c.server().engine().bucketNames()) {
            if (user.canAccessBucket(name)) {
                visible.add(name);
            }
        }
        c.respondValue(String.join(" ", visible).getBytes(StandardCharsets.UTF_8), Datatype.RAW);
    }

    /**
     * CreateBucket: key = name, value = {@code module NUL config}, the config being
     * {@code key=value} pairs separated by {@code ;}: {@code max_size} (quota bytes),
     * {@code num_vbuckets}, {@code max_item_size}, {@code flush_enabled} (true/false). The module
     * name is ignored (there is one engine). Administrators only.
     */
    static void create(Command c) {
        if (!c.connection().user().admin()) {
            c.respondError(Status.EACCESS, "CreateBucket needs an administrator");
            return;
        }
        String name = c.request().key().toString(StandardCharsets.UTF_8);
        String value = c.request().value().toString(StandardCharsets.UTF_8);
        int nul = value.indexOf('\0');
        String settings = nul < 0 ? "" : value.substring(nul + 1);
        BucketConfig config;
        try {
            config = parse(name, settings);
        } catch (IllegalArgumentException e) {
            c.respondError(Status.EINVAL, e.getMessage());
            return;
        }
        Status st = c.server().createBucket(config, c.connection().user().name());
        if (st == Status.SUCCESS) {
            c.respondSuccess();
        } else {
            c.respondError(st, st == Status.KEY_EEXISTS ? "Bucket " + name + " exists" : null);
        }
    }

    static BucketConfig parse(String name, String settings) {
        BucketConfig d = BucketConfig.defaults(name);
        long quota = d.quotaBytes();
        int vbuckets = d.numVBuckets();
        int maxValue = d.maxValueBytes();
        boolean flush = d.flushEnabled();
        CompressionMode compression = d.compression();
        for (String pair : settings.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("Bucket setting without '=': " + pair);
            }
            String key = pair.substring(0, eq).trim();
            String v = pair.substring(eq + 1).trim();
            try {
                switch (key) {
                    case "max_size" -> quota = Long.parseLong(v);
                    case "num_vbuckets" -> vbuckets = Integer.parseInt(v);
                    case "max_item_size" -> maxValue = Integer.parseInt(v);
                    case "flush_enabled" -> flush = Boolean.parseBoolean(v);
                    case "compression_mode" -> compression = CompressionMode.parse(v);
                    default ->
                        throw new IllegalArgumentException("Unknown bucket setting " + key
                                + " (known: max_size, num_vbuckets, max_item_size, flush_enabled, compression_mode)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Bucket setting " + key + " is not a number: " + v);
            }
        }
        return new BucketConfig(name, quota, vbuckets, maxValue, flush, java.util.List.of(), compression);
    }

    /**
     * DeleteBucket: administrators only. The bucket's users are disconnected once the command each
     * is running has answered and their output is flushed.
     */
    static void delete(Command c) {
        if (!c.connection().user().admin()) {
            c.respondError(Status.EACCESS, "DeleteBucket needs an administrator");
            return;
        }
        String name = c.request().key().toString(StandardCharsets.UTF_8);
        Status st = c.server().deleteBucket(name, c.connection().user().name(), c.connection());
        if (st != Status.SUCCESS) {
            c.respondError(st, st == Status.KEY_ENOENT ? "No bucket named " + name : null);
            return;
        }
        c.respondSuccess();
    }
}
