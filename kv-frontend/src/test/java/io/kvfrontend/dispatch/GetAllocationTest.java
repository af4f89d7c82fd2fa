package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a get costs the event loop in allocated bytes: 100,000 pipelined gets of a 32-byte value
 * over a real socket, measured with the JVM's per-thread allocation counter on the server's loop
 * thread, and printed ({@code ALLOC ...}). Netty's leak detector is off while it measures (at
 * PARANOID it records a stack trace per buffer access, about 50 KB per get) and back on after.
 *
 * <p>The ceiling asserted here is a guard against regressions (a per-request allocation of the size
 * of a buffer, or a tracking detector left on), not issue 14's target of one allocation per
 * response: today a get allocates the request object, a DocKey, the engine's Item and GetResult,
 * a wrapper of the value and the write path's buffer slices, about 400-550 bytes.
 */
class GetAllocationTest {
    private static final int GETS = 100_000;
    private static final int BATCH = 100;
    private static final int WARM_UP_BATCHES = 200;
    private static final long CEILING_BYTES_PER_GET = 1024;

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aGetAllocatesLessThanTheCeilingOnTheEventLoop(OutputMode mode) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TestServer server = TestServer.start(
                        TestServer.config().outputMode(mode).eventLoopThreads(1).build());
                McbpClient c = McbpClient.connect(server.port())) {
            Response set = c.call(Frames.request(0x01)
                    .key("k")
                    .extras(Frames.storeExtras(0, 0))
                    .value("0123456789abcdef0123456789abcdef"));
            assertThat(set.status()).isZero();
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < BATCH; i++) {
                batch.writeBytes(Frames.request(0x00).key("k").opaque(i).build());
            }
            byte[] gets = batch.toByteArray();
            for (int w = 0; w < WARM_UP_BATCHES; w++) {
                c.sendRaw(gets);
                c.receive(BATCH);
            }
            long[] loops = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("kv-loop"))
                    .mapToLong(Thread::getId)
                    .toArray();
            assertThat(loops).isNotEmpty();
            ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
            long before;
            long after;
            try {
                before = sum(threads.getThreadAllocatedBytes(loops));
                for (int n = 0; n < GETS / BATCH; n++) {
                    c.sendRaw(gets);
                    List<Response> r = c.receive(BATCH);
                    assertThat(r).hasSize(BATCH);
                    assertThat(r.get(BATCH - 1).status()).isZero();
                }
                after = sum(threads.getThreadAllocatedBytes(loops));
            } finally {
                ResourceLeakDetector.setLevel(level);
            }
            double perGet = (after - before) / (double) GETS;
            System.out.printf("ALLOC %s: %.1f bytes per get on the event loop%n", mode, perGet);
            assertThat(perGet).as("bytes allocated per get, %s mode", mode).isLessThan(CEILING_BYTES_PER_GET);
        }
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }
}
