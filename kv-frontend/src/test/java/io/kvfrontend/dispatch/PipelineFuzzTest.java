package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvfrontend.auth.BucketAccess;
import io.kvfrontend.auth.User;
import io.kvfrontend.auth.UserStore;
import io.kvfrontend.codec.McbpFrameDecoder;
import io.kvfrontend.codec.McbpRequest;
import io.kvfrontend.connection.CommandRunner;
import io.kvfrontend.protocol.Opcode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the request path: arbitrary bytes through the real frame decoder (both
 * magics, frame infos, every length field), then every decoded request through the real validators
 * and executors of every opcode, on a {@link TestSession} that is logged in as an administrator
 * with a bucket selected and the features the input chooses. No executor may throw (the runner
 * would answer Einternal), every request but STAT gets at most one answer, and Netty's leak detector
 * (PARANOID in tests) must stay silent.
 *
 * <p>Regression mode (every build) replays {@code PipelineFuzzTestInputs/}; {@code
 * kv-tests/scripts/fuzz.sh} fuzzes.
 */
class PipelineFuzzTest {
    private static TestServices fixture;

    @BeforeAll
    static void setUp() {
        fixture = new TestServices(UserStore.builder()
                .iterations(64)
                .addUser(new User("Administrator", true, BucketAccess.all()), "password")
                .build());
    }

    @AfterAll
    static void tearDown() {
        fixture.close();
    }

    /** Range scans block on the engine's background threads: they need a real connection. */
    private static boolean blocks(int opcode) {
        return opcode == Opcode.RANGE_SCAN_CREATE.code()
                || opcode == Opcode.RANGE_SCAN_CONTINUE.code()
                || opcode == Opcode.RANGE_SCAN_CANCEL.code();
    }

    @FuzzTest(maxDuration = "10s")
    void anyBytesThroughTheDecoderAndEveryExecutor(FuzzedDataProvider data) {
        TestSession session = fixture.session();
        CommandRunner runner = fixture.runnerFor(session);
        session.authenticated(new User("Administrator", true, BucketAccess.all()));
        session.bucket(fixture.engine.bucket("default"));
        session.features(data.consumeLong());
        EmbeddedChannel channel = new EmbeddedChannel(new McbpFrameDecoder(64 * 1024, (ctx, e, d) -> {}));
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(data.consumeRemainingAsBytes()));
            Object frame;
            while ((frame = channel.readInbound()) != null) {
                McbpRequest request = (McbpRequest) frame;
                try {
                    if (session.isClosing() || blocks(request.opcode())) {
                        continue;
                    }
                    runner.run(request, null, System.nanoTime());
                    List<io.kvfrontend.testsupport.Response> answers = session.takeResponses();
                    if (request.opcode() != Opcode.STAT.code()) {
                        assertThat(answers.size()).as("answers to %s", request).isLessThanOrEqualTo(1);
                    }
                    for (io.kvfrontend.testsupport.Response r : answers) {
                        // The runner turns an executor's exception into Einternal: a crash.
                        assertThat(r.status()).as("status for %s", request).isNotEqualTo(0x84);
                    }
                } finally {
                    request.release();
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
