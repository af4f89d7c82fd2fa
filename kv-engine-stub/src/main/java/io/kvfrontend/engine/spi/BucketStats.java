package io.kvfrontend.engine.spi;

/**
 * A point-in-time view of a bucket's storage, for STAT and metrics.
 *
 * @param items           live items (expired items not yet removed included)
 * @param memUsedBytes    bytes charged against the quota
 * @param quotaBytes      the quota
 * @param numVBuckets     vBucket count
 * @param expiredByPager  items removed by the background expiry pager since start
 * @param expiredOnAccess items found expired by an access and removed since start
 * @param quotaRejections writes refused because the quota would be exceeded
 */
public record BucketStats(
        long items,
        long memUsedBytes,
        long quotaBytes,
        int numVBuckets,
        long expiredByPager,
        long expiredOnAccess,
        long quotaRejections) {}
