package io.kvfrontend.engine.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the range-scan registry and the size of the batches a continue sends.
 *
 * <p><b>Immutable.</b>
 *
 * @param idleTimeout         a scan nobody continues for this long is cancelled and removed (the Java
 *                            SDK does not cancel a stream it abandons, so the server must)
 * @param maxLifetime         a scan is cancelled this long after its creation whatever it is doing
 *                            (kv_engine's {@code range_scan_max_lifetime}, measured from creation)
 * @param maxScansPerBucket   open scans a bucket holds at most; a create beyond it answers Ebusy
 * @param maxScansPerConnection open scans one connection may hold at most; beyond it Ebusy
 * @param batchBytes          a continue sends a frame whenever its batch reaches this many bytes
 *                            (kv_engine's {@code range_scan_read_buffer_send_size}, 8 KiB)
 */
public record RangeScanSettings(
        Duration idleTimeout, Duration maxLifetime, int maxScansPerBucket, int maxScansPerConnection, int batchBytes) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofSeconds(180);
    public static final int DEFAULT_MAX_SCANS_PER_BUCKET = 256;
    public static final int DEFAULT_MAX_SCANS_PER_CONNECTION = 32;
    public static final int DEFAULT_BATCH_BYTES = 8192;

    public RangeScanSettings {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(maxLifetime, "maxLifetime");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("range-scan idle timeout must be positive, got " + idleTimeout);
        }
        if (maxLifetime.isNegative() || maxLifetime.isZero()) {
            throw new IllegalArgumentException("range-scan lifetime must be positive, got " + maxLifetime);
        }
        if (maxScansPerBucket < 1 || maxScansPerConnection < 1) {
            throw new IllegalArgumentException("range-scan limits must be at least 1, got " + maxScansPerBucket
                    + " per bucket and " + maxScansPerConnection + " per connection");
        }
        if (batchBytes < 1) {
            throw new IllegalArgumentException("range-scan batch size must be positive, got " + batchBytes);
        }
    }

    /** 60 s idle, 180 s lifetime, 256 scans per bucket, 32 per connection, 8 KiB batches. */
    public static RangeScanSettings defaults() {
        return new RangeScanSettings(
                DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_LIFETIME,
                DEFAULT_MAX_SCANS_PER_BUCKET,
                DEFAULT_MAX_SCANS_PER_CONNECTION,
                DEFAULT_BATCH_BYTES);
    }

    public RangeScanSettings withIdleTimeout(Duration d) {
        return new RangeScanSettings(d, maxLifetime, maxScansPerBucket, maxScansPerConnection, batchBytes);
    }

    public RangeScanSettings withMaxLifetime(Duration d) {
        return new RangeScanSettings(idleTimeout, d, maxScansPerBucket, maxScansPerConnection, batchBytes);
    }

    public RangeScanSettings withLimits(int perBucket, int perConnection) {
        return new RangeScanSettings(idleTimeout, maxLifetime, perBucket, perConnection, batchBytes);
    }

    public RangeScanSettings withBatchBytes(int bytes) {
        return new RangeScanSettings(idleTimeout, maxLifetime, maxScansPerBucket, maxScansPerConnection, bytes);
    }
}
