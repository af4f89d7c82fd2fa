package io.kvfrontend.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.codec.McbpFrameDecoder.FramingError;
import io.kvfrontend.testsupport.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link McbpFrameDecoder} on an {@link EmbeddedChannel}: every fixture whole, two in one buffer,
 * split at every byte boundary and in random chunks; every class of malformed header
 * (mcbp-protocol.md 1.1) closes the channel, emits nothing, reports once and discards what follows.
 */
class McbpFrameDecoderTest {
    /** Body-length limit of the decoders under test; the at-limit fixture has exactly this body. */
    private static final int LIMIT = 2048;

    private final List<FramingError> errors = new ArrayList<>();
    private final List<String> details = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void releaseEverything() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    // ------------------------------------------------------------------------------------ fixtures

    /** One request frame and what the decoder must make of it. */
    record Fixture(
            String name,
            int magic,
            int opcode,
            byte[] fe,
            byte[] extras,
            byte[] key,
            byte[] value,
            int datatype,
            int vbucket,
            int opaque,
            long cas,
            byte[] literal) {

        Fixture(
                String name,
                int magic,
                int opcode,
                byte[] fe,
                byte[] extras,
                byte[] key,
                byte[] value,
                int datatype,
                int vbucket,
                int opaque,
                long cas) {
            this(name, magic, opcode, fe, extras, key, value, datatype, vbucket, opaque, cas, null);
        }

        int bodyLength() {
            return fe.length + extras.length + key.length + value.length;
        }

        byte[] bytes() {
            if (literal != null) {
                return literal.clone();
            }
            Frames f = Frames.request(opcode)
                    .extras(extras)
                    .key(key)
                    .value(value)
                    .datatype(datatype)
                    .vbucket(vbucket)
                    .opaque(opaque)
                    .cas(cas);
            if (magic == 0x08) {
                f.flex(fe);
            }
            return f.build();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] filled(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static final byte[] NONE = new byte[0];

    static List<Fixture> fixtures() {
        byte[] atLimitValue = filled(LIMIT - 8 - 3, 11);
        return List.of(
                new Fixture("classic zero-body noop", 0x80, 0x0a, NONE, NONE, NONE, NONE, 0, 0, 1, 0),
                new Fixture("classic key only", 0x80, 0x00, NONE, NONE, bytes("hello"), NONE, 0, 0x0203, 0xdeadbeef, 0),
                new Fixture(
                        "classic extras key value",
                        0x80,
                        0x01,
                        NONE,
                        Frames.storeExtras(0xcafef00d, 3600),
                        bytes("k1"),
                        bytes("world"),
                        0x01,
                        0xffff,
                        0x7fffffff,
                        0x8000000000000001L),
                new Fixture("classic extras only", 0x80, 0x1b, NONE, Frames.int32(1), NONE, NONE, 0, 0, 2, 0),
                new Fixture("classic value only", 0x80, 0x10, NONE, NONE, NONE, bytes("{\"a\":1}"), 0x01, 0, 3, -1L),
                new Fixture(
                        "classic key over 255 bytes",
                        0x80,
                        0x00,
                        NONE,
                        NONE,
                        filled(300, 1),
                        NONE,
                        0,
                        7,
                        0x80000000,
                        42),
                new Fixture(
                        "classic every unsigned field at its top",
                        0x80,
                        0xff,
                        NONE,
                        filled(255, 2),
                        filled(256, 3),
                        filled(5, 4),
                        0xff,
                        0xffff,
                        -1,
                        -1L),
                new Fixture(
                        "classic body exactly at the limit",
                        0x80,
                        0x01,
                        NONE,
                        Frames.storeExtras(0, 0),
                        bytes("big"),
                        atLimitValue,
                        0,
                        1,
                        99,
                        5),
                new Fixture("flex zero-body noop", 0x08, 0x0a, NONE, NONE, NONE, NONE, 0, 0, 4, 0),
                new Fixture("flex framing extras only", 0x08, 0x0a, new byte[] {0x00}, NONE, NONE, NONE, 0, 0, 5, 0),
                new Fixture(
                        "flex durability with timeout on get",
                        0x08,
                        0x00,
                        new byte[] {0x13, 0x02, 0x01, 0x00},
                        NONE,
                        bytes("key"),
                        NONE,
                        0,
                        1023,
                        6,
                        0),
                new Fixture(
                        "flex every section at 255 bytes",
                        0x08,
                        0x01,
                        filled(255, 5),
                        filled(255, 6),
                        filled(255, 7),
                        filled(10, 8),
                        0x07,
                        0x8000,
                        0x01020304,
                        0x0102030405060708L),
                // mcbp-protocol.md 1.6, byte for byte: Set "k"="v", durability majority, PreserveTtl.
                new Fixture(
                        "flex worked example 1.6",
                        0x08,
                        0x01,
                        new byte[] {0x11, 0x01, 0x50},
                        new byte[8],
                        bytes("k"),
                        bytes("v"),
                        0,
                        0,
                        0x0a0b0c0d,
                        0,
                        HexFormat.of()
                                .parseHex("0801030108000000" + "0000000d" + "0a0b0c0d" + "0000000000000000" + "110150"
                                        + "0000000000000000" + "6b" + "76")));
    }

    static Stream<Fixture> eachFixture() {
        return fixtures().stream();
    }

    // ------------------------------------------------------------------------------------ helpers

    private EmbeddedChannel channel() {
        return channel(LIMIT);
    }

    private EmbeddedChannel channel(int limit) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder(limit));
        channels.add(ch);
        return ch;
    }

