package io.kvfrontend.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The would-block path on real event loops: a blocked command's output and final status come
 * before the responses of the commands pipelined behind it, which wait.
 */
class WouldBlockTest {
    private StreamCommand stream;

    @BeforeEach
    void setUp() {
        stream = new StreamCommand(4);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void blockedCommandsOutputAndFinalStatusPrecedeThePipelinedCommandsBehindIt(OutputMode mode) {
        try (TestServer server =
                        TestServer.start(TestServer.config().outputMode(mode).build(), List.of(stream.spec()));
                McbpClient c = server.client()) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            batch.writeBytes(Frames.request(0x01)
                    .key("k")
                    .extras(Frames.storeExtras(0, 0))
                    .value("v")
                    .opaque(10)
                    .build());
            batch.writeBytes(StreamCommand.request(11, 3, 500, 64).build());
            batch.writeBytes(Frames.request(0x0a).opaque(12).build());
            batch.writeBytes(Frames.request(0x00).key("k").opaque(13).build());
            batch.writeBytes(StreamCommand.request(14, 2, 300, 32).build());
            batch.writeBytes(Frames.request(0x0a).opaque(15).build());
            c.sendRaw(batch.toByteArray());

            assertThat(c.receive().opaque()).isEqualTo(10);
            StreamFrames first = new StreamFrames(11, 64);
            Response r;
            while (!first.isFinal(r = c.receive())) {
                first.accept(r);
            }
            first.assertComplete(3, 500);
            assertThat(r.valueString()).isEqualTo("done:1500");

            Response noop = c.receive();
            assertThat(noop.opaque()).isEqualTo(12);
            Response get = c.receive();
            assertThat(get.opaque()).isEqualTo(13);
            assertThat(get.valueString()).isEqualTo("v");

            StreamFrames second = new StreamFrames(14, 32);
            while (!second.isFinal(r = c.receive())) {
                second.accept(r);
            }
            second.assertComplete(2, 300);
            assertThat(c.receive().opaque()).isEqualTo(15);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aConnectionKeepsServingAfterManyBlockedCommands(OutputMode mode) {
        try (TestServer server =
                        TestServer.start(TestServer.config().outputMode(mode).build(), List.of(stream.spec()));
                McbpClient c = server.client()) {
            for (int i = 0; i < 50; i++) {
                c.send(StreamCommand.request(i, 1, 10, 16));
                StreamFrames s = new StreamFrames(i, 16);
                Response r;
                while (!s.isFinal(r = c.receive())) {
                    s.accept(r);
                }
                s.assertComplete(1, 10);
            }
            assertThat(c.call(Frames.request(0x0a).opaque(99)).status()).isZero();
        }
    }
}
