package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Well-framed but invalid requests over a real socket (mcbp-protocol.md 4.1, 2.2, 3.1-3.3, 3.5):
 * every rule of {@code Dispatcher.checkShape} / {@code decodeKey} and the per-opcode specs of
 * {@link CommandTable} is answered with its status, the request's opcode and opaque, and no body;
 * the connection stays open and answers the next request. The client does not negotiate anything
 * (no HELLO), as a plain memcached client.
 */
class ValidationTest {
    private static final int SUCCESS = 0x00;
    private static final int KEY_ENOENT = 0x01;
    private static final int EINVAL = 0x04;
    private static final int NOT_MY_VBUCKET = 0x07;
    private static final int UNKNOWN_FRAME_INFO = 0x80;
    private static final int UNKNOWN_COMMAND = 0x81;
    private static final int NOT_SUPPORTED = 0x83;

    private static final int GET = 0x00;
    private static final int SET = 0x01;
    private static final int ADD = 0x02;
    private static final int REPLACE = 0x03;
    private static final int DELETE = 0x04;
    private static final int INCREMENT = 0x05;
    private static final int DECREMENT = 0x06;
    private static final int QUIT = 0x07;
    private static final int FLUSH = 0x08;
    private static final int GETQ = 0x09;
    private static final int NOOP = 0x0a;
    private static final int VERSION = 0x0b;
    private static final int GETK = 0x0c;
    private static final int APPEND = 0x0e;
    private static final int STAT = 0x10;
    private static final int SETQ = 0x11;
    private static final int DELETEQ = 0x14;
    private static final int VERBOSITY = 0x1b;
    private static final int TOUCH = 0x1c;
    private static final int GAT = 0x1d;
    private static final int GATQ = 0x1e;
    private static final int GET_EX = 0x49;
    private static final int GET_LOCKED = 0x94;
    private static final int UNLOCK_KEY = 0x95;
    private static final int GET_META = 0xa0;

    private static final int JSON = 0x01;
    private static final int SNAPPY = 0x02;
    private static final int XATTR = 0x04;

    private static final AtomicInteger OPAQUES = new AtomicInteger(0x10000);
    private static TestServer server;
    private McbpClient client;

