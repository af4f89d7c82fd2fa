package io.kvfrontend.engine.spi;

/**
 * What a RangeScanCreate asks for (mcbp-protocol.md 11.1), already parsed and validated by the
 * front end: either a key range or a random sample of one collection of one vBucket.
 *
 * <p><b>Immutable</b> by contract (arrays are handed over).
 *
 * @param collectionId      the collection to scan
 * @param keyOnly           return keys only, not documents
 * @param start             range start (logical key bytes; may be empty) or {@code null} for a sample
 * @param startInclusive    whether {@code start} itself is in the range
 * @param end               range end or {@code null} for a sample
 * @param endInclusive      whether {@code end} itself is in the range
 * @param samples           for a sampling scan, how many items to aim for (else 0)
 * @param seed              the sampling seed (same seed, same data: same sample)
 * @param snapshot          snapshot requirements, or {@code null}
 * @param name              a debugging label (may be {@code null})
 * @param snappyValues      the client negotiated Snappy: compressed documents are sent as stored
 *                          (otherwise they are inflated)
 */
public record RangeScanSpec(
        int collectionId,
        boolean keyOnly,
        byte[] start,
        boolean startInclusive,
        byte[] end,
        boolean endInclusive,
        long samples,
        long seed,
        SnapshotRequirements snapshot,
        String name,
        boolean snappyValues) {

    /** A scan whose client did not negotiate Snappy. */
    public RangeScanSpec(
            int collectionId,
            boolean keyOnly,
            byte[] start,
            boolean startInclusive,
            byte[] end,
            boolean endInclusive,
            long samples,
            long seed,
            SnapshotRequirements snapshot,
            String name) {
        this(collectionId, keyOnly, start, startInclusive, end, endInclusive, samples, seed, snapshot, name, false);
    }

    /** The same scan, for a client that did or did not negotiate Snappy. */
    public RangeScanSpec withSnappyValues(boolean snappy) {
        return new RangeScanSpec(
                collectionId, keyOnly, start, startInclusive, end, endInclusive, samples, seed, snapshot, name, snappy);
    }

    /** Whether this is a sampling scan. */
    public boolean isSampling() {
        return start == null;
    }

    /**
     * The vBucket state the scan needs (mcbp-protocol.md 11.1 {@code snapshot_requirements}).
     *
     * @param vbUuid      the vBucket UUID the client saw (must match)
     * @param seqno       the sequence number the vBucket must have reached
     * @param seqnoExists the item with exactly that seqno must still be present
     * @param timeoutMs   how long to wait for {@code seqno} (0 = do not wait)
     */
    public record SnapshotRequirements(long vbUuid, long seqno, boolean seqnoExists, long timeoutMs) {}
}
