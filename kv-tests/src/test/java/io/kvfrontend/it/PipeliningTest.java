package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One client, many requests in one write (mcbp-protocol.md 1.7): a connection executes in arrival
 * order, so responses come back in request order, each with its request's opaque.
 */
class PipeliningTest {
    private static ModeServers servers;

    @BeforeAll
    static void startServers() {
        servers = ModeServers.start();
    }

    @AfterAll
    static void stopServers() {
        servers.close();
    }

    /** What the response to one request must be. */
    private record Expected(int opaque, int opcode, int status, String value) {}

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void tenThousandMixedRequestsInOneWriteAreAnsweredInOrder(OutputMode mode) {
        int n = 10_000;
        String p = "pipe-" + mode + "-";
        Pipelined batch = new Pipelined();
        List<Expected> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int opaque = 1_000_000 + i;
            switch (i % 6) {
                case 0 -> {
                    batch.add(set(p + i, "v" + i).opaque(opaque));
                    expected.add(new Expected(opaque, SET, SUCCESS, ""));
                }
                case 1 -> { // reads the key the previous request set
                    batch.add(get(p + (i - 1)).opaque(opaque));
                    expected.add(new Expected(opaque, GET, SUCCESS, "v" + (i - 1)));
                }
                case 2 -> batch.add(store(SETQ, p + i, "q" + i, 0, 0).opaque(opaque)); // success: silent
                case 3 -> { // reads the key the quiet set stored
                    batch.add(keyed(GETQ, p + (i - 1)).opaque(opaque));
                    expected.add(new Expected(opaque, GETQ, SUCCESS, "q" + (i - 1)));
                }
                case 4 -> batch.add(keyed(GETQ, p + "missing-" + i).opaque(opaque)); // miss: silent
                default -> {
                    batch.add(noop().opaque(opaque));
                    expected.add(new Expected(opaque, NOOP, SUCCESS, ""));
                }
            }
        }
        try (McbpClient c = servers.get(mode).client()) {
            List<Response> rs = batch.exchange(c, expected.size());
            for (int i = 0; i < expected.size(); i++) {
                Response r = rs.get(i);
                Expected e = expected.get(i);
                assertThat(new Expected(r.opaque(), r.opcode(), r.status(), r.valueString()))
                        .as("response %d", i)
                        .isEqualTo(e);
            }
            // Nothing more was sent: the next response is the one to this Noop.
            assertThat(c.call(noop().opaque(-7)).opaque()).isEqualTo(-7);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aDeepPipelineOfSmallGetsCompletes(OutputMode mode) {
        int n = 100_000;
        // At PARANOID, Netty records a stack trace on every access to every buffer, which makes 100k
        // requests take about 20 s on two cores. This test is about pipeline depth and order, so for its
        // duration leaks are sampled as in production (SIMPLE); the same Get path runs at PARANOID in
        // every other test, including the 10,000-request pipeline above.
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        try (McbpClient c = servers.get(mode).client()) {
            mustSet(c, "deep", "x");
            Pipelined batch = new Pipelined();
            for (int i = 0; i < n; i++) {
                batch.add(get("deep").opaque(i));
            }
            List<Response> rs = batch.exchange(c, n);
            assertThat(rs)
                    .extracting(Response::opaque)
                    .isEqualTo(IntStream.range(0, n).boxed().toList());
            assertThat(rs).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(SUCCESS);
                assertThat(r.valueString()).isEqualTo("x");
            });
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void largeValuesPipelinedToAReaderThatFallsBehindArriveByteForByte(OutputMode mode) {
        // 400 responses of 256 KiB (100 MiB) against a 1 MiB output high-water mark: the server must stop
        // and restart reading as the client falls behind, and every byte must still arrive in order
        // (seed-lessons.md 000).
        int keys = 4;
        int gets = 400;
        byte[][] values = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            values[k] = new byte[256 * 1024];
            for (int i = 0; i < values[k].length; i++) {
                values[k][i] = (byte) (i * 31 + k * 7 + (i >>> 8));
            }
        }
        String p = "large-" + mode + "-";
        try (McbpClient c = servers.get(mode).client()) {
            for (int k = 0; k < keys; k++) {
                assertThat(c.call(Frames.request(SET)
                                        .key(p + k)
                                        .extras(Frames.storeExtras(k, 0))
                                        .value(values[k]))
                                .status())
                        .isEqualTo(SUCCESS);
            }
            Pipelined batch = new Pipelined();
            for (int i = 0; i < gets; i++) {
                batch.add(get(p + (i % keys)).opaque(i));
            }
            batch.exchange(c, gets, (i, r) -> {
                assertThat(r.opaque()).isEqualTo(i);
                assertThat(r.status()).isEqualTo(SUCCESS);
                assertThat(r.extrasInt(0)).isEqualTo(i % keys);
                assertThat(r.value()).as("value of response %d", i).isEqualTo(values[i % keys]);
            });
            assertThat(c.call(noop().opaque(-1)).opaque()).isEqualTo(-1);
        }
    }
}
