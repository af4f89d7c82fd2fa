package io.kvfrontend.engine.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * What the server's configuration tells any engine: how many background threads it may run and how
 * to make them, how often to remove expired items, and the range-scan limits.
 *
 * <p><b>Immutable.</b>
 *
 * @param backgroundThreads   threads for background work (range scans, the expiry pager); at least 1
 * @param expiryPagerInterval how often expired items are removed in the background; positive
 * @param rangeScans          range-scan limits
 * @param threadFactory       makes the background threads (the server's lowers their priority)
 */
public record EngineSettings(
        int backgroundThreads,
        Duration expiryPagerInterval,
        RangeScanSettings rangeScans,
        ThreadFactory threadFactory) {
    public EngineSettings {
        if (backgroundThreads < 1) {
            throw new IllegalArgumentException("background thread count must be at least 1, got " + backgroundThreads);
        }
        Objects.requireNonNull(expiryPagerInterval, "expiryPagerInterval");
        Objects.requireNonNull(rangeScans, "rangeScans");
        Objects.requireNonNull(threadFactory, "threadFactory");
    }
}
