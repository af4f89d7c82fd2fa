package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.RangeScanSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a {@link StubEngine} is built.
 *
 * <p><b>Immutable.</b> Passed through the constructor, never read from a static (conventions.md,
 * "Configuration").
 *
 * @param backgroundThreads   size of the engine's background ("aux I/O") pool: expiry pager, range scans
 * @param expiryPagerInterval delay between the end of one expiry pager pass and the start of the next
 * @param clock               the only time source of the engine: expiry, lock timeouts and the CAS clock
 *                            all read it, so tests can move time by hand
 * @param defaultLockSeconds  lock time of GetLocked when the request asks for 0 or more than the maximum
 *                            (mcbp-protocol.md 4.2, typical default 15 s)
 * @param maxLockSeconds      longest lock GetLocked grants (typical maximum 30 s)
 * @param rangeScans          range-scan registry limits and batch size
 * @param threadFactory       makes the background pool's threads; the host chooses their names and, for
 *                            one, their scheduling priority
 */
public record StubEngineSettings(
        int backgroundThreads,
        Duration expiryPagerInterval,
        Clock clock,
        int defaultLockSeconds,
        int maxLockSeconds,
        RangeScanSettings rangeScans,
        ThreadFactory threadFactory) {

    public static final Duration DEFAULT_EXPIRY_PAGER_INTERVAL = Duration.ofSeconds(10);
    public static final int DEFAULT_LOCK_SECONDS = 15;
    public static final int MAX_LOCK_SECONDS = 30;

    public StubEngineSettings {
        if (backgroundThreads < 1) {
            throw new IllegalArgumentException("background thread count must be at least 1, got " + backgroundThreads);
        }
        Objects.requireNonNull(expiryPagerInterval, "expiryPagerInterval");
        if (expiryPagerInterval.isNegative() || expiryPagerInterval.isZero()) {
            throw new IllegalArgumentException("expiry pager interval must be positive, got " + expiryPagerInterval);
        }
        Objects.requireNonNull(clock, "clock");
        if (maxLockSeconds < 1) {
            throw new IllegalArgumentException("maximum lock time must be at least 1 s, got " + maxLockSeconds);
        }
        if (defaultLockSeconds < 1 || defaultLockSeconds > maxLockSeconds) {
            throw new IllegalArgumentException("default lock time must be from 1 s to the maximum (" + maxLockSeconds
                    + " s), got " + defaultLockSeconds);
        }
        Objects.requireNonNull(rangeScans, "rangeScans");
        Objects.requireNonNull(threadFactory, "threadFactory");
    }

    /** Settings with {@link #auxThreads()}. */
    public StubEngineSettings(
            int backgroundThreads,
            Duration expiryPagerInterval,
            Clock clock,
            int defaultLockSeconds,
            int maxLockSeconds,
            RangeScanSettings rangeScans) {
        this(
                backgroundThreads,
                expiryPagerInterval,
                clock,
                defaultLockSeconds,
                maxLockSeconds,
                rangeScans,
                auxThreads());
    }

    /** Daemon threads named {@code kv-aux-N}, so a forgotten engine never keeps the JVM alive and dumps say whose. */
    public static ThreadFactory auxThreads() {
        AtomicInteger next = new AtomicInteger(1);
        return task -> {
            Thread t = new Thread(task, "kv-aux-" + next.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }

    /** Settings with the default range-scan limits ({@link RangeScanSettings#defaults()}). */
    public StubEngineSettings(
            int backgroundThreads,
            Duration expiryPagerInterval,
            Clock clock,
            int defaultLockSeconds,
            int maxLockSeconds) {
        this(
                backgroundThreads,
                expiryPagerInterval,
                clock,
                defaultLockSeconds,
                maxLockSeconds,
                RangeScanSettings.defaults());
    }

    /**
     * The production defaults: one background thread per core up to four (kv_engine sizes its AuxIO
     * pool from the core count too), a 10 s pager, the system UTC clock, 15 s default and 30 s
     * maximum lock time.
     */
    public static StubEngineSettings defaults() {
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        return new StubEngineSettings(
                threads, DEFAULT_EXPIRY_PAGER_INTERVAL, Clock.systemUTC(), DEFAULT_LOCK_SECONDS, MAX_LOCK_SECONDS);
    }

    /** These settings with another clock. */
    public StubEngineSettings withClock(Clock newClock) {
        return new StubEngineSettings(
                backgroundThreads,
                expiryPagerInterval,
                newClock,
                defaultLockSeconds,
                maxLockSeconds,
                rangeScans,
                threadFactory);
    }

    /** These settings with another expiry pager interval. */
    public StubEngineSettings withExpiryPagerInterval(Duration interval) {
        return new StubEngineSettings(
                backgroundThreads, interval, clock, defaultLockSeconds, maxLockSeconds, rangeScans, threadFactory);
    }

    /** These settings with other range-scan limits. */
    public StubEngineSettings withRangeScans(RangeScanSettings scans) {
        return new StubEngineSettings(
                backgroundThreads,
                expiryPagerInterval,
                clock,
                defaultLockSeconds,
                maxLockSeconds,
                scans,
                threadFactory);
    }

    /** These settings with another maker of background threads. */
    public StubEngineSettings withThreadFactory(ThreadFactory factory) {
        return new StubEngineSettings(
                backgroundThreads, expiryPagerInterval, clock, defaultLockSeconds, maxLockSeconds, rangeScans, factory);
    }
}
