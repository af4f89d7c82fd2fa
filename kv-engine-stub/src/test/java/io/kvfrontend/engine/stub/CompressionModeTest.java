package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.CompressionMode;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.engine.spi.SnappyCodec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bucket's compression modes (Couchbase Server's {@code compressionMode}): what is stored for a
 * compressed and for a plain value, that the size limit applies to the inflated value, and that
 * append and arithmetic work on a compressed document.
 */
class CompressionModeTest {
    private static final String JSON = "{\"name\":\"" + "abcdefgh".repeat(40) + "\"}";

    private final MutableClock clock = new MutableClock(Fixtures.START);

    private StubBucket bucket(CompressionMode mode) {
        return Fixtures.bucket(
                clock, new BucketConfig("b", BucketConfig.DEFAULT_QUOTA_BYTES, 4, 1024, true, List.of(), mode));
    }

    private static Status store(StubBucket b, String key, byte[] value, int datatype) {
        return b.store(StoreMode.SET, key(key), value, 0, 0, 0, datatype, false).status();
    }

    private static Item item(StubBucket b, String key) {
        return b.get(key(key)).item();
    }

    @Test
    void aHandMadeBlockInflates() {
        // varint length 5, then one literal tag ((5 - 1) << 2) and the bytes: the raw Snappy block
        // format, written out here so the codec cannot agree with itself on a wrong format.
        byte[] block = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};

