package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.codec.FrameInfos;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile and broken input over real sockets: random bytes, well-framed random requests, truncated
 * frames, huge declared bodies, wrong magics and floods of garbage connections. The server answers
 * what is well framed, closes what is not (counting it in {@code framing_errors}), never hangs
 * (every wait here has a deadline), leaks nothing, and keeps serving a connection opened before
 * the abuse and any new one after it.
 */
class BadInputTest {
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final int NOOP = 0x0a;

    private static TestServer server;
    /** Opened before each test's abuse; must keep working in the middle of it and after. */
    private McbpClient bystander;

    private int bystanderChecks;

    @BeforeAll
    static void startServer() {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void openBystander() {
        bystander = server.client();
        assertBystanderWorks();
    }

    @AfterEach
    void closeBystander() {
        try {
            assertBystanderWorks();
            assertFreshClientStoresAndReads();
        } finally {
            bystander.close();
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    private void assertBystanderWorks() {
        int n = ++bystanderChecks;
        String key = "bystander-" + n;
        Response set = bystander.call(Frames.request(0x01)
                .key(key)
                .extras(Frames.storeExtras(n, 0))
                .value("v" + n)
                .opaque(n));
        assertThat(set.status()).as("bystander set").isZero();
        assertThat(set.opaque()).isEqualTo(n);
        Response get = bystander.call(Frames.request(0x00).key(key).opaque(-n));
        assertThat(get.status()).as("bystander get").isZero();
        assertThat(get.opaque()).isEqualTo(-n);
        assertThat(get.valueString()).isEqualTo("v" + n);
        assertThat(get.extrasInt(0)).isEqualTo(n);
    }

    private static void assertFreshClientStoresAndReads() {
        try (McbpClient c = server.client()) {
            Response set = c.call(Frames.request(0x01)
                    .key("fresh")
                    .extras(Frames.storeExtras(7, 0))
                    .value("after")
                    .opaque(1));
            assertThat(set.status()).isZero();
            Response get = c.call(Frames.request(0x00).key("fresh").opaque(2));
            assertThat(get.status()).isZero();
            assertThat(get.valueString()).isEqualTo("after");
            assertThat(get.cas()).isEqualTo(set.cas());
        }
    }

    /** The general STAT group, read over its own connection. */
    private static Map<String, String> stats() {
        try (McbpClient c = server.client()) {
            c.send(Frames.request(0x10).opaque(0x5747));
            Map<String, String> m = new HashMap<>();
            for (Response r : c.receiveStats()) {
                assertThat(r.status()).isZero();
                assertThat(r.opaque()).isEqualTo(0x5747);
                if (r.key().length > 0) {
                    m.put(r.keyString(), r.valueString());
                }
            }
            return m;
        }
    }

    private static long stat(String name) {
        String v = stats().get(name);
        assertThat(v).as("stat %s", name).isNotNull();
        return Long.parseLong(v);
    }

    /** Waits (re-reading STAT, no sleeping) until the stat satisfies {@code condition}; fails at the deadline. */
    private static long awaitStat(String name, LongPredicate condition, String expectation) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        long v;
        while (!condition.test(v = stat(name))) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError(
                        "stat " + name + " = " + v + ", expected " + expectation + " within " + DEADLINE);
            }
            Thread.onSpinWait();
        }
        return v;
    }

