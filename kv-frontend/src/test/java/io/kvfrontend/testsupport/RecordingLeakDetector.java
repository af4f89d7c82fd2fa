package io.kvfrontend.testsupport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Netty's leak detector, plus a record of every report so a test can fail on it. Installed for all
 * tests by {@code -Dio.netty.customResourceLeakDetector} (parent POM); Netty builds one instance per
 * resource type through the {@code (Class, int)} constructor.
 *
 * <p><b>Thread-safe.</b>
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    /** The constructor Netty looks for first (it logs an error when it is missing). */
    @SuppressWarnings("deprecation")
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
    }

    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        REPORTS.add("LEAK: " + resourceType + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        REPORTS.add("LEAK: " + resourceType + " (untraced)");
        super.reportUntracedLeak(resourceType);
    }

    /** Reports recorded so far, removed from the record. */
    public static List<String> drainReports() {
        List<String> out = new ArrayList<>();
        String s;
        while ((s = REPORTS.poll()) != null) {
            out.add(s);
        }
        return out;
    }

    /**
     * Collects garbage and allocates tracked buffers, which is when Netty looks for leaked ones, a
     * few times over; then returns and clears what was reported.
     */
    public static List<String> collectAndDrain() {
        for (int i = 0; i < 4; i++) {
            System.gc();
            System.runFinalization();
            for (ByteBufAllocator a : List.of(ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT)) {
                ByteBuf b = a.buffer(8);
                b.release();
                ByteBuf d = a.directBuffer(8);
                d.release();
            }
            Unpooled.buffer(8).release();
        }
        return drainReports();
    }
}
