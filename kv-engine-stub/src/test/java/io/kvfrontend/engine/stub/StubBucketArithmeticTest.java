package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.START_SECONDS;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.set;
import static io.kvfrontend.engine.stub.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.ArithmeticResult;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Increment/Decrement (mcbp-protocol.md 4.2): unsigned 64-bit ASCII counters. */
class StubBucketArithmeticTest {
    private static final String MAX = "18446744073709551615"; // 2^64 - 1
    private static final long NO_CREATE = 0xFFFF_FFFFL;

    private final MutableClock clock = new MutableClock(START);
    private final StubBucket bucket = Fixtures.bucket(clock);

    @Test
    void incrementOfAMissingCounterCreatesItWithInitialAndDoesNotApplyTheDelta() {
        ArithmeticResult r = bucket.arithmetic(key("n"), true, 10, 5, 0);

        assertThat(r.status()).isEqualTo(Status.SUCCESS);
        assertThat(r.value()).isEqualTo(5);
        Item item = bucket.get(key("n")).item();
        assertThat(text(item.value())).isEqualTo("5");
        assertThat(item.flags()).isZero();
        assertThat(item.datatype()).isEqualTo(Datatype.JSON);
        assertThat(item.expiry()).isZero();
        assertThat(item.cas()).isEqualTo(r.mutation().cas());
    }

    @Test
    void decrementOfAMissingCounterAlsoCreatesItWithInitial() {
        assertThat(bucket.arithmetic(key("n"), false, 10, 5, 0).value()).isEqualTo(5);
    }

