package io.kvfrontend.engine.stub;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.kvfrontend.engine.spi.RangeScanSettings;
import io.kvfrontend.engine.spi.RangeScanStats;
import io.kvfrontend.engine.spi.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open range scans of one bucket, by id, on a Caffeine cache: a scan nobody continues expires
 * after the idle timeout, and any scan expires at the end of its lifetime, measured from creation
 * (kv_engine's {@code range_scan_max_lifetime}); removal, whatever its cause, ends the scan (a
 * running continue stops with RangeScanCancelled) and releases its slot. Bounded: at most
 * {@code maxScansPerBucket} open scans, and {@code maxScansPerConnection} per connection (create
 * answers Ebusy beyond either).
 *
 * <p>The cache runs its maintenance and removal listener on the engine's background executor and
 * schedules expiry on it, so an abandoned scan is removed on time without any access (once the
 * engine is closing, the bookkeeping runs on the caller instead).
 *
 * <p><b>Thread-safe.</b> Lookups are lock-free (the cache). The slot accounting (open count, scans
 * per connection) is one short critical section on {@link #slots}, taken on create, on removal and
 * when a connection closes, never across I/O.
 */
final class RangeScanRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(RangeScanRegistry.class);

    private final RangeScanSettings settings;
    private final long idleNanos;
    private final long lifetimeNanos;
    private final Cache<UUID, RangeScan> cache;

    private final Object slots = new Object();
    private int open; // guarded by slots
    private final Map<Long, Set<RangeScan>> byConnection = new HashMap<>(); // guarded by slots

    private final AtomicInteger continuing = new AtomicInteger();
    private final LongAdder created = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder continues = new LongAdder();
    private final LongAdder itemsSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();

    RangeScanRegistry(RangeScanSettings settings, ScheduledExecutorService executor) {
        this.settings = settings;
        this.idleNanos = settings.idleTimeout().toNanos();
        this.lifetimeNanos = settings.maxLifetime().toNanos();
        this.cache = Caffeine.newBuilder()
                .expireAfter(new Expiry<UUID, RangeScan>() {
                    @Override
                    public long expireAfterCreate(UUID key, RangeScan scan, long now) {
                        return timeLeft(scan, now);
                    }

                    @Override
                    public long expireAfterUpdate(UUID key, RangeScan scan, long now, long current) {
                        return current;
                    }

                    @Override
                    public long expireAfterRead(UUID key, RangeScan scan, long now, long current) {
                        return timeLeft(scan, now);
                    }
                })
                .executor(task -> {
                    try {
                        executor.execute(task);
                    } catch (RejectedExecutionException closing) {
                        task.run(); // the engine is closing: do the cache's bookkeeping here
                    }
                })
                .scheduler((cacheExecutor, command, delay, unit) -> {
                    try {
                        return executor.schedule(() -> cacheExecutor.execute(command), delay, unit);
                    } catch (RejectedExecutionException closing) {
                        return Scheduler.disabledScheduler().schedule(cacheExecutor, command, delay, unit);
                    }
                })
                .removalListener(this::onRemoval)
                .recordStats()
                .build();
    }

    /**
     * What is left of a scan's life at {@code now}: the rest of its lifetime while a continue runs
     * (a slow client is not "idle"), else the smaller of that and the idle timeout.
     */
    private long timeLeft(RangeScan scan, long now) {
        long life = Math.max(0, lifetimeNanos - (now - scan.createdNanos()));
        return scan.isContinuing() ? life : Math.min(life, idleNanos);
    }

    RangeScanSettings settings() {
        return settings;
    }

    /** The cache itself, for Micrometer's Caffeine binder. */
    Cache<UUID, RangeScan> cache() {
        return cache;
    }

    /** Adds a new scan: SUCCESS, or EBUSY over a limit. */
    Status register(RangeScan scan) {
        synchronized (slots) {
            Set<RangeScan> mine = byConnection.get(scan.connectionId());
            if (open >= settings.maxScansPerBucket()
                    || (mine != null && mine.size() >= settings.maxScansPerConnection())) {
                rejected.increment();
                return Status.EBUSY;
            }
            open++;
            byConnection
                    .computeIfAbsent(scan.connectionId(), id -> new LinkedHashSet<>())
                    .add(scan);
        }
        created.increment();
        cache.put(scan.id(), scan);
        return Status.SUCCESS;
    }

    /** The open scan with this id, or {@code null} (never existed, ended or expired). Counted in the stats. */
    RangeScan find(UUID id) {
        return cache.getIfPresent(id);
    }

    /** A continue took the scan: it no longer idles, only its lifetime runs. */
    void continueStarted(RangeScan scan) {
        continues.increment();
        continuing.incrementAndGet();
        refreshExpiry(scan);
    }

    /** The continue ended with the scan still open: its idle time starts now. */
    void continueEnded(RangeScan scan) {
        continuing.decrementAndGet();
        refreshExpiry(scan);
    }

    /** A continue stopped because the scan ended (completed, cancelled, expired, connection gone). */
    void continueAborted() {
        continuing.decrementAndGet();
    }

    void sent(long items, long bytes) {
        itemsSent.add(items);
        bytesSent.add(bytes);
    }

    private void refreshExpiry(RangeScan scan) {
        cache.policy()
                .expireVariably()
                .ifPresent(p -> p.setExpiresAfter(scan.id(), timeLeft(scan, System.nanoTime()), TimeUnit.NANOSECONDS));
    }

    /** The end of the range was reached: the scan is removed. */
    void complete(RangeScan scan) {
        remove(scan, RangeScan.State.COMPLETED);
    }

    /** Cancels and removes a scan; a running continue ends with RangeScanCancelled. */
    void cancel(RangeScan scan) {
        remove(scan, RangeScan.State.CANCELLED);
    }

    private void remove(RangeScan scan, RangeScan.State how) {
        scan.end(how);
        cache.asMap().remove(scan.id(), scan);
        // Released here, not only in the (asynchronous) removal listener, so that the slot is free
        // for the very next create.
        release(scan);
    }

    /** Cancels every scan a connection created (it closed). */
    void connectionClosed(long connectionId) {
        List<RangeScan> scans;
        synchronized (slots) {
            Set<RangeScan> mine = byConnection.get(connectionId);
            scans = mine == null ? List.of() : new ArrayList<>(mine);
        }
        for (RangeScan s : scans) {
            cancel(s);
        }
        if (!scans.isEmpty()) {
            LOG.debug("connection {} closed: {} range scan(s) cancelled", connectionId, scans.size());
        }
    }

    /** Cancels every scan (bucket deleted, engine closing). */
    void cancelAll() {
        for (RangeScan s : new ArrayList<>(cache.asMap().values())) {
            cancel(s);
        }
    }

    private void onRemoval(UUID id, RangeScan scan, RemovalCause cause) {
        if (scan == null) {
            return;
        }
        if (cause.wasEvicted() && scan.end(RangeScan.State.EXPIRED)) {
            LOG.debug("{} expired", scan);
        }
        release(scan);
    }

    private void release(RangeScan scan) {
        if (!scan.markReleased()) {
            return;
        }
        synchronized (slots) {
            open--;
            Set<RangeScan> mine = byConnection.get(scan.connectionId());
            if (mine != null) {
                mine.remove(scan);
                if (mine.isEmpty()) {
                    byConnection.remove(scan.connectionId());
                }
            }
        }
        switch (scan.state()) {
            case COMPLETED -> completed.increment();
            case EXPIRED -> expired.increment();
            default -> cancelled.increment();
        }
    }

    RangeScanStats stats() {
        var c = cache.stats();
        int openNow;
        int connections;
        synchronized (slots) {
            openNow = open;
            connections = byConnection.size();
        }
        return new RangeScanStats(
                openNow,
                continuing.get(),
                connections,
                created.sum(),
                completed.sum(),
                cancelled.sum(),
                expired.sum(),
                rejected.sum(),
                continues.sum(),
                itemsSent.sum(),
                bytesSent.sum(),
                c.hitCount(),
                c.missCount(),
                c.evictionCount());
    }
}