    private McbpFrameDecoder decoder(int limit) {
        return new McbpFrameDecoder(limit, (ctx, error, detail) -> {
            errors.add(error);
            details.add(detail);
        });
    }

    /** A tracked (leak-detected) buffer holding {@code b[from, to)}. */
    private static ByteBuf buf(byte[] b, int from, int to) {
        return ByteBufAllocator.DEFAULT.buffer(Math.max(1, to - from)).writeBytes(b, from, to - from);
    }

    private static ByteBuf buf(byte[] b) {
        return buf(b, 0, b.length);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Every request decoded so far, in order. The caller releases them. */
    private static List<McbpRequest> drain(EmbeddedChannel ch) {
        List<McbpRequest> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            assertThat(m).isInstanceOf(McbpRequest.class);
            out.add((McbpRequest) m);
        }
        return out;
    }

    /** Asserts {@code r} is exactly {@code f} and releases it. */
    private static void assertDecodedAs(McbpRequest r, Fixture f) {
        try {
            assertThat(r.magic()).as("magic").isEqualTo(f.magic());
            assertThat(r.opcode()).as("opcode").isEqualTo(f.opcode());
            assertThat(r.framingExtrasLength()).as("framing extras length").isEqualTo(f.fe().length);
            assertThat(r.extrasLength()).as("extras length").isEqualTo(f.extras().length);
            assertThat(r.keyLength()).as("key length").isEqualTo(f.key().length);
            assertThat(r.datatype()).as("datatype").isEqualTo(f.datatype());
            assertThat(r.vbucket()).as("vbucket").isEqualTo(f.vbucket());
            assertThat(r.bodyLength()).as("body length").isEqualTo(f.bodyLength());
            assertThat(r.valueLength()).as("value length").isEqualTo(f.value().length);
            assertThat(r.opaque()).as("opaque").isEqualTo(f.opaque());
            assertThat(r.cas()).as("cas").isEqualTo(f.cas());
            assertThat(ByteBufUtil.getBytes(r.framingExtras()))
                    .as("framing extras")
                    .isEqualTo(f.fe());
            assertThat(ByteBufUtil.getBytes(r.extras())).as("extras").isEqualTo(f.extras());
            assertThat(ByteBufUtil.getBytes(r.key())).as("key").isEqualTo(f.key());
            assertThat(ByteBufUtil.getBytes(r.value())).as("value").isEqualTo(f.value());
            assertThat(r.keyBytes()).as("key copy").isEqualTo(f.key());
            assertThat(r.valueBytes()).as("value copy").isEqualTo(f.value());
            assertThat(r.extrasIndex() - r.content().readerIndex())
                    .as("extras index")
                    .isEqualTo(24 + f.fe().length);
            assertThat(ByteBufUtil.getBytes(r.content())).as("whole frame").isEqualTo(f.bytes());
        } finally {
            r.release();
        }
    }

    private static void assertAllDecodedAs(List<McbpRequest> got, List<Fixture> expected) {
        try {
            assertThat(got).hasSize(expected.size());
        } catch (AssertionError e) {
            got.forEach(McbpRequest::release);
            throw e;
        }
        for (int i = 0; i < got.size(); i++) {
            assertDecodedAs(got.get(i), expected.get(i));
        }
    }

