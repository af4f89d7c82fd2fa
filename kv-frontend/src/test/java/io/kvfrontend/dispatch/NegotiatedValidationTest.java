package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.auth.SaslServer;
import io.kvfrontend.auth.UserStore;
import io.kvfrontend.codec.McbpFrameDecoder;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.connection.McbpConnectionHandler;
import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.server.Engines;
import io.kvfrontend.server.ServerContext;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The validation rules that depend on negotiated features (extended errors, JSON, Collections):
 * the real decoder, connection handler, dispatcher and engine on an {@link EmbeddedChannel}, with
 * features negotiated by a real HELLO.
 */
class NegotiatedValidationTest {
    private static final int SUCCESS = 0x00;
    private static final int KEY_ENOENT = 0x01;
    private static final int EINVAL = 0x04;
    private static final int UNKNOWN_COLLECTION = 0x88;
    private static final int DURABILITY_INVALID_LEVEL = 0xa0;

    private static final int GET = 0x00;
    private static final int SET = 0x01;
    private static final int NOOP = 0x0a;

    private Engine engine;
    private EmbeddedChannel channel;
    private McbpConnectionHandler handler;

    @BeforeEach
    void setUp() {
        ServerConfig config = TestServer.config().backgroundThreads(1).build();
        engine = Engines.fromConfig(config);
        config.buckets().forEach(engine::createBucket);
        ServerContext context = new ServerContext(
                config,
                engine,
                new Dispatcher(CommandTable.standard(), List.of()),
                new SimpleMeterRegistry(),
                new OutputMetrics(config.outputMode()),
                "test",
                "embedded",
                1,
                SaslServer.create(UserStore.builder().build()));
        McbpFrameDecoder decoder = new McbpFrameDecoder(config.maxFrameBytes(), (ctx, e, d) -> {});
        handler = new McbpConnectionHandler(context, decoder);
        channel = new EmbeddedChannel(decoder, handler);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        engine.close();
    }

    /** A real HELLO asking for {@code features}; all of them must be acknowledged. */
    private void negotiate(int... features) {
        byte[] value = new byte[features.length * 2];
        for (int i = 0; i < features.length; i++) {
            value[2 * i] = (byte) (features[i] >>> 8);
            value[2 * i + 1] = (byte) features[i];
        }
        List<Response> r =
                exchange(Frames.request(0x1f).key("test").value(value).opaque(0x1f1f));
        assertThat(r).hasSize(1);
        assertThat(r.get(0).status()).isZero();
        assertThat(r.get(0).value()).as("acknowledged features").hasSize(value.length);
    }

