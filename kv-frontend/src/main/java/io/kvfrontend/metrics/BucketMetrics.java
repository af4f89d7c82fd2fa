package io.kvfrontend.metrics;

import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.Engine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The meters of each bucket, tagged {@code bucket}: storage gauges ({@code kv.bucket.*}) and, for
 * the in-memory engine, the range-scan registry (Caffeine's {@code cache.*} with
 * {@code cache=range_scans}, {@code kv.rangescan.open}, {@code kv.rangescan.continuing}).
 * Registered for the buckets that exist at binding and for each bucket created later
 * ({@link #bucketCreated}); removed when it is deleted ({@link #bucketDeleted}), so a deleted
 * bucket's series stop being exported.
 *
 * <p><b>Thread-safe</b> (synchronized: create and delete are rare). A bucket deleted and created
 * again under the same name on another event loop is handled by identity: deleting the old bucket
 * never removes the new one's meters.
 */
public final class BucketMetrics implements MeterBinder {
    private final Engine engine;
    private final Map<String, Registered> byName = new HashMap<>();
    private MeterRegistry registry;

    private record Registered(Bucket bucket, List<Meter> meters) {}

    public BucketMetrics(Engine engine) {
        this.engine = engine;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        for (String name : engine.bucketNames()) {
            Bucket b = engine.bucket(name);
            if (b != null) {
                bucketCreated(b);
            }
        }
    }

    /** A bucket now exists: registers its meters (replacing those of a deleted namesake). */
    public synchronized void bucketCreated(Bucket b) {
        if (registry == null) {
            return;
        }
        Registered old = byName.get(b.name());
        if (old != null) {
            if (old.bucket == b) {
                return;
            }
            remove(old);
        }
        byName.put(b.name(), new Registered(b, register(registry, b)));
    }

    /** A bucket was deleted: its meters go, unless a new bucket of that name has replaced them. */
    public synchronized void bucketDeleted(Bucket b) {
        Registered r = byName.get(b.name());
        if (r != null && r.bucket == b) {
            byName.remove(b.name());
            remove(r);
        }
    }

    private void remove(Registered r) {
        for (Meter m : r.meters) {
            registry.remove(m);
        }
    }

    private static List<Meter> register(MeterRegistry registry, Bucket b) {
        String name = b.name();
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("kv.bucket.items", b, x -> x.stats().items())
                .tag("bucket", name)
                .description("live items (expired ones not yet removed included)")
                .register(registry));
        meters.add(Gauge.builder("kv.bucket.memory.used", b, x -> x.stats().memUsedBytes())
                .tag("bucket", name)
                .baseUnit("bytes")
                .description("bytes charged against the bucket's quota")
                .register(registry));
        meters.add(Gauge.builder("kv.bucket.quota", b, x -> x.stats().quotaBytes())
                .tag("bucket", name)
                .baseUnit("bytes")
                .description("the bucket's memory quota")
                .register(registry));
        meters.add(
                FunctionCounter.builder("kv.bucket.expired", b, x -> x.stats().expiredByPager())
                        .tag("bucket", name)
                        .tag("reason", "pager")
                        .description("expired items removed, by the background pager or on access")
                        .register(registry));
        meters.add(
                FunctionCounter.builder("kv.bucket.expired", b, x -> x.stats().expiredOnAccess())
                        .tag("bucket", name)
                        .tag("reason", "access")
                        .description("expired items removed, by the background pager or on access")
                        .register(registry));
        meters.add(FunctionCounter.builder(
                        "kv.bucket.quota.rejections", b, x -> x.stats().quotaRejections())
                .tag("bucket", name)
                .description("writes refused because the quota would be exceeded")
                .register(registry));
        meters.addAll(b.bindMeters(registry));
        return meters;
    }
}
