package io.kvfrontend.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Opcode;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link CommandMetrics} on its own: slots, tags, registration once, allocation, quantiles. */
class CommandMetricsTest {

    @Test
    void servedOpcodesShowTheirSuccessCounterAtBindingAndOtherCellsWhenTheyFirstCount() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CommandMetrics m = new CommandMetrics(EnumSet.of(Opcode.GET, Opcode.SET));
        m.bindTo(registry);
        assertThat(registry.find("kv.commands").functionCounters()).hasSize(2);
        assertThat(registry.get("kv.commands")
                        .tags("opcode", "get", "status", "success")
                        .functionCounter()
                        .count())
                .isZero();
        assertThat(registry.find("kv.command.duration").timers()).isEmpty();

        m.record(Opcode.GET.code(), Status.KEY_ENOENT, 1_000);
        m.record(Opcode.GET.code(), Status.KEY_ENOENT, 1_000);
        m.record(0x77, Status.UNKNOWN_COMMAND, 1_000);
        m.record(Opcode.QUITQ.code(), null, 1_000);

        assertThat(registry.get("kv.commands")
                        .tags("opcode", "get", "status", "key_enoent")
                        .functionCounter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("kv.commands")
                        .tags("opcode", "unknown", "status", "unknown_command")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("kv.commands")
                        .tags("opcode", "quitq", "status", "success")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.find("kv.commands").functionCounters()).hasSize(5);
        assertThat(registry.get("kv.command.duration")
                        .tag("opcode", "get")
                        .timer()
                        .count())
                .isEqualTo(2);
        assertThat(registry.find("kv.command.duration").timers()).hasSize(3);
        assertThat(m.count(Opcode.GET, Status.KEY_ENOENT)).isEqualTo(2);
        assertThat(m.unknownCount(Status.UNKNOWN_COMMAND)).isEqualTo(1);
    }

    @Test
    void everyUnknownWireOpcodeSharesOneSlot() {
        CommandMetrics m = new CommandMetrics(Set.of());
        int unknown = 0;
        for (int code = 0; code < 256; code++) {
            if (Opcode.of(code) == null) {
                m.record(code, Status.UNKNOWN_COMMAND, 10);
                unknown++;
            }
        }
        assertThat(m.unknownCount(Status.UNKNOWN_COMMAND)).isEqualTo(unknown);
        Map<String, Long> seen = new HashMap<>();
        m.forEachCount((op, status, n) -> seen.put(op + ":" + status, n));
        assertThat(seen).containsExactly(Map.entry("unknown:unknown_command", (long) unknown));
    }

    @Test
    void commandsRecordedBeforeBindingAreCountedAndExportedOnceBound() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CommandMetrics m = new CommandMetrics(Set.of());
        m.record(Opcode.SET.code(), Status.SUCCESS, 10);
        m.bindTo(registry);
        m.record(Opcode.SET.code(), Status.SUCCESS, 10);
        assertThat(registry.get("kv.commands")
                        .tags("opcode", "set", "status", "success")
                        .functionCounter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("kv.command.duration")
                        .tag("opcode", "set")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    /**
     * Once an opcode's series exist, recording allocates nothing: measured with the JVM's per-thread
     * allocation counter over many records (a few bytes of slack for the counter's own reads).
     */
    @Test
    void recordingAllocatesNothingOnceTheSeriesExist() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled())
                .as("HotSpot's per-thread allocation counter")
                .isTrue();
        CommandMetrics m = new CommandMetrics(EnumSet.of(Opcode.GET));
        m.bindTo(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        for (int i = 0; i < 200_000; i++) {
            m.record(Opcode.GET.code(), (i & 7) == 0 ? Status.KEY_ENOENT : Status.SUCCESS, 1_000 + i);
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 200_000; i++) {
            m.record(Opcode.GET.code(), (i & 7) == 0 ? Status.KEY_ENOENT : Status.SUCCESS, 1_000 + i);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(allocated).as("bytes allocated by 200,000 records").isLessThan(1024);
    }

    @Test
    void quantilesInterpolateWithinBucketsAndNeverExceedTheMax() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Timer t = Timer.builder("t")
                .serviceLevelObjectives(CommandMetrics.BUCKETS)
                .register(registry);
        assertThat(CommandMetrics.quantileMicros(t.takeSnapshot(), 0.5)).isNaN();
        // 100 values in (50, 100] us: the median is interpolated at the bucket's middle.
        for (int i = 0; i < 100; i++) {
            t.record(Duration.ofNanos(60_000 + i * 400));
        }
        assertThat(CommandMetrics.quantileMicros(t.takeSnapshot(), 0.5)).isEqualTo(75.0);
        assertThat(CommandMetrics.quantileMicros(t.takeSnapshot(), 0.99))
                .isCloseTo(99.5, org.assertj.core.data.Offset.offset(1e-9));
        // One value of 11 ms lands in (10, 25] ms, but the quantile never passes the max seen.
        Timer one = Timer.builder("one")
                .serviceLevelObjectives(CommandMetrics.BUCKETS)
                .register(registry);
        one.record(11, TimeUnit.MILLISECONDS);
        assertThat(CommandMetrics.quantileMicros(one.takeSnapshot(), 0.5)).isEqualTo(11_000.0);
    }
}
