package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.Status;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory engine: named {@link StubBucket}s and one bounded background executor (kv_engine's
 * "AuxIO" pool) that runs the expiry pager and, later, range scans (architecture.md, "Threads").
 *
 * <p><b>Thread-safe.</b> Bucket lookups read an immutable snapshot of the bucket table without a
 * lock, so the event loops never wait for one. Create, delete and close are rare administrative
 * operations: they serialize on one monitor and publish a new snapshot, which also keeps creation
 * order for {@link #bucketNames()}.
 */
public final class StubEngine implements Engine {
    private static final Logger LOG = LoggerFactory.getLogger(StubEngine.class);
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final StubEngineSettings settings;
    private final ScheduledThreadPoolExecutor executor;
    private final Object admin = new Object();
    /** Name to bucket in creation order; replaced whole under {@link #admin}, never modified. */
    private volatile Map<String, StubBucket> buckets = Map.of();

    private boolean closed; // guarded by admin

    public StubEngine(StubEngineSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.executor = new ScheduledThreadPoolExecutor(settings.backgroundThreads(), settings.threadFactory());
        // Cancelled scan tasks should not sit in the queue until their delay, and nothing may run
        // after close().
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        long intervalNanos = settings.expiryPagerInterval().toNanos();
        executor.scheduleWithFixedDelay(this::expiryPagerTask, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
        LOG.info(
                "Engine started: {} background threads, expiry pager every {}",
                settings.backgroundThreads(),
                settings.expiryPagerInterval());
    }

    /** An engine with {@link StubEngineSettings#defaults()}. */
    public StubEngine() {
        this(StubEngineSettings.defaults());
    }

    public StubEngineSettings settings() {
        return settings;
    }

    /**
     * The engine's background pool ({@code kv-aux-N} daemon threads) for work that must not run on an
     * event loop, such as range-scan continues. Owned by the engine: stopped by {@link #close()}, and
     * callers must not shut it down themselves.
     */
    public ScheduledExecutorService backgroundExecutor() {
        return executor;
    }

    @Override
    public Bucket bucket(String name) {
        return stubBucket(name);
    }

    /** The same bucket with its concrete type, for engine-side features such as range scans. */
    public StubBucket stubBucket(String name) {
        return name == null ? null : buckets.get(name);
    }

    @Override
    public List<String> bucketNames() {
        return List.copyOf(buckets.keySet());
    }

    @Override
    public Status createBucket(BucketConfig config) {
        Objects.requireNonNull(config, "config");
        synchronized (admin) {
            if (closed) {
                throw new IllegalStateException("engine is closed: cannot create bucket " + config.name());
            }
            if (buckets.containsKey(config.name())) {
                return Status.KEY_EEXISTS;
            }
            Map<String, StubBucket> next = new LinkedHashMap<>(buckets);
            next.put(config.name(), new StubBucket(config, settings, executor));
            buckets = Collections.unmodifiableMap(next);
        }
        LOG.info(
                "Created bucket {}: quota {} bytes, {} vBuckets, max value {} bytes, flush {}",
                config.name(),
                config.quotaBytes(),
                config.numVBuckets(),
                config.maxValueBytes(),
                config.flushEnabled() ? "enabled" : "disabled");
        return Status.SUCCESS;
    }

    @Override
    public Status deleteBucket(String name) {
        if (name == null) {
            return Status.KEY_ENOENT;
        }
        StubBucket removed;
        synchronized (admin) {
            removed = buckets.get(name);
            if (removed == null) {
                return Status.KEY_ENOENT;
            }
            Map<String, StubBucket> next = new LinkedHashMap<>(buckets);
            next.remove(name);
            buckets = Collections.unmodifiableMap(next);
        }
        removed.markDeleted();
        LOG.info("Deleted bucket {}", name);
        return Status.SUCCESS;
    }

    /**
     * Stops the background pool (interrupting a running pager pass, waiting up to 10 s for it to
     * end) and deletes every bucket. Idempotent. Not for an event loop: it waits for the pool.
     */
    @Override
    public void close() {
        Map<String, StubBucket> dropped;
        synchronized (admin) {
            if (closed) {
                return;
            }
            closed = true;
            dropped = buckets;
            buckets = Map.of();
        }
        executor.shutdownNow();
        dropped.values().forEach(StubBucket::markDeleted);
        try {
            if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("Engine background threads still running {} s after close", CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Engine closed");
    }

    /** Cancels and releases the range scans the connection created, in every bucket. Never blocks. */
    @Override
    public void connectionClosed(long connectionId) {
        for (StubBucket b : buckets.values()) {
            b.connectionClosed(connectionId);
        }
    }

    /** One expiry pager pass over every bucket, on the calling thread. */
    long runExpiryPagerOnce() {
        long removed = 0;
        for (StubBucket bucket : buckets.values()) {
            removed += bucket.runExpiryPager();
        }
        return removed;
    }

    private void expiryPagerTask() {
        try {
            long removed = runExpiryPagerOnce();
            if (removed > 0) {
                LOG.debug("Expiry pager removed {} items", removed);
            }
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: log and keep the pager alive.
            LOG.error("Expiry pager pass failed", e);
        }
    }
}