    /**
     * Everything the server sends until it closes the connection; fails if it is still open at
     * the deadline. Reads the raw socket, so nothing may have been read through the client before.
     */
    private static byte[] readUntilClosed(McbpClient c) {
        Socket s = c.socket();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long end = System.nanoTime() + DEADLINE.toNanos();
        byte[] buf = new byte[8192];
        try {
            InputStream in = s.getInputStream();
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("server did not close the connection within " + DEADLINE + " (got "
                            + got.size() + " bytes)");
                }
                s.setSoTimeout((int) Math.max(1, left));
                try {
                    int n = in.read(buf);
                    if (n < 0) {
                        return got.toByteArray();
                    }
                    got.write(buf, 0, n);
                } catch (SocketTimeoutException e) {
                    // loop to the deadline check
                }
            }
        } catch (SocketException e) {
            return got.toByteArray(); // reset by the peer: closed
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends the client's output (the server sees end of stream), ignoring a peer that already reset. */
    private static void shutdownOutput(McbpClient c) {
        try {
            c.socket().shutdownOutput();
        } catch (IOException e) {
            // already reset by the server
        }
    }

    private static boolean sendQuietly(McbpClient c, byte[] bytes) {
        try {
            c.sendRaw(bytes);
            return true;
        } catch (UncheckedIOException e) {
            return false; // the server closed first
        }
    }

    private static List<Response> parseResponses(byte[] b) {
        List<Response> out = new ArrayList<>();
        int pos = 0;
        while (pos < b.length) {
            assertThat(b.length - pos).as("a whole header").isGreaterThanOrEqualTo(24);
            int body = ByteBuffer.wrap(b, pos + 8, 4).getInt();
            assertThat(b.length - pos - 24).as("a whole body").isGreaterThanOrEqualTo(body);
            out.add(Response.parse(
                    Arrays.copyOfRange(b, pos, pos + 24), Arrays.copyOfRange(b, pos + 24, pos + 24 + body)));
            pos += 24 + body;
        }
        return out;
    }

    private static boolean isClientMagic(int b) {
        return b == 0x80 || b == 0x08;
    }

    // ------------------------------------------------------------------------------------ random bytes

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void randomBytesAreCutOffWithoutHangingOrHurtingOtherConnections(long seed) {
        long before = stat("framing_errors");
        Random rnd = new Random(seed);
        int badMagics = 0;
        for (int i = 0; i < 120; i++) {
            byte[] garbage = new byte[1 + rnd.nextInt(600)];
            rnd.nextBytes(garbage);
            if (garbage.length >= 24 && !isClientMagic(garbage[0] & 0xff)) {
                badMagics++;
            }
            try (McbpClient c = server.client()) {
                sendQuietly(c, garbage);
                shutdownOutput(c);
                byte[] answer = readUntilClosed(c);
                if (!isClientMagic(garbage[0] & 0xff)) {
                    assertThat(answer)
                            .as("answer to garbage starting 0x%02x", garbage[0])
                            .isEmpty();
                }
            }
            if (i % 30 == 29) {
                assertBystanderWorks();
            }
        }
        int expected = badMagics;
        assertThat(expected).as("the seed produces bad magics").isPositive();
        awaitStat("framing_errors", v -> v - before >= expected, "at least " + expected + " more than " + before);
    }

    // ------------------------------------------------------------------------------------ well-framed random requests

    private static final byte[][] FRAME_INFO_PIECES = {
        {},
        {0x00},
        {0x50},
        {0x11, 0x01},
        {0x11, 0x03},
        {0x11, 0x00},
        {0x11, 0x09},
        {0x13, 0x02, 0x00, 0x64},
        {0x13, 0x01, 0x00, 0x00},
        {0x30},
        {(byte) 0xf0, 0x05},
        {0x22, 0x00, 0x01},
        {0x41, 'u'},
        {0x01, 0x00},
        {0x13, 0x01},
        {0x0f},
    };

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static Frames randomRequest(Random rnd) {
        int opcode = rnd.nextBoolean() ? rnd.nextInt(0x20) : rnd.nextInt(256);
        Frames f = Frames.request(opcode);
        boolean flex = rnd.nextInt(10) < 3;
        if (flex) {
            ByteArrayOutputStream fe = new ByteArrayOutputStream();
            int pieces = rnd.nextInt(3);
            for (int i = 0; i < pieces; i++) {
                fe.writeBytes(FRAME_INFO_PIECES[rnd.nextInt(FRAME_INFO_PIECES.length)]);
            }
            if (rnd.nextInt(8) == 0) {
                fe.writeBytes(randomBytes(rnd, 1 + rnd.nextInt(6)));
            }
            f.flex(fe.toByteArray());
        }
        int[] extrasLengths = {0, 0, 0, 4, 8, 20, rnd.nextInt(40)};
        f.extras(randomBytes(rnd, extrasLengths[rnd.nextInt(extrasLengths.length)]));
        switch (rnd.nextInt(6)) {
            case 0 -> f.key(new byte[0]);
            case 1 -> f.key("k" + rnd.nextInt(40));
            case 2 -> f.key("k" + rnd.nextInt(40));
            case 3 -> f.key("x".repeat(rnd.nextBoolean() ? 250 : 251));
            default -> f.key(randomBytes(rnd, rnd.nextInt(flex ? 256 : 300)));
        }
        if (rnd.nextBoolean()) {
            f.value(randomBytes(rnd, rnd.nextInt(100)));
        }
        f.datatype(rnd.nextInt(10) < 7 ? 0 : rnd.nextInt(256));
        f.vbucket(rnd.nextInt(10) < 8 ? rnd.nextInt(1024) : rnd.nextInt(0x10000));
        f.cas(rnd.nextInt(10) < 7 ? 0 : rnd.nextLong());
        return f;
    }

    /** Whether the server may close instead of answering (mcbp-protocol.md 4.2 Quit, 5 "disc"). */
    private static boolean mayClose(byte[] request) {
        int opcode = request[1] & 0xff;
        if (opcode == 0x07 || opcode == 0x17) {
            return true;
        }
        if (request[0] == 0x08 && request[2] != 0) {
            FrameInfos fi = FrameInfos.parse(Unpooled.wrappedBuffer(request, 24, request[2] & 0xff));
            return fi.error() == Status.DURABILITY_INVALID_LEVEL;
        }
        return false;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13})
    void wellFramedRandomRequestsAreAnsweredWithTheirOpcodeAndOpaque(long seed) {
        long framingBefore = stat("framing_errors");
        Random rnd = new Random(seed);
        McbpClient c = server.client();
        int answered = 0;
        int closes = 0;
        try {
            for (int i = 0; i < 500; i++) {
                int opaque = 0x100000 + i;
                int marker = 0x7f000000 + i;
                byte[] request = randomRequest(rnd).opaque(opaque).build();
                ByteArrayOutputStream both = new ByteArrayOutputStream();
                both.writeBytes(request);
                both.writeBytes(Frames.request(NOOP).opaque(marker).build());
                c.sendRaw(both.toByteArray());
                while (true) {
                    Response r;
                    try {
                        r = c.receive();
                    } catch (UncheckedIOException closed) {
                        assertThat(mayClose(request))
                                .as(
                                        "closed after request %d: %s",
                                        i, java.util.HexFormat.of().formatHex(request, 0, 24))
                                .isTrue();
                        closes++;
                        c.close();
                        c = server.client();
                        break;
                    }
                    assertThat(r.magic()).isEqualTo(0x81);
                    if (r.opaque() == marker) {
                        assertThat(r.opcode()).isEqualTo(NOOP);
                        assertThat(r.status()).isZero();
                        break;
                    }
                    assertThat(r.opaque())
                            .as("opaque of an answer to request %d", i)
                            .isEqualTo(opaque);
                    assertThat(r.opcode())
                            .as("opcode of an answer to request %d", i)
                            .isEqualTo(request[1] & 0xff);
                    answered++;
                }
                if (i % 100 == 99) {
                    assertBystanderWorks();
                }
            }
        } finally {
            c.close();
        }
        assertThat(answered).isGreaterThan(250);
        assertThat(closes).isLessThan(100);
        assertThat(stat("framing_errors"))
                .as("well-framed input is no framing error")
                .isEqualTo(framingBefore);
    }

    // ------------------------------------------------------------------------------------ truncated frames

    @Test
    void truncatedFramesFollowedByAClientCloseLeaveNothingBehind() {
        long framingBefore = stat("framing_errors");
        long connectionsBefore = stat("curr_connections");
        byte[] classic = Frames.request(0x01)
                .key("trunc")
                .extras(Frames.storeExtras(1, 0))
                .value("value")
                .opaque(9)
                .build();
        byte[] flex = Frames.request(0x01)
                .flex((byte) 0x11, (byte) 0x01, (byte) 0x50)
                .key("trunc")
                .extras(Frames.storeExtras(1, 0))
                .value("value")
                .opaque(10)
                .build();
        for (byte[] frame : List.of(classic, flex)) {
            for (int cut = 1; cut < frame.length; cut++) {
                try (McbpClient c = server.client()) {
                    c.sendRaw(Arrays.copyOf(frame, cut));
                    if (cut % 2 == 0) {
                        // Half-close: the server sees the end of the stream mid-frame and must close
                        // without answering the partial request.
                        shutdownOutput(c);
                        assertThat(readUntilClosed(c))
                                .as("answer to %d of %d bytes", cut, frame.length)
                                .isEmpty();
                    }
                }
            }
            assertBystanderWorks();
        }
        // Every aborted connection is gone (its partial frame released: the leak check would report it).
        awaitStat("curr_connections", v -> v <= connectionsBefore, "back to " + connectionsBefore);
        assertThat(stat("framing_errors"))
                .as("a truncated frame is no framing error")
                .isEqualTo(framingBefore);
        try (McbpClient c = server.client()) {
            assertThat(c.call(Frames.request(0x00).key("trunc").opaque(3)).status())
                    .as("no partial Set was executed")
                    .isEqualTo(0x01);
        }
    }

    // ------------------------------------------------------------------------------------ huge bodies, wrong magics

    @Test
    void hugeDeclaredBodiesAreRejectedFromTheHeaderAlone() {
        long before = stat("framing_errors");
        int limit = server.server().context().config().maxFrameBytes();
        List<byte[]> headers = List.of(
                Frames.request(0x01)
                        .key("k")
                        .extras(Frames.storeExtras(0, 0))
                        .bodyLengthField(0xffffffffL)
                        .build(),
                Frames.request(0x01)
                        .flex((byte) 0x50)
                        .key("k")
                        .bodyLengthField(0xffffffffL)
                        .build(),
                Frames.request(0x00).bodyLengthField(0x80000000L).build(),
                Frames.request(0x01).bodyLengthField(limit + 1L).build());
        for (byte[] h : headers) {
            try (McbpClient c = server.client()) {
                // Only the header (and a little body), and the client keeps its side open: the server
                // must not wait for gigabytes that will never come.
                c.sendRaw(Arrays.copyOf(h, Math.min(h.length, 24 + 4)));
                assertThat(readUntilClosed(c)).isEmpty();
            }
            assertBystanderWorks();
        }
        awaitStat("framing_errors", v -> v - before >= headers.size(), "+" + headers.size());
        assertThat(stat("framing_errors") - before).isEqualTo(headers.size());
    }

    @Test
    void aBodyAtTheFrameLimitIsReadAndOneByteMoreIsNot() {
        try (TestServer small = TestServer.start(TestServer.config()
                .maxFrameBytes(4096)
                .preAuthMaxFrameBytes(1024)
                .buckets(List.of(new BucketConfig("default", BucketConfig.DEFAULT_QUOTA_BYTES, 1024, 2048, true)))
                .build())) {
            byte[] extras = Frames.storeExtras(0, 0);
            byte[] value = new byte[4096 - extras.length - 3];
            try (McbpClient c = small.client()) {
                // Read and answered: the value is over the bucket's 2 KiB limit, so E2big.
                Response r = c.call(Frames.request(0x01)
                        .key("big")
                        .extras(extras)
                        .value(value)
                        .opaque(1));
                assertThat(r.status()).isEqualTo(0x03);
                assertThat(r.opaque()).isEqualTo(1);
                assertThat(c.call(Frames.request(0x0a).opaque(3)).opaque()).isEqualTo(3);
            }
            try (McbpClient c = small.client()) {
                c.send(Frames.request(0x01)
                        .key("big")
                        .extras(extras)
                        .value(new byte[value.length + 1])
                        .opaque(2));
                assertThat(readUntilClosed(c)).isEmpty();
            }
        }
    }

    @ParameterizedTest(name = "magic 0x{0}")
    @ValueSource(ints = {0x81, 0x18, 0x82, 0x83, 0x00, 0xff, 0x01, 0x7f, 0x88, 0xc0})
    void aWrongMagicClosesTheConnectionWithoutAnswer(int magic) {
        long before = stat("framing_errors");
        try (McbpClient c = server.client()) {
            c.send(Frames.request(NOOP).magic(magic).opaque(1));
            assertThat(readUntilClosed(c)).isEmpty();
        }
        awaitStat("framing_errors", v -> v == before + 1, "+1");
    }

    @Test
    void framesBeforeAWrongMagicAreAnsweredAndNothingAfterIt() {
        long before = stat("framing_errors");
        try (McbpClient c = server.client()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(Frames.request(NOOP).opaque(1).build());
            b.writeBytes(Frames.request(0x00).key("missing").opaque(2).build());
            b.writeBytes(Frames.request(NOOP).magic(0x81).opaque(3).build());
            b.writeBytes(Frames.request(NOOP).opaque(4).build());
            c.sendRaw(b.toByteArray());
            List<Response> got = parseResponses(readUntilClosed(c));
            assertThat(got).extracting(Response::opaque).containsExactly(1, 2);
            assertThat(got).extracting(Response::status).containsExactly(0x00, 0x01);
        }
        awaitStat("framing_errors", v -> v == before + 1, "+1");
    }

    // ------------------------------------------------------------------------------------ flood

    @Test
    void aFloodOfTinyGarbageConnectionsLeavesTheServerServing() {
        long framingBefore = stat("framing_errors");
        long connectionsBefore = stat("curr_connections");
        Random rnd = new Random(77);
        int badHeaders = 0;
        for (int batch = 0; batch < 8; batch++) {
            List<McbpClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    open.add(server.client());
                }
                for (McbpClient c : open) {
                    boolean header = rnd.nextInt(3) == 0;
                    byte[] garbage = randomBytes(rnd, header ? 24 + rnd.nextInt(16) : 1 + rnd.nextInt(23));
                    if (header) {
                        garbage[0] = (byte) 0xab;
                        badHeaders++;
                    }
                    sendQuietly(c, garbage);
                }
            } finally {
                open.forEach(McbpClient::close);
            }
            assertBystanderWorks();
        }
        int expected = badHeaders;
        awaitStat("curr_connections", v -> v <= connectionsBefore, "back to " + connectionsBefore);
        awaitStat("framing_errors", v -> v - framingBefore == expected, "+" + expected);
    }
}
