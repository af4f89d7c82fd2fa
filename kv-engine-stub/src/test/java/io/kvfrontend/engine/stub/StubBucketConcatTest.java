package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.START_SECONDS;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static io.kvfrontend.engine.stub.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import org.junit.jupiter.api.Test;

/** Append/Prepend (mcbp-protocol.md 4.2). */
class StubBucketConcatTest {
    private final MutableClock clock = new MutableClock(START);
    private final StubBucket bucket = Fixtures.bucket(clock); // maxValueBytes 1024

    @Test
    void appendAddsBytesAtTheEnd() {
        set(bucket, "k", "abc");

        MutationResult m = bucket.concat(key("k"), true, bytes("def"), 0);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("abcdef");
    }

    @Test
    void prependAddsBytesAtTheStart() {
        set(bucket, "k", "abc");

        bucket.concat(key("k"), false, bytes("xyz"), 0);

        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("xyzabc");
    }

    @Test
    void concatToAMissingDocumentIsNotStored() {
        assertThat(bucket.concat(key("k"), true, bytes("x"), 0).status()).isEqualTo(Status.NOT_STORED);
        assertThat(bucket.concat(key("k"), false, bytes("x"), 0).status()).isEqualTo(Status.NOT_STORED);
        assertThat(bucket.concat(key("k"), true, bytes("x"), 1234).status()).isEqualTo(Status.NOT_STORED);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void concatWithAStaleCasIsKeyEexistsAndChangesNothing() {
        MutationResult first = set(bucket, "k", "a");
        set(bucket, "k", "b");

        assertThat(bucket.concat(key("k"), true, bytes("x"), first.cas()).status())
                .isEqualTo(Status.KEY_EEXISTS);
        assertThat(bucket.concat(key("k"), false, bytes("x"), first.cas()).status())
                .isEqualTo(Status.KEY_EEXISTS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("b");
    }

    @Test
    void concatWithTheCurrentCasSucceeds() {
        MutationResult stored = set(bucket, "k", "a");

        assertThat(bucket.concat(key("k"), true, bytes("b"), stored.cas()).status())
                .isEqualTo(Status.SUCCESS);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("ab");
    }

    @Test
    void resultLongerThanMaxValueBytesIsE2bigAndChangesNothing() {
        bucket.store(StoreMode.SET, key("k"), new byte[1000], 0, 0, 0, Datatype.RAW, false);

        assertThat(bucket.concat(key("k"), true, new byte[25], 0).status()).isEqualTo(Status.E2BIG);
        assertThat(bucket.concat(key("k"), false, new byte[25], 0).status()).isEqualTo(Status.E2BIG);
        assertThat(bucket.get(key("k")).item().value()).hasSize(1000);
        assertThat(bucket.concat(key("k"), true, new byte[24], 0).status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).item().value()).hasSize(1024);
    }

    @Test
    void concatKeepsFlagsAndExpiry() {
        bucket.store(StoreMode.SET, key("k"), bytes("a"), 0xBEEF, 100, 0, Datatype.RAW, false);

        bucket.concat(key("k"), true, bytes("b"), 0);

        Item item = bucket.get(key("k")).item();
        assertThat(item.flags()).isEqualTo(0xBEEF);
        assertThat(item.expiry()).isEqualTo(START_SECONDS + 100);
    }

    @Test
    void concatClearsTheJsonBitAndKeepsTheOtherDatatypeBits() {
        bucket.store(StoreMode.SET, key("j"), bytes("{}"), 0, 0, 0, Datatype.JSON, false);
        byte[] withXattr = io.kvfrontend.engine.spi.Xattrs.encode(java.util.Map.of("_a", bytes("1")), bytes("{}"));
        bucket.store(StoreMode.SET, key("x"), withXattr, 0, 0, 0, Datatype.JSON | Datatype.XATTR, false);

        bucket.concat(key("j"), true, bytes("tail"), 0);
        bucket.concat(key("x"), true, bytes("tail"), 0);

        assertThat(bucket.get(key("j")).item().datatype()).isEqualTo(Datatype.RAW);
        Item x = bucket.get(key("x")).item();
        assertThat(x.datatype()).isEqualTo(Datatype.XATTR);
        // The body grows behind the attributes, which stay as they were.
        assertThat(io.kvfrontend.engine.spi.Xattrs.body(x.value(), x.datatype()))
                .isEqualTo(bytes("{}tail"));
        assertThat(io.kvfrontend.engine.spi.Xattrs.parse(x.value(), x.datatype()))
                .containsOnlyKeys("_a");
    }

    @Test
    void appendingNothingIsStillANewRevision() {
        MutationResult stored = set(bucket, "k", "a");

        MutationResult m = bucket.concat(key("k"), true, new byte[0], 0);

        assertThat(m.status()).isEqualTo(Status.SUCCESS);
        assertThat(m.cas()).isNotIn(0L, stored.cas());
        assertThat(m.seqno()).isEqualTo(stored.seqno() + 1);
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("a");
    }

    @Test
    void concatNeverModifiesTheArrayOfThePreviousRevision() {
        set(bucket, "k", "abc");
        byte[] before = bucket.get(key("k")).item().value();

        bucket.concat(key("k"), true, bytes("def"), 0);

        assertThat(text(before)).isEqualTo("abc");
    }
}