        assertThat(SnappyCodec.inflatedLength(block)).isEqualTo(5);
        assertThat(text(SnappyCodec.inflate(block, 100))).isEqualTo("hello");
        assertThat(SnappyCodec.inflate(SnappyCodec.compress(bytes(JSON)), 1000)).isEqualTo(bytes(JSON));
    }

    @Test
    void malformedBlocksAndOversizedClaimsAreRefusedBeforeAllocation() {
        assertThat(SnappyCodec.inflatedLength(new byte[0])).isEqualTo(-1);
        assertThat(SnappyCodec.inflatedLength(new byte[] {(byte) 0x80, (byte) 0x80}))
                .isEqualTo(-1);
        // 5-byte varint beyond 2^31
        assertThat(SnappyCodec.inflatedLength(new byte[] {-1, -1, -1, -1, 0x0f}))
                .isEqualTo(-1);
        assertThatThrownBy(() -> SnappyCodec.inflate(new byte[] {0x05, 0x10, 'h'}, 100))
                .isInstanceOf(SnappyCodec.MalformedException.class);
        // claims 2 GiB - 1: refused by the limit, never allocated
        assertThatThrownBy(() -> SnappyCodec.inflate(new byte[] {-1, -1, -1, -1, 0x07, 0}, 1 << 20))
                .isInstanceOf(SnappyCodec.TooLargeException.class);
        // a copy reaching before the start of the output
        assertThatThrownBy(() -> SnappyCodec.inflate(new byte[] {0x08, 0x0d, 0x40, 0x00}, 100))
                .isInstanceOf(SnappyCodec.MalformedException.class);
    }

    @Test
    void passiveStoresWhatArrives() {
        StubBucket b = bucket(CompressionMode.PASSIVE);
        byte[] compressed = SnappyCodec.compress(bytes(JSON));

        assertThat(store(b, "c", compressed, Datatype.JSON | Datatype.SNAPPY)).isEqualTo(Status.SUCCESS);
        assertThat(store(b, "p", bytes(JSON), Datatype.JSON)).isEqualTo(Status.SUCCESS);

        assertThat(item(b, "c").value()).isEqualTo(compressed);
        assertThat(item(b, "c").datatype()).isEqualTo(Datatype.JSON | Datatype.SNAPPY);
        assertThat(item(b, "p").value()).isEqualTo(bytes(JSON));
        assertThat(item(b, "p").datatype()).isEqualTo(Datatype.JSON);
        assertThat(b.getMeta(key("c")).datatype()).isEqualTo(Datatype.JSON | Datatype.SNAPPY);
    }

    @Test
    void offInflatesCompressedValues() {
        StubBucket b = bucket(CompressionMode.OFF);

        assertThat(store(b, "c", SnappyCodec.compress(bytes(JSON)), Datatype.JSON | Datatype.SNAPPY))
                .isEqualTo(Status.SUCCESS);

        assertThat(item(b, "c").value()).isEqualTo(bytes(JSON));
        assertThat(item(b, "c").datatype()).isEqualTo(Datatype.JSON);
    }

    @Test
    void activeCompressesWhatCompressesWellAndKeepsTheRestPlain() {
        StubBucket b = bucket(CompressionMode.ACTIVE);
        byte[] random = new byte[200];
        new java.util.Random(7).nextBytes(random);

        assertThat(store(b, "json", bytes(JSON), Datatype.JSON)).isEqualTo(Status.SUCCESS);
        assertThat(store(b, "random", random, Datatype.RAW)).isEqualTo(Status.SUCCESS);
        assertThat(store(b, "tiny", bytes("aaaaaaaa"), Datatype.RAW)).isEqualTo(Status.SUCCESS);

        assertThat(item(b, "json").datatype()).isEqualTo(Datatype.JSON | Datatype.SNAPPY);
        assertThat(item(b, "json").value().length).isLessThan(JSON.length() / 2);
        assertThat(SnappyCodec.inflate(item(b, "json").value(), 1024)).isEqualTo(bytes(JSON));
        assertThat(item(b, "random").datatype()).isEqualTo(Datatype.RAW);
        assertThat(item(b, "tiny").datatype()).isEqualTo(Datatype.RAW);
    }

    @Test
    void theSizeLimitIsOnTheInflatedValue() {
        StubBucket b = bucket(CompressionMode.PASSIVE);
        byte[] big = bytes("x".repeat(1025)); // limit 1024; compresses to a few dozen bytes

        assertThat(store(b, "big", SnappyCodec.compress(big), Datatype.SNAPPY)).isEqualTo(Status.E2BIG);
        assertThat(store(b, "bad", new byte[] {(byte) 0x80}, Datatype.SNAPPY)).isEqualTo(Status.EINVAL);
        assertThat(b.get(key("big")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(b.get(key("bad")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void appendAndArithmeticInflateACompressedDocument() {
        for (CompressionMode mode : new CompressionMode[] {CompressionMode.PASSIVE, CompressionMode.ACTIVE}) {
            StubBucket b = bucket(mode);
            store(b, "doc", SnappyCodec.compress(bytes("head-" + "y".repeat(100))), Datatype.SNAPPY);
            store(b, "n", SnappyCodec.compress(bytes("41")), Datatype.JSON | Datatype.SNAPPY);

            assertThat(b.concat(key("doc"), true, bytes("-tail"), 0).status()).isEqualTo(Status.SUCCESS);
            assertThat(b.arithmetic(key("n"), true, 1, 0, 0).value()).isEqualTo(42);

            Item doc = item(b, "doc");
            byte[] plain =
                    (doc.datatype() & Datatype.SNAPPY) != 0 ? SnappyCodec.inflate(doc.value(), 1024) : doc.value();
            assertThat(text(plain)).as("%s", mode).isEqualTo("head-" + "y".repeat(100) + "-tail");
            // Active mode keeps a compressible result compressed; passive stores the result plain.
            assertThat(doc.datatype() & Datatype.SNAPPY)
                    .as("%s", mode)
                    .isEqualTo(mode == CompressionMode.ACTIVE ? Datatype.SNAPPY : 0);
            assertThat(text(item(b, "n").value())).isEqualTo("42");
        }
    }

    @Test
    void modesParseAsCouchbaseServerNamesThem() {
        assertThat(CompressionMode.parse("Active")).isEqualTo(CompressionMode.ACTIVE);
        assertThat(CompressionMode.PASSIVE.wireName()).isEqualTo("passive");
        assertThatThrownBy(() -> CompressionMode.parse("zip")).hasMessageContaining("off, passive or active");
        assertThat(BucketConfig.defaults("d").compression()).isEqualTo(CompressionMode.PASSIVE);
    }
}
