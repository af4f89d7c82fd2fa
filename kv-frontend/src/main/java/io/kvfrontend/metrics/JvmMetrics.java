package io.kvfrontend.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The process's meters: Micrometer's JVM binders (memory pools and buffers, GC, threads, classes),
 * processor and uptime, open file descriptors, and Netty's allocator ({@code netty.allocator.*} for
 * the allocator channels use: Netty 4.2's adaptive one by default). {@link #close()} detaches the GC
 * notification listener.
 *
 * <p>{@link #stats()} is the {@code jvm} STAT group, read from the same MXBeans and allocator the
 * meters read.
 *
 * <p><b>Thread-safe.</b>
 */
public final class JvmMetrics implements MeterBinder, AutoCloseable {
    private JvmGcMetrics gc;

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            new NettyAllocatorMetrics(p).bindTo(registry);
        }
    }

    @Override
    public synchronized void close() {
        if (gc != null) {
            gc.close();
            gc = null;
        }
    }

    /**
     * The {@code jvm} STAT group: heap and non-heap memory summed over the pools (as
     * {@code jvm.memory.*} by {@code area}), buffer pools, each collector's count and time, threads,
     * classes, processors, uptime and the Netty allocator's memory.
     */
    public static Map<String, String> stats() {
        Map<String, String> m = new LinkedHashMap<>();
        long heapUsed = 0;
        long heapCommitted = 0;
        long nonHeapUsed = 0;
        long nonHeapCommitted = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            var u = pool.getUsage();
            if (u == null) {
                continue;
            }
            if (pool.getType() == MemoryType.HEAP) {
                heapUsed += u.getUsed();
                heapCommitted += u.getCommitted();
            } else {
                nonHeapUsed += u.getUsed();
                nonHeapCommitted += u.getCommitted();
            }
        }
        m.put("heap_used", Long.toString(heapUsed));
        m.put("heap_committed", Long.toString(heapCommitted));
        m.put(
                "heap_max",
                Long.toString(
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax()));
        m.put("nonheap_used", Long.toString(nonHeapUsed));
        m.put("nonheap_committed", Long.toString(nonHeapCommitted));
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            String p = "buffers:" + key(b.getName()) + ":";
            m.put(p + "count", Long.toString(b.getCount()));
            m.put(p + "used", Long.toString(b.getMemoryUsed()));
            m.put(p + "capacity", Long.toString(b.getTotalCapacity()));
        }
        for (GarbageCollectorMXBean gcBean : ManagementFactory.getGarbageCollectorMXBeans()) {
            String p = "gc:" + key(gcBean.getName()) + ":";
            m.put(p + "count", Long.toString(gcBean.getCollectionCount()));
            m.put(p + "time_ms", Long.toString(gcBean.getCollectionTime()));
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        m.put("threads_live", Integer.toString(threads.getThreadCount()));
        m.put("threads_daemon", Integer.toString(threads.getDaemonThreadCount()));
        m.put("threads_peak", Integer.toString(threads.getPeakThreadCount()));
        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        m.put("classes_loaded", Integer.toString(classes.getLoadedClassCount()));
        m.put("classes_unloaded", Long.toString(classes.getUnloadedClassCount()));
        m.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("uptime_ms", Long.toString(ManagementFactory.getRuntimeMXBean().getUptime()));
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            ByteBufAllocatorMetric a = p.metric();
            m.put("netty_allocator", ByteBufAllocator.DEFAULT.getClass().getSimpleName());
            m.put("netty_heap_used", Long.toString(a.usedHeapMemory()));
            m.put("netty_direct_used", Long.toString(a.usedDirectMemory()));
        }
        return m;
    }

    /** A pool or collector name as a STAT key part: lower case, spaces and dashes as underscores. */
    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }
}
