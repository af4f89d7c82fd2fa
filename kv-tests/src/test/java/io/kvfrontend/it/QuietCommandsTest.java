package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Quiet opcodes (mcbp-protocol.md 3.5): Getq/GetKQ/GATQ/GetqMeta suppress misses, the quiet
 * mutations suppress success, errors are always sent, and a trailing Noop (always answered) shows
 * where the batch ends; responses come in request order.
 */
class QuietCommandsTest {
    private static ModeServers servers;

    @BeforeAll
    static void startServers() {
        servers = ModeServers.start();
    }

    @AfterAll
    static void stopServers() {
        servers.close();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aQuietBatchAnswersOnlyHitsAndErrorsInRequestOrder(OutputMode mode) {
        String p = mode + "-";
        try (McbpClient c = servers.get(mode).client()) {
            mustSet(c, p + "hit", "v");
            mustSet(c, p + "num", "10");
            mustSet(c, p + "text", "abc");
            mustSet(c, p + "del", "x");
            mustSet(c, p + "app", "m");
            mustSet(c, p + "rep", "r");

            Pipelined batch = new Pipelined()
                    .add(keyed(GETQ, p + "miss").opaque(1))
                    .add(keyed(GETQ, p + "hit").opaque(2))
                    .add(keyed(GETKQ, p + "miss").opaque(3))
                    .add(keyed(GETKQ, p + "hit").opaque(4))
                    .add(store(SETQ, p + "new", "n", 0, 0).opaque(5))
                    .add(store(ADDQ, p + "hit", "a", 0, 0).opaque(6))
                    .add(store(ADDQ, p + "added", "a", 0, 0).opaque(7))
                    .add(store(REPLACEQ, p + "miss", "r", 0, 0).opaque(8))
                    .add(store(REPLACEQ, p + "rep", "R", 0, 0).opaque(9))
                    .add(keyed(DELETEQ, p + "del").opaque(10))
                    .add(keyed(DELETEQ, p + "del").opaque(11))
                    .add(arithmetic(INCREMENTQ, p + "num", 5, 0, 0).opaque(12))
                    .add(arithmetic(INCREMENTQ, p + "text", 1, 0, 0).opaque(13))
                    .add(arithmetic(DECREMENTQ, p + "num", 3, 0, 0).opaque(14))
                    .add(concat(APPENDQ, p + "app", "z").opaque(15))
                    .add(concat(APPENDQ, p + "miss", "z").opaque(16))
                    .add(concat(PREPENDQ, p + "app", "a").opaque(17))
                    .add(concat(PREPENDQ, p + "miss", "a").opaque(18))
                    // A validation error (Setq without its 8 bytes of extras) is sent too.
                    .add(Frames.request(SETQ)
                            .key(p + "bad")
                            .extras(Frames.int32(0))
                            .value("v")
                            .opaque(19))
                    .add(withExpiry(GATQ, p + "miss", 0).opaque(20))
                    .add(withExpiry(GATQ, p + "hit", 0).opaque(21))
                    .add(keyed(GETQ_META, p + "miss").opaque(22))
                    .add(keyed(GETQ_META, p + "hit").opaque(23))
                    .add(arithmetic(INCREMENTQ, p + "created", 1, 42, 0).opaque(24))
                    .add(arithmetic(DECREMENTQ, p + "nocreate", 1, 42, NO_CREATE)
                            .opaque(25))
                    .add(noop().opaque(26));

            List<Response> rs = batch.exchange(c, 13);

            assertThat(rs)
                    .extracting(Response::opaque, Response::opcode, Response::status)
                    .containsExactly(
                            tuple(2, GETQ, SUCCESS),
                            tuple(4, GETKQ, SUCCESS),
                            tuple(6, ADDQ, KEY_EEXISTS),
                            tuple(8, REPLACEQ, KEY_ENOENT),
                            tuple(11, DELETEQ, KEY_ENOENT),
                            tuple(13, INCREMENTQ, DELTA_BADVAL),
                            tuple(16, APPENDQ, NOT_STORED),
                            tuple(18, PREPENDQ, NOT_STORED),
                            tuple(19, SETQ, EINVAL),
                            tuple(21, GATQ, SUCCESS),
                            tuple(23, GETQ_META, SUCCESS),
                            tuple(25, DECREMENTQ, KEY_ENOENT),
                            tuple(26, NOOP, SUCCESS));
            assertThat(rs.get(0).valueString()).isEqualTo("v");
            assertThat(rs.get(0).key()).isEmpty();
            assertThat(rs.get(1).keyString()).isEqualTo(p + "hit");
            assertThat(rs.get(1).valueString()).isEqualTo("v");
            assertThat(rs.get(9).valueString()).isEqualTo("v");
            assertThat(rs.get(10).extras()).hasSize(20);

            // The suppressed successes did happen.
            assertThat(c.call(get(p + "new")).valueString()).isEqualTo("n");
            assertThat(c.call(get(p + "added")).valueString()).isEqualTo("a");
            assertThat(c.call(get(p + "rep")).valueString()).isEqualTo("R");
            assertThat(c.call(get(p + "del")).status()).isEqualTo(KEY_ENOENT);
            assertThat(c.call(get(p + "num")).valueString()).isEqualTo("12");
            assertThat(c.call(get(p + "app")).valueString()).isEqualTo("amz");
            assertThat(c.call(get(p + "created")).valueString()).isEqualTo("42");
            assertThat(c.call(get(p + "bad")).status()).isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void aBatchOfOnlySuppressedOutcomesAnswersOnlyTheNoop() {
        try (McbpClient c = servers.get(OutputMode.SPOOL).client()) {
            Pipelined batch = new Pipelined();
            for (int i = 0; i < 500; i++) {
                batch.add(store(SETQ, "silent-" + i, "v" + i, 0, 0).opaque(i));
                batch.add(keyed(GETQ, "silent-missing-" + i).opaque(i));
            }
            batch.add(noop().opaque(-1));
            List<Response> rs = batch.exchange(c, 1);
            assertThat(rs.get(0).opcode()).isEqualTo(NOOP);
            assertThat(rs.get(0).opaque()).isEqualTo(-1);
            assertThat(c.call(get("silent-499")).valueString()).isEqualTo("v499");
        }
    }

    @Test
    void aQuietSetWithAStaleCasIsAnswered() {
        try (McbpClient c = servers.get(OutputMode.SPOOL).client()) {
            long stale = mustSet(c, "quiet-cas", "1");
            mustSet(c, "quiet-cas", "2");
            c.send(store(SETQ, "quiet-cas", "3", 0, 0).cas(stale).opaque(1)).send(noop().opaque(2));
            assertThat(c.receive(2))
                    .extracting(Response::opaque, Response::status)
                    .containsExactly(tuple(1, KEY_EEXISTS), tuple(2, SUCCESS));
            assertThat(c.call(get("quiet-cas")).valueString()).isEqualTo("2");
        }
    }
}