    @BeforeAll
    static void startServer() {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        client = server.client();
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    private static Frames req(int opcode) {
        return Frames.request(opcode);
    }

    private static String key(int length) {
        return "k".repeat(length);
    }

    private static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    private static Arguments bad(String name, Frames frame, int status) {
        return Arguments.of(name, frame, status);
    }

    static Stream<Arguments> invalidRequests() {
        byte[] store = Frames.storeExtras(0, 0);
        byte[] arith = Frames.arithmeticExtras(1, 0, 0);
        byte[] four = Frames.int32(0);
        return Stream.of(
                // Extras lengths (CommandSpec.extras).
                bad("Get with 4 bytes of extras", req(GET).key("k").extras(four), EINVAL),
                bad("Set without extras", req(SET).key("k").value("v"), EINVAL),
                bad("Set with 4 bytes of extras", req(SET).key("k").extras(four).value("v"), EINVAL),
                bad("Add with 12 bytes of extras", req(ADD).key("k").extras(new byte[12]), EINVAL),
                bad("Increment with 8 bytes of extras", req(INCREMENT).key("k").extras(new byte[8]), EINVAL),
                bad("Decrement without extras", req(DECREMENT).key("k"), EINVAL),
                bad("Touch without extras", req(TOUCH).key("k"), EINVAL),
                bad("GAT with 8 bytes of extras", req(GAT).key("k").extras(new byte[8]), EINVAL),
                bad("GetLocked with 8 bytes of extras", req(GET_LOCKED).key("k").extras(new byte[8]), EINVAL),
                bad("GetMeta with 2 bytes of extras", req(GET_META).key("k").extras(new byte[2]), EINVAL),
                bad("Delete with extras", req(DELETE).key("k").extras(four), EINVAL),
                bad("Append with extras", req(APPEND).key("k").extras(store).value("v"), EINVAL),
                bad("Verbosity without extras", req(VERBOSITY), EINVAL),
                bad("Noop with extras", req(NOOP).extras(four), EINVAL),
                bad("Stat with extras", req(STAT).extras(four), EINVAL),
                bad("Flush with 8 bytes of extras", req(FLUSH).extras(new byte[8]), EINVAL),

                // Key presence.
                bad("Get without key", req(GET), EINVAL),
                bad("GetK without key", req(GETK), EINVAL),
                bad("Set without key", req(SET).extras(store).value("v"), EINVAL),
                bad("Delete without key", req(DELETE), EINVAL),
                bad("Increment without key", req(INCREMENT).extras(arith), EINVAL),
                bad("Touch without key", req(TOUCH).extras(four), EINVAL),
                bad("UnlockKey without key", req(UNLOCK_KEY).cas(1), EINVAL),
                bad("GetMeta without key", req(GET_META), EINVAL),
                bad("Noop with key", req(NOOP).key("k"), EINVAL),
                bad("Version with key", req(VERSION).key("k"), EINVAL),
                bad("Verbosity with key", req(VERBOSITY).extras(four).key("k"), EINVAL),
                bad("Flush with key", req(FLUSH).key("k"), EINVAL),
                bad("Quit with key (so it does not quit)", req(QUIT).key("k"), EINVAL),

                // Value presence.
                bad("Get with value", req(GET).key("k").value("v"), EINVAL),
                bad("Delete with value", req(DELETE).key("k").value("v"), EINVAL),
                bad(
                        "Increment with value",
                        req(INCREMENT).key("k").extras(arith).value("1"),
                        EINVAL),
                bad("Touch with value", req(TOUCH).key("k").extras(four).value("v"), EINVAL),
                bad("GetLocked with value", req(GET_LOCKED).key("k").value("v"), EINVAL),
                bad("Noop with value", req(NOOP).value("v"), EINVAL),
                bad("Version with value", req(VERSION).value("v"), EINVAL),

                // CAS must be 0 / must be set.
                bad("Get with CAS", req(GET).key("k").cas(1), EINVAL),
                bad("Add with CAS", req(ADD).key("k").extras(store).value("v").cas(5), EINVAL),
                bad("Increment with CAS", req(INCREMENT).key("k").extras(arith).cas(1), EINVAL),
                bad("Touch with CAS", req(TOUCH).key("k").extras(four).cas(1), EINVAL),
                bad("GAT with CAS", req(GAT).key("k").extras(four).cas(-1L), EINVAL),
                bad("GetLocked with CAS", req(GET_LOCKED).key("k").cas(1), EINVAL),
                bad("GetMeta with CAS", req(GET_META).key("k").cas(1), EINVAL),
                bad("Noop with CAS", req(NOOP).cas(1), EINVAL),
                bad("Stat with CAS", req(STAT).cas(1), EINVAL),
                bad("UnlockKey with CAS 0", req(UNLOCK_KEY).key("k"), EINVAL),

                // Datatype bits.
                bad(
                        "Set with datatype bit 0x08",
                        req(SET).key("k").extras(store).value("v").datatype(0x08),
                        EINVAL),
                bad(
                        "Set with datatype 0xff",
                        req(SET).key("k").extras(store).value("v").datatype(0xff),
                        EINVAL),
                bad("Get with datatype 0x80", req(GET).key("k").datatype(0x80), EINVAL),
                bad("Get with JSON datatype (must be raw)", req(GET).key("k").datatype(JSON), EINVAL),
                bad("Noop with JSON datatype", req(NOOP).datatype(JSON), EINVAL),
                bad("Stat with JSON datatype", req(STAT).datatype(JSON), EINVAL),
                bad(
                        "Set JSON without HELLO JSON",
                        req(SET).key("k").extras(store).value("{}").datatype(JSON),
                        EINVAL),
                bad(
                        "Append JSON without HELLO JSON",
                        req(APPEND).key("k").value("1").datatype(JSON),
                        EINVAL),
                bad(
                        "Set Snappy without HELLO Snappy",
                        req(SET).key("k").extras(store).value("v").datatype(SNAPPY),
                        EINVAL),
                bad(
                        "Set Xattr (never accepted)",
                        req(SET).key("k").extras(store).value("v").datatype(XATTR),
                        EINVAL),
                bad(
                        "Replace JSON|Snappy",
                        req(REPLACE).key("k").extras(store).value("v").datatype(JSON | SNAPPY),
                        EINVAL),

                // Key length.
                bad("Get with a 251-byte key", req(GET).key(key(251)), EINVAL),
                bad(
                        "Set with a 251-byte key",
                        req(SET).key(key(251)).extras(store).value("v"),
                        EINVAL),
                bad("Delete with a 300-byte key", req(DELETE).key(key(300)), EINVAL),
                bad(
                        "Getq with a 251-byte key (errors are never quiet)",
                        req(GETQ).key(key(251)),
                        EINVAL),

                // Unknown and unsupported opcodes.
                bad("unknown opcode 0x30", req(0x30), UNKNOWN_COMMAND),
                bad(
                        "unknown opcode 0x50 with a body",
                        req(0x50).extras(four).key("k").value("v"),
                        UNKNOWN_COMMAND),
                bad("unknown opcode 0xff", req(0xff), UNKNOWN_COMMAND),
                bad(
                        "unknown opcode 0x3f in a flex frame with a bad frame info",
                        req(0x3f).flex(b(0x30)),
                        UNKNOWN_COMMAND),
                bad("GetEx (known, not supported)", req(GET_EX).key("k"), NOT_SUPPORTED),

                // Frame infos (0x08).
                bad("Get with unknown frame info 3", req(GET).key("k").flex(b(0x30)), UNKNOWN_FRAME_INFO),
                bad(
                        "Get with escaped unknown frame info 20",
                        req(GET).key("k").flex(b(0xf0, 0x05)),
                        UNKNOWN_FRAME_INFO),
                bad("Get with durability", req(GET).key("k").flex(b(0x11, 0x01)), EINVAL),
                bad("Getq with durability", req(GETQ).key("k").flex(b(0x11, 0x01)), EINVAL),
                bad("Noop with durability", req(NOOP).flex(b(0x11, 0x01)), EINVAL),
                bad(
                        "Setq with durability (quiet mutations have none)",
                        req(SETQ).key("k").extras(store).value("v").flex(b(0x11, 0x01)),
                        EINVAL),
                bad("GATQ with durability", req(GATQ).key("k").extras(four).flex(b(0x11, 0x01)), EINVAL),
                bad(
                        "Add with PreserveTtl",
                        req(ADD).key("k").extras(store).value("v").flex(b(0x50)),
                        NOT_SUPPORTED),
                bad("Deleteq with PreserveTtl", req(DELETEQ).key("k").flex(b(0x50)), NOT_SUPPORTED),
                bad("Touch with PreserveTtl", req(TOUCH).key("k").extras(four).flex(b(0x50)), NOT_SUPPORTED),
                bad(
                        "Set with a frame info running past the end",
                        req(SET).key("k").extras(store).value("v").flex(b(0x13, 0x01)),
                        EINVAL),
                bad(
                        "Set with an empty barrier followed by a barrier with data",
                        req(SET).key("k").extras(store).value("v").flex(b(0x00, 0x01, 0x00)),
                        EINVAL),
                bad(
                        "Set with DcpStreamId",
                        req(SET).key("k").extras(store).value("v").flex(b(0x22, 0, 1)),
                        NOT_SUPPORTED),
                bad("Get with Impersonate", req(GET).key("k").flex(b(0x41, 'u')), NOT_SUPPORTED),

                // vBuckets (the default bucket has 1024).
                bad("Get on vBucket 1024", req(GET).key("k").vbucket(1024), NOT_MY_VBUCKET),
                bad(
                        "Set on vBucket 0xffff",
                        req(SET).key("k").extras(store).value("v").vbucket(0xffff),
                        NOT_MY_VBUCKET),
                bad("Delete on vBucket 4096", req(DELETE).key("k").vbucket(4096), NOT_MY_VBUCKET),
                bad(
                        "Getq on vBucket 1024 (not a miss, so answered)",
                        req(GETQ).key("k").vbucket(1024),
                        NOT_MY_VBUCKET));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void answersAnInvalidRequestWithItsStatusAndOpaqueAndKeepsTheConnection(String name, Frames frame, int status) {
        int opaque = OPAQUES.incrementAndGet();
        byte[] bytes = frame.opaque(opaque).build();
        client.sendRaw(bytes);
        Response r = client.receive();
        assertThat(r.magic()).as("magic").isEqualTo(0x81);
        assertThat(r.opcode()).as("opcode echoed").isEqualTo(bytes[1] & 0xff);
        assertThat(r.opaque()).as("opaque echoed").isEqualTo(opaque);
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        // No extended errors negotiated: an error has no extras, key or CAS, and no value, except
        // NotMyVbucket, which carries the bucket's cluster map (mcbp-protocol.md 9.3).
        assertThat(r.extras()).isEmpty();
        assertThat(r.key()).isEmpty();
        if (status == NOT_MY_VBUCKET) {
            assertThat(r.valueString()).startsWith("{\"rev\":").contains("\"vBucketServerMap\"");
        } else {
            assertThat(r.value()).isEmpty();
        }
        assertThat(r.cas()).isZero();
        assertStillAnswers();
    }

    /** A Noop with a fresh opaque is answered on the same connection. */
    private void assertStillAnswers() {
        int opaque = OPAQUES.incrementAndGet();
        Response noop = client.call(req(NOOP).opaque(opaque));
        assertThat(noop.opcode()).isEqualTo(NOOP);
        assertThat(noop.opaque()).isEqualTo(opaque);
        assertThat(noop.status()).isEqualTo(SUCCESS);
    }

    static Stream<Arguments> boundaryRequests() {
        byte[] store = Frames.storeExtras(0, 0);
        return Stream.of(
                Arguments.of("Get with a 250-byte key", req(GET).key(key(250)), KEY_ENOENT),
                Arguments.of("Get on vBucket 1023", req(GET).key("missing").vbucket(1023), KEY_ENOENT),
                Arguments.of(
                        "GetLocked with 4 bytes of extras",
                        req(GET_LOCKED).key("missing").extras(Frames.int32(5)),
                        KEY_ENOENT),
                Arguments.of(
                        "GetMeta with 1 byte of extras",
                        req(GET_META).key("missing").extras((byte) 2),
                        KEY_ENOENT),
                Arguments.of(
                        "Set with durability and PreserveTtl",
                        req(SET).key("fi").extras(store).value("v").flex(b(0x13, 0x01, 0x00, 0x10, 0x50)),
                        SUCCESS),
                Arguments.of(
                        "Set with a barrier",
                        req(SET).key("fi").extras(store).value("v").flex(b(0x00)),
                        SUCCESS),
                Arguments.of("Delete with CAS 0 and a 250-byte key", req(DELETE).key(key(250)), KEY_ENOENT),
                Arguments.of(
                        "Noop on vBucket 5000 (not a document command)",
                        req(NOOP).vbucket(5000),
                        SUCCESS),
                Arguments.of("Verbosity with 4 bytes of extras", req(VERBOSITY).extras(Frames.int32(1)), SUCCESS),
                Arguments.of("Version", req(VERSION), SUCCESS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boundaryRequests")
    void acceptsARequestJustInsideEachRule(String name, Frames frame, int status) {
        int opaque = OPAQUES.incrementAndGet();
        byte[] bytes = frame.opaque(opaque).build();
        Response r = client.sendRaw(bytes).receive();
        assertThat(r.opcode()).isEqualTo(bytes[1] & 0xff);
        assertThat(r.opaque()).isEqualTo(opaque);
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertStillAnswers();
    }

    @Test
    void anInvalidDurabilityLevelClosesAConnectionWithoutExtendedErrors() {
        // DurabilityInvalidLevel is one of the statuses a non-XERROR client cannot be told
        // (mcbp-protocol.md 5): kv_engine disconnects instead of answering.
        client.send(req(SET).key("k")
                .extras(Frames.storeExtras(0, 0))
                .value("v")
                .flex(b(0x11, 0x07))
                .opaque(1));
        client.awaitClosedByServer(Duration.ofSeconds(5));
        try (McbpClient other = server.client()) {
            assertThat(other.call(req(NOOP).opaque(2)).status()).isEqualTo(SUCCESS);
        }
    }

    @Test
    void answersAPipelinedMixOfValidAndInvalidRequestsInOrder() {
        byte[] store = Frames.storeExtras(0, 0);
        List<Frames> batch = List.of(
                req(SET).key("pipe").extras(store).value("one").opaque(1), // ok
                req(GET).key("pipe").extras(Frames.int32(0)).opaque(2), // bad extras
                req(GETQ).key("pipe-missing").opaque(3), // quiet miss: no answer
                req(0x30).opaque(4), // unknown command
                req(GET).key("pipe").opaque(5), // hit
                req(SETQ).key("pipe").extras(store).value("two").opaque(6), // quiet success: no answer
                req(ADD).key("pipe").extras(store).value("v").cas(9).opaque(7), // CAS on Add
                req(GETQ).key("pipe").vbucket(2000).opaque(8), // quiet, but NMVB is answered
                req(GETK).key("pipe").opaque(9), // hit, sees Setq's value
                req(GET_EX).key("k").opaque(10), // not supported
                req(NOOP).opaque(11));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        batch.forEach(f -> all.writeBytes(f.build()));
        client.sendRaw(all.toByteArray());

        List<Response> got = client.receive(9);
        assertThat(got).extracting(Response::opaque).containsExactly(1, 2, 4, 5, 7, 8, 9, 10, 11);
        assertThat(got)
                .extracting(Response::status)
                .containsExactly(
                        SUCCESS,
                        EINVAL,
                        UNKNOWN_COMMAND,
                        SUCCESS,
                        EINVAL,
                        NOT_MY_VBUCKET,
                        SUCCESS,
                        NOT_SUPPORTED,
                        SUCCESS);
        assertThat(got)
                .extracting(Response::opcode)
                .containsExactly(SET, GET, 0x30, GET, ADD, GETQ, GETK, GET_EX, NOOP);
        assertThat(got.get(3).valueString()).isEqualTo("one");
        assertThat(got.get(6).valueString()).isEqualTo("two");
        assertThat(got.get(6).keyString()).isEqualTo("pipe");
        assertStillAnswers();
    }
}
