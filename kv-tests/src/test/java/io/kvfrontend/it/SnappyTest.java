package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.APPEND;
import static io.kvfrontend.it.Mcbp.E2BIG;
import static io.kvfrontend.it.Mcbp.EINVAL;
import static io.kvfrontend.it.Mcbp.GET;
import static io.kvfrontend.it.Mcbp.GETK;
import static io.kvfrontend.it.Mcbp.INCREMENT;
import static io.kvfrontend.it.Mcbp.KEY_ENOENT;
import static io.kvfrontend.it.Mcbp.SET;
import static io.kvfrontend.it.Mcbp.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.CompressionMode;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/**
 * Snappy values (HELLO 0x0a, datatype bit 0x02; mcbp-protocol.md 3.1) between a client that
 * negotiated Snappy and one that did not, in both directions, in buckets of each compression mode;
 * and malformed or oversized compressed input. The test compresses with snappy-java directly and
 * checks one hand-made block, so the server's codec cannot agree with itself on a wrong format.
 */
class SnappyTest {
    static final int HELLO = 0x1f;
    static final int SELECT_BUCKET = 0x89;
    static final int XERROR = 0x07;
    static final int SNAPPY_FEATURE = 0x0a;
    static final int JSON_FEATURE = 0x0b;
    static final int SNAPPY_EVERYWHERE = 0x13;
    static final int DT_JSON = 0x01;
    static final int DT_SNAPPY = 0x02;

    static final String DOC = "{\"text\":\"" + "the quick brown fox ".repeat(50) + "\"}";

