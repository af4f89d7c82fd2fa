package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import java.io.EOFException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Quit answers and closes, QuitQ closes silently; nothing pipelined after either runs (mcbp-protocol.md 4.2). */
class QuitTest {
    private static ModeServers servers;

    @BeforeAll
    static void startServers() {
        servers = ModeServers.start();
    }

    @AfterAll
    static void stopServers() {
        servers.close();
    }

    /** The server closed the connection: the next read finds the end of the stream (or a reset). */
    private static void assertClosedWithNothingMore(McbpClient c) {
        assertThatThrownBy(c::receive)
                .as("no further response, then end of stream")
                .isInstanceOf(UncheckedIOException.class)
                .cause()
                .isInstanceOfAny(EOFException.class, SocketException.class);
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void quitAnswersSuccessThenCloses(OutputMode mode) {
        try (McbpClient c = servers.get(mode).client()) {
            Response r = c.call(Frames.request(QUIT).opaque(77));
            assertThat(r.opcode()).isEqualTo(QUIT);
            assertThat(r.status()).isEqualTo(SUCCESS);
            assertThat(r.opaque()).isEqualTo(77);
            assertClosedWithNothingMore(c);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void quitqClosesWithoutAnswering(OutputMode mode) {
        try (McbpClient c = servers.get(mode).client()) {
            c.send(Frames.request(QUITQ).opaque(78));
            assertClosedWithNothingMore(c);
        }
    }

    @Test
    void requestsPipelinedAfterQuitAreNeitherAnsweredNorExecuted() {
        try (McbpClient c = servers.get(OutputMode.SPOOL).client()) {
            byte[] batch = new Pipelined()
                    .add(set("quit-before", "v").opaque(1))
                    .add(Frames.request(QUIT).opaque(2))
                    .add(set("quit-after", "v").opaque(3))
                    .add(get("quit-before").opaque(4))
                    .add(noop().opaque(5))
                    .bytes();
            c.sendRaw(batch);
            assertThat(c.receive())
                    .extracting(Response::opaque, Response::status)
                    .containsExactly(1, SUCCESS);
            assertThat(c.receive())
                    .extracting(Response::opaque, Response::opcode)
                    .containsExactly(2, QUIT);
            assertClosedWithNothingMore(c);
        }
        try (McbpClient check = servers.get(OutputMode.SPOOL).client()) {
            assertThat(check.call(get("quit-before")).status()).isEqualTo(SUCCESS);
            assertThat(check.call(get("quit-after")).status())
                    .as("the set after Quit never ran")
                    .isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void requestsPipelinedAfterQuitqAreNeitherAnsweredNorExecuted() {
        try (McbpClient c = servers.get(OutputMode.SPOOL).client()) {
            c.sendRaw(new Pipelined()
                    .add(Frames.request(QUITQ).opaque(1))
                    .add(set("quitq-after", "v").opaque(2))
                    .add(noop().opaque(3))
                    .bytes());
            assertClosedWithNothingMore(c);
        }
        try (McbpClient check = servers.get(OutputMode.SPOOL).client()) {
            assertThat(check.call(get("quitq-after")).status()).isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void quitWithAKeyIsEinvalAndKeepsTheConnectionOpen() {
        try (McbpClient c = servers.get(OutputMode.SPOOL).client()) {
            assertThat(c.call(Frames.request(QUIT).key("k")).status()).isEqualTo(EINVAL);
            assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
        }
    }
}
