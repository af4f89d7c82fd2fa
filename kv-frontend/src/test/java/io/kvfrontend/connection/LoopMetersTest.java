package io.kvfrontend.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The loop-health meters exist in each output mode and move by what a stream does: loop turns and
 * their task phases, busy time per phase, output bytes per turn, quantum exhaustions and the
 * scheduling delay of connections waiting for their slice.
 */
class LoopMetersTest {
    private static final int FRAMES = 400;
    private static final int VALUE = 16 * 1024;

    private StreamCommand stream;

    @BeforeEach
    void setUp() {
        stream = new StreamCommand(2);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void loopAndOutputMetersMoveWithAStream(OutputMode mode) {
        MeterRegistry registry = new SimpleMeterRegistry();
        String m = mode.configName();
        try (TestServer server = TestServer.start(
                        TestServer.config()
                                .outputMode(mode)
                                .eventLoopThreads(1)
                                .outputQuantum(16 * 1024)
                                .build(),
                        registry,
                        List.of(stream.spec()));
                McbpClient c = server.client()) {
            Timer turns = registry.get("kv.eventloop.turn").tag("loop", "0").timer();
            Timer tasks = registry.get("kv.eventloop.tasks").tag("loop", "0").timer();
            FunctionCounter outputBusy = registry.get("kv.eventloop.busy")
                    .tag("loop", "0")
                    .tag("phase", "output")
                    .functionCounter();
            FunctionCounter ioBusy =
                    registry.get("kv.eventloop.busy").tag("phase", "io").functionCounter();
            FunctionCounter exhausted =
                    registry.get("kv.output.quantum.exhausted").tag("mode", m).functionCounter();
            Timer delay =
                    registry.get("kv.output.schedule.delay").tag("mode", m).timer();
            var turnBytes = registry.get("kv.output.turn.bytes").tag("mode", m).summary();
            long turns0 = turns.count();
            double output0 = outputBusy.count();
            double io0 = ioBusy.count();

            c.send(StreamCommand.request(3, 2, FRAMES, VALUE));
            StreamFrames frames = new StreamFrames(3, VALUE);
            Response r;
            while (!frames.isFinal(r = c.receive())) {
                frames.accept(r);
            }
            frames.assertComplete(2, FRAMES);

            assertThat(turns.count()).isGreaterThan(turns0);
            assertThat(tasks.count()).isPositive();
            assertThat(turns.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(outputBusy.count()).isGreaterThan(output0);
            assertThat(ioBusy.count()).isGreaterThan(io0);
            assertThat(exhausted.count()).as("13 MB through 16 KiB quanta").isPositive();
            assertThat(delay.count()).isPositive();
            assertThat(turnBytes.count()).isPositive();
            assertThat(turnBytes.totalAmount()).isGreaterThanOrEqualTo((double) FRAMES * 2 * VALUE);
            assertThat(turnBytes.max())
                    .as("a turn moves one quantum, plus at most one frame")
                    .isLessThanOrEqualTo(16 * 1024 + VALUE + 24);
        }
    }
}