    private static TestServer server;
    private McbpClient compressing;
    private McbpClient plain;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(TestServer.config()
                .buckets(List.of(
                        new BucketConfig("default", 64 << 20, 16, 4096, true),
                        new BucketConfig("off", 64 << 20, 16, 4096, true, List.of(), CompressionMode.OFF),
                        new BucketConfig("active", 64 << 20, 16, 4096, true, List.of(), CompressionMode.ACTIVE)))
                .build());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        compressing = server.client();
        plain = server.client();
        assertThat(hello(compressing, SNAPPY_FEATURE, JSON_FEATURE, XERROR))
                .containsExactly(XERROR, SNAPPY_FEATURE, JSON_FEATURE);
        assertThat(hello(plain, JSON_FEATURE)).containsExactly(JSON_FEATURE);
    }

    @AfterEach
    void disconnect() {
        compressing.close();
        plain.close();
    }

    private static int[] hello(McbpClient c, int... features) {
        ByteBuffer value = ByteBuffer.allocate(features.length * 2);
        for (int f : features) {
            value.putShort((short) f);
        }
        Response r = c.call(Frames.request(HELLO).key("snappy-test").value(value.array()));
        assertThat(r.status()).isZero();
        ByteBuffer acked = ByteBuffer.wrap(r.value());
        int[] out = new int[r.value().length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = acked.getShort() & 0xffff;
        }
        return out;
    }

    private void select(String bucket) {
        assertThat(compressing.call(Frames.request(SELECT_BUCKET).key(bucket)).status())
                .isZero();
        assertThat(plain.call(Frames.request(SELECT_BUCKET).key(bucket)).status())
                .isZero();
    }

    private static byte[] compress(String s) {
        try {
            return Snappy.compress(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String inflate(byte[] b) {
        try {
            return new String(Snappy.uncompress(b), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Frames set(String key, byte[] value, int datatype) {
        return Frames.request(SET)
                .key(key)
                .extras(Frames.storeExtras(0x2a, 0))
                .datatype(datatype)
                .value(value);
    }

    private static Item stored(String bucket, String key) {
        return server.server()
                .engine()
                .bucket(bucket)
                .get(DocKey.ofDefault(key.getBytes(StandardCharsets.UTF_8)))
                .item();
    }

    @Test
    void aCompressedWriteIsKeptCompressedAndEachReaderGetsTheFormItNegotiated() {
        select("default");
        byte[] compressed = compress(DOC);
        assertThat(compressing.call(set("doc", compressed, DT_JSON | DT_SNAPPY)).status())
                .isEqualTo(SUCCESS);

        Item item = stored("default", "doc");
        assertThat(item.datatype()).isEqualTo(DT_JSON | DT_SNAPPY);
        assertThat(item.value()).isEqualTo(compressed);

        Response toCompressing = compressing.call(Mcbp.get("doc"));
        assertThat(toCompressing.status()).isEqualTo(SUCCESS);
        assertThat(toCompressing.datatype()).isEqualTo(DT_JSON | DT_SNAPPY);
        assertThat(inflate(toCompressing.value())).isEqualTo(DOC);
        assertThat(toCompressing.extrasInt(0)).isEqualTo(0x2a);

        for (int op : new int[] {GET, GETK}) {
            Response toPlain = plain.call(Mcbp.keyed(op, "doc"));
            assertThat(toPlain.status()).isEqualTo(SUCCESS);
            assertThat(toPlain.datatype()).isEqualTo(DT_JSON);
            assertThat(toPlain.valueString()).isEqualTo(DOC);
        }
    }

    @Test
    void theServerDetectsJsonInsideTheCompressedValueAndIgnoresTheClientsBit() {
        select("default");
        compressing.call(set("raw", compress("not json at all, not json at all, not json"), DT_JSON | DT_SNAPPY));
        compressing.call(set("json", compress(DOC), DT_SNAPPY));

        assertThat(stored("default", "raw").datatype()).isEqualTo(DT_SNAPPY);
        assertThat(stored("default", "json").datatype()).isEqualTo(DT_JSON | DT_SNAPPY);
    }

    @Test
    void aPlainWriteReachesACompressingReaderPlainInAPassiveBucket() {
        select("default");
        assertThat(plain.call(set("p", DOC.getBytes(StandardCharsets.UTF_8), DT_JSON))
                        .status())
                .isEqualTo(SUCCESS);

        Response r = compressing.call(Mcbp.get("p"));
        assertThat(r.datatype()).isEqualTo(DT_JSON);
        assertThat(r.valueString()).isEqualTo(DOC);
    }

    @Test
    void anActiveBucketCompressesPlainWritesAndAnOffBucketInflatesCompressedOnes() {
        select("active");
        plain.call(set("a", DOC.getBytes(StandardCharsets.UTF_8), DT_JSON));
        assertThat(stored("active", "a").datatype()).isEqualTo(DT_JSON | DT_SNAPPY);
        assertThat(stored("active", "a").value().length).isLessThan(DOC.length() / 4);
        Response toCompressing = compressing.call(Mcbp.get("a"));
        assertThat(toCompressing.datatype()).isEqualTo(DT_JSON | DT_SNAPPY);
        assertThat(inflate(toCompressing.value())).isEqualTo(DOC);
        assertThat(plain.call(Mcbp.get("a")).valueString()).isEqualTo(DOC);

        select("off");
        compressing.call(set("o", compress(DOC), DT_JSON | DT_SNAPPY));
        assertThat(stored("off", "o").datatype()).isEqualTo(DT_JSON);
        assertThat(new String(stored("off", "o").value(), StandardCharsets.UTF_8))
                .isEqualTo(DOC);
        Response r = compressing.call(Mcbp.get("o"));
        assertThat(r.datatype()).isEqualTo(DT_JSON);
        assertThat(r.valueString()).isEqualTo(DOC);
    }

    @Test
    void appendAndIncrementWorkOnCompressedDocumentsAndAcceptCompressedInput() {
        select("default");
        compressing.call(set("log", compress("line-1;".repeat(20)), DT_SNAPPY));
        Response appended = compressing.call(
                Frames.request(APPEND).key("log").datatype(DT_SNAPPY).value(compress("line-2;")));
        assertThat(appended.status()).isEqualTo(SUCCESS);
        assertThat(plain.call(Mcbp.get("log")).valueString()).isEqualTo("line-1;".repeat(20) + "line-2;");

        compressing.call(set("n", compress("41"), DT_JSON | DT_SNAPPY));
        Response incr = plain.call(Mcbp.arithmetic(INCREMENT, "n", 1, 0, 0));
        assertThat(incr.status()).isEqualTo(SUCCESS);
        assertThat(incr.valueLong()).isEqualTo(42);
        assertThat(compressing.call(Mcbp.get("n")).valueString()).isEqualTo("42");
    }

    @Test
    void aHandMadeBlockIsUnderstood() {
        select("default");
        // varint length 5, one literal tag ((5 - 1) << 2), the bytes (the raw block format).
        byte[] block = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};
        assertThat(compressing.call(set("h", block, DT_SNAPPY)).status()).isEqualTo(SUCCESS);
        assertThat(plain.call(Mcbp.get("h")).valueString()).isEqualTo("hello");
    }

    @Test
    void malformedAndOversizedCompressedValuesAreRefusedAndStoreNothing() {
        select("default");
        byte[] truncated = java.util.Arrays.copyOf(compress(DOC), 20);
        Response bad = compressing.call(set("bad", truncated, DT_SNAPPY));
        assertThat(bad.status()).isEqualTo(EINVAL);
        assertThat(bad.valueString()).contains("Invalid Snappy-compressed value");

        Response preamble = compressing.call(set("bad", new byte[] {(byte) 0x80, (byte) 0x80}, DT_SNAPPY));
        assertThat(preamble.status()).isEqualTo(EINVAL);

        // 5 KiB inflated against the bucket's 4 KiB limit; and a preamble claiming 2 GiB
        Response big = compressing.call(set("big", compress("x".repeat(5000)), DT_SNAPPY));
        assertThat(big.status()).isEqualTo(E2BIG);
        Response bomb = compressing.call(set("bomb", new byte[] {-1, -1, -1, -1, 0x07, 0}, DT_SNAPPY));
        assertThat(bomb.status()).isEqualTo(E2BIG);

        Response appendBad = compressing.call(
                Frames.request(APPEND).key("bad").datatype(DT_SNAPPY).value(truncated));
        assertThat(appendBad.status()).isEqualTo(EINVAL);

        for (String key : new String[] {"bad", "big", "bomb"}) {
            assertThat(plain.call(Mcbp.get(key)).status()).as(key).isEqualTo(KEY_ENOENT);
        }
        // The connection is still good.
        assertThat(compressing.call(set("ok", compress(DOC), DT_SNAPPY)).status())
                .isEqualTo(SUCCESS);
    }

    @Test
    void theSnappyBitIsRefusedFromAClientThatDidNotNegotiateItAndSnappyEverywhereEnablesIt() {
        select("default");
        Response r = plain.call(set("x", compress(DOC), DT_SNAPPY));
        assertThat(r.status()).isEqualTo(EINVAL);

        try (McbpClient everywhere = server.client()) {
            assertThat(hello(everywhere, SNAPPY_EVERYWHERE)).containsExactly(SNAPPY_EVERYWHERE);
            assertThat(everywhere
                            .call(Frames.request(SELECT_BUCKET).key("default"))
                            .status())
                    .isZero();
            assertThat(everywhere.call(set("e", compress(DOC), DT_SNAPPY)).status())
                    .isEqualTo(SUCCESS);
            Response got = everywhere.call(Mcbp.get("e"));
            assertThat(got.datatype()).isEqualTo(DT_SNAPPY); // JSON not negotiated: masked
            assertThat(inflate(got.value())).isEqualTo(DOC);
        }
    }
}