    /** Sends the frames in one read and returns every response they produced. */
    private List<Response> exchange(Frames... frames) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Frames f : frames) {
            bytes.writeBytes(f.build());
        }
        byte[] b = bytes.toByteArray();
        channel.writeInbound(ByteBufAllocator.DEFAULT.buffer(b.length).writeBytes(b));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object m;
        while ((m = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) m;
            try {
                byte[] chunk = new byte[buf.readableBytes()];
                buf.readBytes(chunk);
                out.writeBytes(chunk);
            } finally {
                buf.release();
            }
        }
        byte[] all = out.toByteArray();
        List<Response> responses = new ArrayList<>();
        int pos = 0;
        while (pos < all.length) {
            int body = java.nio.ByteBuffer.wrap(all, pos + 8, 4).getInt();
            responses.add(Response.parse(
                    Arrays.copyOfRange(all, pos, pos + 24), Arrays.copyOfRange(all, pos + 24, pos + 24 + body)));
            pos += 24 + body;
        }
        return responses;
    }

    private Response one(Frames frame) {
        List<Response> r = exchange(frame, Frames.request(NOOP).opaque(0x7777));
        assertThat(r).as("responses").hasSize(2);
        assertThat(r.get(1).opaque()).as("connection still answers").isEqualTo(0x7777);
        assertThat(channel.isOpen()).isTrue();
        return r.get(0);
    }

    // ------------------------------------------------------------------------------------ extended errors

    @Test
    void extendedErrorsCarryTheRuleInAJsonErrorContext() {
        negotiate(Feature.XERROR, Feature.JSON);
        Response r = one(Frames.request(GET).opaque(42));
        assertThat(r.status()).isEqualTo(EINVAL);
        assertThat(r.opaque()).isEqualTo(42);
        assertThat(r.datatype()).as("JSON datatype").isEqualTo(0x01);
        assertThat(r.valueString()).isEqualTo("{\"error\":{\"context\":\"Request must include key\"}}");
    }

    @Test
    void extendedErrorContextIsRawWhenJsonWasNotNegotiated() {
        negotiate(Feature.XERROR);
        Response r = one(Frames.request(NOOP).cas(1).opaque(43));
        assertThat(r.status()).isEqualTo(EINVAL);
        assertThat(r.datatype()).isZero();
        assertThat(r.valueString()).contains("\"context\":\"Request CAS must be 0\"");
    }

    @Test
    void anInvalidDurabilityLevelIsAnsweredToAnExtendedErrorsClient() {
        negotiate(Feature.XERROR);
        Response r = one(Frames.request(SET)
                .key("k")
                .extras(Frames.storeExtras(0, 0))
                .value("v")
                .flex((byte) 0x13, (byte) 0x01, (byte) 0x00, (byte) 0x00)
                .opaque(44));
        assertThat(r.status()).isEqualTo(DURABILITY_INVALID_LEVEL);
        assertThat(r.opaque()).isEqualTo(44);
        assertThat(r.valueString()).contains("Invalid durability timeout 0");
    }

    // ------------------------------------------------------------------------------------ datatypes

    @Test
    void acceptsTheJsonDatatypeOnceNegotiated() {
        negotiate(Feature.JSON);
        Response r = one(Frames.request(SET)
                .key("j")
                .extras(Frames.storeExtras(0, 0))
                .value("{}")
                .datatype(0x01)
                .opaque(45));
        assertThat(r.status()).isEqualTo(SUCCESS);
    }

    @Test
    void neverAcceptsXattrOnAMutationEvenWhenAskedFor() {
        // HELLO acknowledges XATTR (sub-document xattr paths use it), but a full-document
        // mutation never carries an xattr section (mcbp-protocol.md 3.1).
        List<Response> hello = exchange(Frames.request(0x1f)
                .key("test")
                .value(new byte[] {0, Feature.XATTR, 0, Feature.JSON, 0, Feature.SNAPPY})
                .opaque(0x1f1f));
        assertThat(hello.get(0).value()).containsExactly(0, Feature.XATTR, 0, Feature.SNAPPY, 0, Feature.JSON);
        Response r = one(Frames.request(SET)
                .key("x")
                .extras(Frames.storeExtras(0, 0))
                .value("v")
                .datatype(0x04)
                .opaque(46));
        assertThat(r.status()).isEqualTo(EINVAL);
    }

    // ------------------------------------------------------------------------------------ collections

    private static byte[] key(byte[] prefix, int logicalLength) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + logicalLength);
        Arrays.fill(k, prefix.length, k.length, (byte) 'a');
        return k;
    }

    private static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    static Stream<Arguments> collectionKeys() {
        return Stream.of(
                Arguments.of("default collection, 1-byte key", key(b(0x00), 1), KEY_ENOENT),
                Arguments.of("default collection, 250-byte key", key(b(0x00), 250), KEY_ENOENT),
                Arguments.of("default collection, 251-byte key", key(b(0x00), 251), EINVAL),
                Arguments.of("collection 8, 246-byte key", key(b(0x08), 246), UNKNOWN_COLLECTION),
                Arguments.of("collection 8, 247-byte key", key(b(0x08), 247), EINVAL),
                Arguments.of("collection 0x555, 246-byte key", key(b(0xd5, 0x0a), 246), UNKNOWN_COLLECTION),
                Arguments.of("collection 0xffffffff", key(b(0xff, 0xff, 0xff, 0xff, 0x0f), 3), UNKNOWN_COLLECTION),
                Arguments.of("prefix only, no logical key", b(0x08), EINVAL),
                Arguments.of("reserved collection 1", key(b(0x01), 3), EINVAL),
                Arguments.of("reserved collection 7", key(b(0x07), 3), EINVAL),
                Arguments.of("non-canonical 0 (80 00)", key(b(0x80, 0x00), 3), EINVAL),
                Arguments.of("truncated prefix (all continuation)", b(0x80, 0x80), EINVAL),
                Arguments.of("six-byte prefix", key(b(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 3), EINVAL),
                Arguments.of("over 32 bits", key(b(0xff, 0xff, 0xff, 0xff, 0x1f), 3), EINVAL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("collectionKeys")
    void checksTheCollectionPrefixOfEveryDocumentKey(String name, byte[] key, int status) {
        // With extended errors, so that a collection the engine does not have (0x88) is told apart
        // from a key the validator rejected (0x04).
        negotiate(Feature.COLLECTIONS, Feature.XERROR);
        Response r = one(Frames.request(GET).key(key).opaque(47));
        assertThat(r.opcode()).isEqualTo(GET);
        assertThat(r.opaque()).isEqualTo(47);
        assertThat(r.status()).isEqualTo(status);
    }

    @Test
    void withoutCollectionsAPrefixByteIsPartOfThePlainKey() {
        Response set = one(Frames.request(SET)
                .key(b(0x01, 'a'))
                .extras(Frames.storeExtras(0, 0))
                .value("plain")
                .opaque(48));
        assertThat(set.status()).isEqualTo(SUCCESS);
        Response get = one(Frames.request(GET).key(b(0x01, 'a')).opaque(49));
        assertThat(get.status()).isEqualTo(SUCCESS);
        assertThat(get.value()).isEqualTo("plain".getBytes(StandardCharsets.US_ASCII));
    }
}
