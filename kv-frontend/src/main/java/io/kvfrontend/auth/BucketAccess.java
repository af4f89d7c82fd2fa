package io.kvfrontend.auth;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which buckets a user may select: every bucket, or a fixed set of names. Bucket names are matched
 * exactly (case-sensitive), as Couchbase bucket names are.
 *
 * <p>Immutable.
 *
 * @param allBuckets {@code true} for access to every bucket, present and future
 * @param buckets    the named buckets when {@code allBuckets} is false; empty when it is true
 */
public record BucketAccess(boolean allBuckets, Set<String> buckets) {
    private static final BucketAccess ALL = new BucketAccess(true, Set.of());
    private static final BucketAccess NONE = new BucketAccess(false, Set.of());

    public BucketAccess {
        // Sorted so toString (and the effective-config log line) is stable.
        buckets = Collections.unmodifiableSortedSet(new TreeSet<>(buckets));
        if (allBuckets && !buckets.isEmpty()) {
            throw new IllegalArgumentException("all-buckets access takes no bucket names, got " + buckets);
        }
        for (String b : buckets) {
            if (b == null || b.isEmpty()) {
                throw new IllegalArgumentException("bucket names must not be empty");
            }
        }
    }

    /** Access to every bucket. */
    public static BucketAccess all() {
        return ALL;
    }

    /** Access to no bucket: the user can still authenticate (e.g. for cluster-level commands). */
    public static BucketAccess none() {
        return NONE;
    }

    /** Access to exactly these buckets. */
    public static BucketAccess of(String... buckets) {
        return of(Arrays.asList(buckets));
    }

    /** Access to exactly these buckets. */
    public static BucketAccess of(Collection<String> buckets) {
        return new BucketAccess(false, new TreeSet<>(buckets));
    }

    /** Whether this grants access to {@code bucket}. */
    public boolean allows(String bucket) {
        return allBuckets || buckets.contains(bucket);
    }
}
