package io.kvfrontend.engine.spi;

import java.util.List;

/**
 * The pluggable storage behind the protocol front end: a set of named buckets.
 *
 * <p><b>Thread-safe.</b> The engine owns its background executor (expiry pager, range scans); the
 * front end owns the event loops. Engine code never touches a connection except through a
 * {@link Cookie}.
 */
public interface Engine extends AutoCloseable {

    /** The bucket with this name, or {@code null}. */
    Bucket bucket(String name);

    /** Names of all buckets, in creation order. */
    List<String> bucketNames();

    /**
     * Creates a bucket. {@link Status#KEY_EEXISTS} if one with that name exists.
     */
    Status createBucket(BucketConfig config);

    /**
     * Deletes a bucket and frees its memory. {@link Status#KEY_ENOENT} if there is none.
     */
    Status deleteBucket(String name);

    /**
     * A connection closed: background work it started (range scans) is cancelled and released.
     * Any thread; must not block.
     */
    default void connectionClosed(long connectionId) {}

    /** Stops background work and releases everything. Idempotent. */
    @Override
    void close();
}