    @Test
    void aMissingCounterWithExpiryAllOnesIsKeyEnoentAndNotCreated() {
        ArithmeticResult r = bucket.arithmetic(key("n"), true, 1, 0, NO_CREATE);

        assertThat(r.status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.get(key("n")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void expiryAllOnesDoesNotStopAnExistingCounter() {
        set(bucket, "n", "1");

        assertThat(bucket.arithmetic(key("n"), true, 1, 0, NO_CREATE).value()).isEqualTo(2);
    }

    @Test
    void aCreatedCounterGetsTheRequestExpiry() {
        bucket.arithmetic(key("n"), true, 1, 0, 100);

        assertThat(bucket.get(key("n")).item().expiry()).isEqualTo(START_SECONDS + 100);
    }

    @Test
    void initialIsAnUnsigned64BitNumber() {
        ArithmeticResult r = bucket.arithmetic(key("n"), true, 1, -1L, 0);

        assertThat(r.value()).isEqualTo(-1L);
        assertThat(text(bucket.get(key("n")).item().value())).isEqualTo(MAX);
    }

    @Test
    void incrementAddsTheDelta() {
        set(bucket, "n", "40");

        ArithmeticResult r = bucket.arithmetic(key("n"), true, 2, 0, 0);

        assertThat(r.value()).isEqualTo(42);
        assertThat(text(bucket.get(key("n")).item().value())).isEqualTo("42");
    }

    @Test
    void decrementSubtractsTheDelta() {
        set(bucket, "n", "42");

        assertThat(bucket.arithmetic(key("n"), false, 2, 0, 0).value()).isEqualTo(40);
        assertThat(text(bucket.get(key("n")).item().value())).isEqualTo("40");
    }

    @Test
    void incrementWrapsModuloTwoToTheSixtyFour() {
        set(bucket, "n", MAX);

        assertThat(bucket.arithmetic(key("n"), true, 1, 0, 0).value()).isZero();
        assertThat(text(bucket.get(key("n")).item().value())).isEqualTo("0");

        set(bucket, "m", "18446744073709551610");
        assertThat(bucket.arithmetic(key("m"), true, 10, 0, 0).value()).isEqualTo(4);
    }

    @Test
    void deltaIsUnsigned() {
        set(bucket, "n", "1");

        // delta 2^64 - 1 added to 1 wraps to 0.
        assertThat(bucket.arithmetic(key("n"), true, -1L, 0, 0).value()).isZero();
        set(bucket, "m", MAX);
        assertThat(bucket.arithmetic(key("m"), false, -1L, 0, 0).value()).isZero();
    }

    @Test
    void decrementFloorsAtZero() {
        set(bucket, "n", "5");

        assertThat(bucket.arithmetic(key("n"), false, 10, 0, 0).value()).isZero();
        assertThat(text(bucket.get(key("n")).item().value())).isEqualTo("0");
        assertThat(bucket.arithmetic(key("n"), false, 1, 0, 0).value()).isZero();
    }

    @Test
    void decrementComparesUnsigned() {
        set(bucket, "n", MAX);

        // 2^64-1 is -1 as a signed long: a signed comparison would floor this at 0.
        ArithmeticResult r = bucket.arithmetic(key("n"), false, 1, 0, 0);

        assertThat(Long.toUnsignedString(r.value())).isEqualTo("18446744073709551614");
        set(bucket, "m", "1");
        // delta 2^63 is negative as a signed long: a signed comparison would subtract it.
        assertThat(bucket.arithmetic(key("m"), false, Long.MIN_VALUE, 0, 0).value())
                .isZero();
    }

    @Test
    void twentyDigitMaximumIsAValidCounter() {
        set(bucket, "n", MAX);

        ArithmeticResult r = bucket.arithmetic(key("n"), false, 0, 0, 0);

        assertThat(r.status()).isEqualTo(Status.SUCCESS);
        assertThat(r.value()).isEqualTo(-1L);
    }

    @Test
    void leadingZerosAreAccepted() {
        set(bucket, "n", "007");

        assertThat(bucket.arithmetic(key("n"), true, 1, 0, 0).value()).isEqualTo(8);
        assertThat(text(bucket.get(key("n")).item().value())).isEqualTo("8");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(
            strings = {
                "",
                "abc",
                "12a",
                "a12",
                " 12",
                "12 ",
                "-1",
                "+1",
                "1.5",
                "0x10",
                "18446744073709551616",
                "99999999999999999999",
                "000000000000000000001",
                "{\"a\":1}"
            })
    void aValueThatIsNotAnUnsigned64BitDecimalIsDeltaBadvalAndUnchanged(String value) {
        MutationResult stored = set(bucket, "n", value);

        ArithmeticResult incr = bucket.arithmetic(key("n"), true, 1, 0, 0);
        ArithmeticResult decr = bucket.arithmetic(key("n"), false, 1, 0, 0);

        assertThat(incr.status()).isEqualTo(Status.DELTA_BADVAL);
        assertThat(decr.status()).isEqualTo(Status.DELTA_BADVAL);
        assertThat(text(bucket.get(key("n")).item().value())).isEqualTo(value);
        assertThat(bucket.get(key("n")).cas()).isEqualTo(stored.cas());
        assertThat(bucket.highSeqno(stored.vbucket())).isEqualTo(stored.seqno());
    }

    @Test
    void nonAsciiDigitBytesAreDeltaBadval() {
        bucket.store(StoreMode.SET, key("n"), new byte[] {'1', (byte) 0xB9}, 0, 0, 0, Datatype.RAW, false);

        assertThat(bucket.arithmetic(key("n"), true, 1, 0, 0).status()).isEqualTo(Status.DELTA_BADVAL);
    }

    @Test
    void theNewValueIsAsciiJsonAndKeepsTheFlagsAndExpiryOfTheCounter() {
        bucket.store(StoreMode.SET, key("n"), bytes("9"), 0xCAFE, 100, 0, Datatype.RAW, false);

        bucket.arithmetic(key("n"), true, 1, 0, 5000);

        Item item = bucket.get(key("n")).item();
        assertThat(text(item.value())).isEqualTo("10");
        assertThat(item.datatype()).isEqualTo(Datatype.JSON);
        assertThat(item.flags()).isEqualTo(0xCAFE);
        assertThat(item.expiry()).isEqualTo(START_SECONDS + 100);
    }

    @Test
    void eachIncrementIsANewRevisionWithFreshCasAndSeqno() {
        MutationResult stored = set(bucket, "n", "1");

        ArithmeticResult r = bucket.arithmetic(key("n"), true, 1, 0, 0);

        assertThat(r.mutation().cas()).isNotIn(0L, stored.cas());
        assertThat(r.mutation().seqno()).isEqualTo(stored.seqno() + 1);
        assertThat(r.mutation().vbucket()).isEqualTo(stored.vbucket());
        assertThat(r.mutation().vbUuid()).isEqualTo(stored.vbUuid());
        assertThat(bucket.get(key("n")).cas()).isEqualTo(r.mutation().cas());
    }
}
