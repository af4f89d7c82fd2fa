package io.kvfrontend.engine.spi;

import java.util.List;

/**
 * How a bucket is created.
 *
 * <p><b>Immutable.</b>
 *
 * @param name          bucket name (1..100 characters of {@code [A-Za-z0-9_.%-]})
 * @param quotaBytes    memory quota; a write that would exceed it fails with {@link Status#ETMPFAIL}
 * @param numVBuckets   number of vBuckets, a power of two from 1 to 1024
 * @param maxValueBytes largest value accepted; beyond it a write fails with {@link Status#E2BIG}
 * @param flushEnabled  whether Flush empties the bucket ({@link Status#NOT_SUPPORTED} otherwise)
 * @param scopes        scopes and collections beyond {@code _default._default}, which always exists
 *                      (a {@code _default} entry adds collections to the default scope)
 * @param compression   how values are stored ({@link CompressionMode#PASSIVE} unless set)
 */
public record BucketConfig(
        String name,
        long quotaBytes,
        int numVBuckets,
        int maxValueBytes,
        boolean flushEnabled,
        List<ScopeConfig> scopes,
        CompressionMode compression) {
    public static final int DEFAULT_VBUCKETS = 1024;
    public static final int MAX_VBUCKETS = 1024;
    public static final long DEFAULT_QUOTA_BYTES = 256L << 20;
    public static final int DEFAULT_MAX_VALUE_BYTES = 20 << 20;

    public BucketConfig {
        if (name == null || !name.matches("[A-Za-z0-9_.%-]{1,100}")) {
            throw new IllegalArgumentException(
                    "bucket name must be 1-100 characters of A-Z a-z 0-9 _ . % -, got: " + name);
        }
        if (quotaBytes <= 0) {
            throw new IllegalArgumentException("bucket quota must be positive, got " + quotaBytes);
        }
        if (numVBuckets < 1 || numVBuckets > MAX_VBUCKETS || Integer.bitCount(numVBuckets) != 1) {
            throw new IllegalArgumentException(
                    "vBucket count must be a power of two from 1 to 1024, got " + numVBuckets);
        }
        if (maxValueBytes < 0) {
            throw new IllegalArgumentException("max value size must not be negative, got " + maxValueBytes);
        }
        scopes = List.copyOf(scopes);
        java.util.Objects.requireNonNull(compression, "compression");
        CollectionsManifest.of(scopes); // validates names and uniqueness
    }

    /** A bucket with passive compression. */
    public BucketConfig(
            String name,
            long quotaBytes,
            int numVBuckets,
            int maxValueBytes,
            boolean flushEnabled,
            List<ScopeConfig> scopes) {
        this(name, quotaBytes, numVBuckets, maxValueBytes, flushEnabled, scopes, CompressionMode.PASSIVE);
    }

    /** A bucket with only the default scope and collection, and passive compression. */
    public BucketConfig(String name, long quotaBytes, int numVBuckets, int maxValueBytes, boolean flushEnabled) {
        this(name, quotaBytes, numVBuckets, maxValueBytes, flushEnabled, List.of());
    }

    /** The same bucket with other scopes and collections. */
    public BucketConfig withScopes(List<ScopeConfig> scopes) {
        return new BucketConfig(name, quotaBytes, numVBuckets, maxValueBytes, flushEnabled, scopes, compression);
    }

    /** The same bucket with another compression mode. */
    public BucketConfig withCompression(CompressionMode mode) {
        return new BucketConfig(name, quotaBytes, numVBuckets, maxValueBytes, flushEnabled, scopes, mode);
    }

    /** A bucket with every default: 1024 vBuckets, 256 MiB quota, 20 MiB values, flush enabled. */
    public static BucketConfig defaults(String name) {
        return new BucketConfig(name, DEFAULT_QUOTA_BYTES, DEFAULT_VBUCKETS, DEFAULT_MAX_VALUE_BYTES, true);
    }
}