    private void assertRejected(EmbeddedChannel ch, FramingError error) {
        List<McbpRequest> decoded = drain(ch);
        decoded.forEach(McbpRequest::release);
        assertThat(decoded).as("requests emitted").isEmpty();
        assertThat(ch.isOpen()).as("channel open").isFalse();
        assertThat(errors).as("framing errors reported").containsExactly(error);
    }

    // ------------------------------------------------------------------------------------ well-formed input

    @ParameterizedTest(name = "{0}")
    @MethodSource("eachFixture")
    void decodesEachFixtureWhole(Fixture f) {
        EmbeddedChannel ch = channel();
        ch.writeInbound(buf(f.bytes()));
        assertAllDecodedAs(drain(ch), List.of(f));
        assertThat(ch.isOpen()).isTrue();
        assertThat(errors).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eachFixture")
    void decodesTwoFramesFromOneBuffer(Fixture f) {
        List<Fixture> all = fixtures();
        Fixture next = all.get((all.indexOf(f) + 1) % all.size());
        EmbeddedChannel ch = channel();
        ch.writeInbound(buf(concat(f.bytes(), next.bytes())));
        assertAllDecodedAs(drain(ch), List.of(f, next));
        assertThat(ch.isOpen()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eachFixture")
    void decodesAFrameFedOneByteAtATime(Fixture f) {
        byte[] b = f.bytes();
        EmbeddedChannel ch = channel();
        for (int i = 0; i < b.length - 1; i++) {
            ch.writeInbound(buf(b, i, i + 1));
            assertThat((Object) ch.readInbound())
                    .as("decoded after %d of %d bytes", i + 1, b.length)
                    .isNull();
        }
        ch.writeInbound(buf(b, b.length - 1, b.length));
        assertAllDecodedAs(drain(ch), List.of(f));
        assertThat(ch.isOpen()).isTrue();
        assertThat(errors).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eachFixture")
    void decodesAFrameSplitInTwoAtEveryByteBoundary(Fixture f) {
        byte[] b = f.bytes();
        for (int split = 1; split < b.length; split++) {
            EmbeddedChannel ch = new EmbeddedChannel(decoder(LIMIT));
            try {
                ch.writeInbound(buf(b, 0, split));
                assertThat((Object) ch.readInbound())
                        .as("decoded from the first %d bytes", split)
                        .isNull();
                ch.writeInbound(buf(b, split, b.length));
                assertAllDecodedAs(drain(ch), List.of(f));
            } finally {
                ch.finishAndReleaseAll();
            }
        }
        assertThat(errors).isEmpty();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 0x5eed, 0xcafef00dL})
    void decodesManyConcatenatedFramesFedInRandomChunks(long seed) {
        Random rnd = new Random(seed);
        List<Fixture> all = fixtures();
        List<Fixture> expected = new ArrayList<>();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < 400; i++) {
            Fixture f = rnd.nextInt(3) == 0 ? all.get(rnd.nextInt(all.size())) : randomFrame(rnd, i);
            expected.add(f);
            stream.writeBytes(f.bytes());
        }
        byte[] b = stream.toByteArray();
        EmbeddedChannel ch = channel();
        List<McbpRequest> got = new ArrayList<>();
        int pos = 0;
        while (pos < b.length) {
            int n = Math.min(b.length - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 3000));
            ch.writeInbound(buf(b, pos, pos + n));
            pos += n;
            got.addAll(drain(ch));
        }
        assertAllDecodedAs(got, expected);
        assertThat(ch.isOpen()).isTrue();
        assertThat(errors).isEmpty();
    }

    /** A random well-formed frame whose body fits {@link #LIMIT}. */
    private static Fixture randomFrame(Random rnd, int n) {
        boolean flex = rnd.nextBoolean();
        byte[] fe = flex ? filled(rnd.nextInt(24), rnd.nextInt()) : NONE;
        byte[] extras = filled(rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(32), rnd.nextInt());
        byte[] key = filled(rnd.nextInt(flex ? 256 : 600), rnd.nextInt());
        byte[] value = filled(
                rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(LIMIT - fe.length - extras.length - key.length), rnd.nextInt());
        return new Fixture(
                "random " + n,
                flex ? 0x08 : 0x80,
                rnd.nextInt(256),
                fe,
                extras,
                key,
                value,
                rnd.nextInt(256),
                rnd.nextInt(0x10000),
                rnd.nextInt(),
                rnd.nextLong());
    }

    @Test
    void decodedRequestOwnsItsBytesAfterTheChannelIsGone() {
        Fixture f = fixtures().get(2);
        EmbeddedChannel ch = new EmbeddedChannel(decoder(LIMIT));
        ch.writeInbound(buf(f.bytes()));
        McbpRequest r = ch.readInbound();
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(r.refCnt()).isEqualTo(1);
        assertDecodedAs(r, f);
        assertThat(r.refCnt()).isZero();
    }

    @Test
    void releasesAPartialFrameWhenTheChannelCloses() {
        byte[] b = fixtures().get(2).bytes();
        EmbeddedChannel ch = new EmbeddedChannel(decoder(LIMIT));
        ByteBuf half = buf(b, 0, b.length - 1);
        ch.writeInbound(half);
        assertThat(half.refCnt()).as("held while waiting for the rest").isPositive();
        assertThat(ch.finishAndReleaseAll()).as("anything decoded").isFalse();
        assertThat(half.refCnt()).isZero();
        assertThat(errors).isEmpty();
    }

    @Test
    void readsTheClassicKeyLengthUnsigned() {
        // 0x8001 would be negative as a signed short; the frame must still decode.
        byte[] key = filled(0x8001, 9);
        Fixture f = new Fixture("classic 32 KiB key", 0x80, 0x00, NONE, NONE, key, NONE, 0, 0, 1, 0);
        EmbeddedChannel ch = channel(64 * 1024);
        ch.writeInbound(buf(f.bytes()));
        assertAllDecodedAs(drain(ch), List.of(f));
    }

    // ------------------------------------------------------------------------------------ malformed headers

    static IntStream everyIllegalMagic() {
        return IntStream.range(0, 256).filter(m -> m != 0x80 && m != 0x08);
    }

    @ParameterizedTest(name = "magic 0x{0}")
    @MethodSource("everyIllegalMagic")
    void closesOnAnyMagicOtherThanAClientRequest(int magic) {
        // The server-side magics (0x81, 0x18, 0x82) and a duplex client response (0x83) are illegal
        // from a client just like 0x00, 0xff and everything else; a valid frame after it is discarded.
        byte[] bad = Frames.request(0x0a).magic(magic).opaque(1).build();
        byte[] good = Frames.request(0x0a).opaque(2).build();
        EmbeddedChannel ch = channel();
        ch.writeInbound(buf(concat(bad, good)));
        assertRejected(ch, FramingError.BAD_MAGIC);
        assertThat(details).singleElement().asString().contains(Integer.toHexString(magic));
    }

    @Test
    void judgesTheMagicOnlyOnceTheWholeHeaderIsIn() {
        byte[] bad = Frames.request(0x0a).magic(0x81).build();
        EmbeddedChannel ch = channel();
        ch.writeInbound(buf(bad, 0, 23));
        assertThat(ch.isOpen()).isTrue();
        assertThat(errors).isEmpty();
        ch.writeInbound(buf(bad, 23, 24));
        assertRejected(ch, FramingError.BAD_MAGIC);
    }

    static Stream<Arguments> lengthsExceedingTheBody() {
        return Stream.of(
                Arguments.of(
                        "classic key > body", Frames.request(0x00).key("abc").bodyLengthField(2)),
                Arguments.of(
                        "classic extras > body",
                        Frames.request(0x01).extras(new byte[8]).bodyLengthField(7)),
                Arguments.of(
                        "classic extras + key = body + 1",
                        Frames.request(0x01).extras(new byte[8]).key("k").bodyLengthField(8)),
                Arguments.of(
                        "classic 64 KiB key, empty body", Frames.request(0x00).keyLengthField(0xffff)),
                Arguments.of(
                        "classic extras 255, key 65535, body 65789",
                        Frames.request(0x00)
                                .keyLengthField(0xffff)
                                .extrasLengthField(0xff)
                                .bodyLengthField(65789)),
                Arguments.of(
                        "flex framing extras > body",
                        Frames.request(0x0a)
                                .flex((byte) 0x00)
                                .framingLengthField(2)
                                .bodyLengthField(1)),
                Arguments.of(
                        "flex framing extras + extras + key = body + 1",
                        Frames.request(0x01)
                                .flex((byte) 0x50)
                                .extras(new byte[8])
                                .key("k")
                                .bodyLengthField(9)),
                Arguments.of(
                        "flex 255 + 255 + 255 > 764",
                        Frames.request(0x01)
                                .flex(new byte[0])
                                .framingLengthField(255)
                                .extrasLengthField(255)
                                .keyLengthField(255)
                                .bodyLengthField(764)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lengthsExceedingTheBody")
    void closesWhenSectionLengthsExceedTheBodyFromTheHeaderAlone(String name, Frames frame) {
        byte[] b = frame.build();
        EmbeddedChannel ch = channel(1 << 20);
        // Only the header: the decoder must not wait for a body that cannot add up.
        ch.writeInbound(buf(b, 0, 24));
        assertRejected(ch, FramingError.LENGTHS_EXCEED_BODY);
    }

    @Test
    void acceptsSectionLengthsThatExactlyFillTheBody() {
        Fixture f = new Fixture("no value", 0x08, 0x01, new byte[] {0x50}, new byte[8], bytes("k"), NONE, 0, 0, 1, 0);
        EmbeddedChannel ch = channel();
        ch.writeInbound(buf(f.bytes()));
        assertAllDecodedAs(drain(ch), List.of(f));
    }

    static Stream<Arguments> oversizedBodies() {
        return Stream.of(
                Arguments.of("classic limit + 1", Frames.request(0x01).bodyLengthField(LIMIT + 1)),
                Arguments.of(
                        "flex limit + 1", Frames.request(0x01).flex(new byte[0]).bodyLengthField(LIMIT + 1)),
                Arguments.of("classic 2^31", Frames.request(0x01).bodyLengthField(0x80000000L)),
                Arguments.of("classic 0xffffffff", Frames.request(0x01).bodyLengthField(0xffffffffL)),
                Arguments.of(
                        "flex 0xffffffff",
                        Frames.request(0x01).flex(new byte[0]).bodyLengthField(0xffffffffL)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oversizedBodies")
    void closesOnABodyOverTheLimitBeforeTheBodyArrives(String name, Frames frame) {
        EmbeddedChannel ch = channel();
        ch.writeInbound(buf(frame.build(), 0, 24));
        assertRejected(ch, FramingError.FRAME_TOO_LARGE);
    }

    @Test
    void aRaisedLimitLetsTheNextFrameThrough() {
        McbpFrameDecoder decoder = decoder(256);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        channels.add(ch);
        Fixture f = new Fixture("1 KiB value", 0x80, 0x01, NONE, new byte[8], bytes("k"), filled(1024, 1), 0, 0, 1, 0);
        decoder.maxBodyLength(2048);
        assertThat(decoder.maxBodyLength()).isEqualTo(2048);
        ch.writeInbound(buf(f.bytes()));
        assertAllDecodedAs(drain(ch), List.of(f));
        assertThat(errors).isEmpty();
    }

    @Test
    void aLoweredLimitRejectsTheNextFrame() {
        McbpFrameDecoder decoder = decoder(2048);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        channels.add(ch);
        Fixture small = new Fixture("small", 0x80, 0x01, NONE, new byte[8], bytes("k"), filled(200, 1), 0, 0, 1, 0);
        ch.writeInbound(buf(small.bytes()));
        assertAllDecodedAs(drain(ch), List.of(small));
        decoder.maxBodyLength(100);
        ch.writeInbound(buf(small.bytes(), 0, 24));
        assertRejected(ch, FramingError.FRAME_TOO_LARGE);
    }

    @Test
    void aLimitChangeDoesNotApplyToAFrameWhoseHeaderWasAlreadyAccepted() {
        // maxBodyLength(int): "for frames whose header has not been read yet".
        McbpFrameDecoder decoder = decoder(2048);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        channels.add(ch);
        Fixture f = new Fixture("1 KiB value", 0x80, 0x01, NONE, new byte[8], bytes("k"), filled(1024, 1), 0, 0, 1, 0);
        byte[] b = f.bytes();
        ch.writeInbound(buf(b, 0, 100));
        decoder.maxBodyLength(256);
        ch.writeInbound(buf(b, 100, b.length));
        assertAllDecodedAs(drain(ch), List.of(f));
        assertThat(ch.isOpen()).isTrue();
        assertThat(errors).isEmpty();

        // The next frame is judged by the new limit.
        ch.writeInbound(buf(b, 0, 24));
        assertRejected(ch, FramingError.FRAME_TOO_LARGE);
    }

    @ParameterizedTest(name = "body 0x{0}")
    @ValueSource(longs = {0x7fffffffL, 0x7fffffe9L})
    void rejectsABodyNoBufferCanHoldEvenWithoutALimit(long body) {
        // A frame of 24 + body bytes must fit an int-indexed ByteBuf whatever the configured limit.
        EmbeddedChannel ch = channel(Integer.MAX_VALUE);
        ch.writeInbound(buf(Frames.request(0x01).bodyLengthField(body).build(), 0, 24));
        assertRejected(ch, FramingError.FRAME_TOO_LARGE);
    }

    @Test
    void waitsForTheBodyOfTheLargestFrameABufferCanHold() {
        EmbeddedChannel ch = channel(Integer.MAX_VALUE);
        ch.writeInbound(
                buf(Frames.request(0x01).bodyLengthField(Integer.MAX_VALUE - 24).build(), 0, 24));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.isOpen()).isTrue();
        assertThat(errors).isEmpty();
    }

    @Test
    void decodesTheFramesBeforeABadOneAndNothingAfterIt() {
        Fixture first = fixtures().get(1);
        byte[] bad = Frames.request(0x0a).magic(0x18).build();
        EmbeddedChannel ch = channel();
        ch.writeInbound(buf(concat(first.bytes(), bad, first.bytes())));
        List<McbpRequest> got = drain(ch);
        assertAllDecodedAs(got, List.of(first));
        assertThat(ch.isOpen()).isFalse();
        assertThat(errors).containsExactly(FramingError.BAD_MAGIC);
    }

    @Test
    void deliversWhatWasAnsweredBeforeABadFrameAndThenCloses() {
        // A handler that answers every request the way the connection does: written now, flushed at
        // the end of the read batch. The requests before the bad frame were executed; dropping their
        // answers would leave the client not knowing that, e.g., its Set was applied.
        ChannelInboundHandlerAdapter answering = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                McbpRequest r = (McbpRequest) msg;
                try {
                    ctx.write(ResponseEncoder.simple(ctx.alloc(), r.opcode(), 0, r.opaque(), 0));
                } finally {
                    r.release();
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }
        };
        EmbeddedChannel ch = new EmbeddedChannel(decoder(LIMIT), answering);
        channels.add(ch);
        byte[] good1 = Frames.request(0x01)
                .key("k")
                .extras(new byte[8])
                .value("v")
                .opaque(1)
                .build();
        byte[] good2 = Frames.request(0x0a).opaque(2).build();
        byte[] bad = Frames.request(0x0a).magic(0x00).opaque(3).build();
        ch.writeInbound(buf(concat(good1, good2, bad, good2)));

        List<Integer> answered = new ArrayList<>();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            if (out.isReadable()) {
                answered.add(out.getInt(12));
            }
            out.release();
        }
        assertThat(answered).as("opaques answered").containsExactly(1, 2);
        assertThat(ch.isOpen()).isFalse();
        assertThat(errors).containsExactly(FramingError.BAD_MAGIC);
    }

    /** Records close requests without passing them on, as if the close were still in progress. */
    private static final class PendingClose extends ChannelOutboundHandlerAdapter {
        int closes;

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            closes++;
            promise.setSuccess();
        }
    }

    @Test
    void discardsEverythingThatArrivesAfterAFramingErrorAndReportsItOnce() {
        PendingClose pending = new PendingClose();
        EmbeddedChannel ch = new EmbeddedChannel(pending, decoder(LIMIT));
        channels.add(ch);
        ch.writeInbound(buf(Frames.request(0x0a).bodyLengthField(LIMIT + 1).build(), 0, 24));
        assertThat(pending.closes).isEqualTo(1);

        // More input while the close is still under way: valid frames, another bad header, partial data.
        for (Fixture f : fixtures()) {
            ch.writeInbound(buf(f.bytes()));
        }
        ch.writeInbound(buf(Frames.request(0x0a).magic(0x81).build()));
        ch.writeInbound(buf(fixtures().get(2).bytes(), 0, 10));

        List<McbpRequest> got = drain(ch);
        got.forEach(McbpRequest::release);
        assertThat(got).isEmpty();
        assertThat(errors).containsExactly(FramingError.FRAME_TOO_LARGE);
        assertThat(pending.closes).as("close requests").isEqualTo(1);
    }

    @Test
    void reportsTheLengthsInTheDetail() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(buf(
                Frames.request(0x01)
                        .flex(new byte[0])
                        .framingLengthField(3)
                        .extrasLengthField(8)
                        .keyLengthField(5)
                        .bodyLengthField(15)
                        .build(),
                0,
                24));
        assertRejected(ch, FramingError.LENGTHS_EXCEED_BODY);
        assertThat(details).singleElement().asString().contains("3", "8", "5", "15");
    }
}
