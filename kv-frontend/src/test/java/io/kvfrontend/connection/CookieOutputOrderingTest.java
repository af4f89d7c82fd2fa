package io.kvfrontend.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One ordering of all output per connection, under stress, on real event loops: several background
 * producers write through cookies of the same connection while the client's own commands are
 * answered on the loop. The client-side byte stream must decode to exactly the expected frames:
 * each producer's sequence complete and in order, the on-loop responses complete and in order,
 * nothing torn, lost or duplicated.
 */
class CookieOutputOrderingTest {
    private static final int STREAMS = 3;
    private static final int PRODUCERS = 4;
    private static final int FRAMES = 3000;
    private static final int VALUE = 100;
    private static final int NOOPS = 3000;

    private StreamCommand stream;

    @BeforeEach
    void setUp() {
        stream = new StreamCommand(6);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void producersAndOnLoopResponsesNeverInterleaveOutOfOrder(OutputMode mode) throws Exception {
        try (TestServer server =
                        TestServer.start(TestServer.config().outputMode(mode).build());
                McbpClient c = server.client()) {
            Connection conn = server.connectionOf(c);
            Map<Integer, StreamFrames> streams = new HashMap<>();
            for (int s = 0; s < STREAMS; s++) {
                int opaque = 1_000_000 + s;
                streams.put(opaque, new StreamFrames(opaque, VALUE));
            }
            // The client's own pipelined commands, answered on the event loop meanwhile.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < NOOPS; i += 100) {
                    ByteArrayOutputStream batch = new ByteArrayOutputStream();
                    for (int j = i; j < i + 100; j++) {
                        batch.writeBytes(Frames.request(0x0a).opaque(j).build());
                    }
                    c.sendRaw(batch.toByteArray());
                }
            });
            for (int opaque : streams.keySet()) {
                stream.startProducers(conn.newCookie(StreamCommand.OPCODE.code(), opaque), PRODUCERS, FRAMES, VALUE);
            }

            int nextNoop = 0;
            long expected = (long) STREAMS * PRODUCERS * FRAMES + NOOPS;
            for (long n = 0; n < expected; n++) {
                Response r = c.receive();
                StreamFrames s = streams.get(r.opaque());
                if (s != null) {
                    s.accept(r);
                } else {
                    assertThat(r.opcode()).isEqualTo(0x0a);
                    assertThat(r.status()).isZero();
                    assertThat(r.opaque())
                            .as("on-loop responses in request order")
                            .isEqualTo(nextNoop++);
                }
            }
            writer.get(10, TimeUnit.SECONDS);
            streams.values().forEach(s -> s.assertComplete(PRODUCERS, FRAMES));
            assertThat(nextNoop).isEqualTo(NOOPS);
            // Nothing more: a final Noop is the very next frame.
            assertThat(c.call(Frames.request(0x0a).opaque(-1)).opaque()).isEqualTo(-1);
            assertThat(server.server().context().outputMetrics().snapshot().offLoopWrites())
                    .isGreaterThanOrEqualTo((long) STREAMS * PRODUCERS * FRAMES);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void blockedCommandsWithManyProducersKeepEachProducersOrder(OutputMode mode) {
        try (TestServer server =
                        TestServer.start(TestServer.config().outputMode(mode).build(), List.of(stream.spec()));
                McbpClient c = server.client()) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int s = 0; s < STREAMS; s++) {
                batch.writeBytes(
                        StreamCommand.request(s, PRODUCERS, FRAMES, VALUE).build());
                batch.writeBytes(Frames.request(0x0a).opaque(100 + s).build());
            }
            c.sendRaw(batch.toByteArray());
            for (int s = 0; s < STREAMS; s++) {
                StreamFrames frames = new StreamFrames(s, VALUE);
                Response r;
                while (!frames.isFinal(r = c.receive())) {
                    frames.accept(r);
                }
                frames.assertComplete(PRODUCERS, FRAMES);
                assertThat(c.receive().opaque()).isEqualTo(100 + s);
            }
        }
    }
}
