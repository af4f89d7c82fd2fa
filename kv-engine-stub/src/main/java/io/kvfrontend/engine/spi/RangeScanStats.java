package io.kvfrontend.engine.spi;

/**
 * A snapshot of one bucket's range-scan registry, for STAT and metrics.
 *
 * <p><b>Immutable.</b>
 *
 * @param open        scans open now (idle or continuing)
 * @param continuing  scans with a continue running now
 * @param connections connections holding at least one open scan
 * @param created     scans created since start
 * @param completed   scans that reached the end of their range
 * @param cancelled   scans cancelled (RangeScanCancel, connection closed, bucket deleted)
 * @param expired     scans removed by the idle timeout or the lifetime
 * @param rejected    creates refused with Ebusy (a concurrency limit)
 * @param continues   continues started
 * @param itemsSent   keys or documents sent
 * @param bytesSent   bytes of item encodings sent
 * @param lookupHits   lookups of a scan by its id that found it
 * @param lookupMisses lookups of a scan by its id that did not (unknown, expired or cancelled)
 * @param evictions    scans the registry's cache removed (idle timeout, lifetime, size)
 */
public record RangeScanStats(
        long open,
        long continuing,
        long connections,
        long created,
        long completed,
        long cancelled,
        long expired,
        long rejected,
        long continues,
        long itemsSent,
        long bytesSent,
        long lookupHits,
        long lookupMisses,
        long evictions) {}
