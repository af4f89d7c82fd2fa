package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Response;
import org.junit.jupiter.api.Test;

/** Increment/Decrement on the wire (mcbp-protocol.md 4.2). */
class ArithmeticTest extends OneServerPerClass {
    private static final String MAX = "18446744073709551615"; // 2^64 - 1

    private Response incr(String key, long delta) {
        return c.call(arithmetic(INCREMENT, key, delta, 0, 0));
    }

    private Response decr(String key, long delta) {
        return c.call(arithmetic(DECREMENT, key, delta, 0, 0));
    }

    @Test
    void aMissingCounterIsCreatedHoldingTheInitialValue() {
        Response r = c.call(arithmetic(INCREMENT, "a-create", 5, 100, 0).opaque(8));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.opaque()).isEqualTo(8);
        assertThat(r.value()).hasSize(8);
        assertThat(r.valueLong()).isEqualTo(100);
        Response get = c.call(get("a-create"));
        assertThat(get.valueString()).isEqualTo("100");
        assertThat(get.cas()).isEqualTo(r.cas()).isNotZero();
        assertThat(get.extrasInt(0)).as("a created counter has flags 0").isZero();
        assertThat(get.datatype())
                .as("JSON bit hidden from a client that did not negotiate JSON")
                .isZero();
    }

    @Test
    void incrementAndDecrementAnswerTheNewValueAsEightBigEndianBytes() {
        mustSet(c, "a-count", "41");
        assertThat(incr("a-count", 1).valueLong()).isEqualTo(42);
        assertThat(decr("a-count", 40).valueLong()).isEqualTo(2);
        assertThat(incr("a-count", 1_000_000_000_000L).valueLong()).isEqualTo(1_000_000_000_002L);
        assertThat(c.call(get("a-count")).valueString()).isEqualTo("1000000000002");
    }

    @Test
    void incrementWrapsAroundAtTwoToTheSixtyFour() {
        mustSet(c, "a-wrap", MAX);
        assertThat(incr("a-wrap", 1).valueLong()).isZero();
        mustSet(c, "a-wrap", "18446744073709551610");
        assertThat(incr("a-wrap", 10).valueLong()).isEqualTo(4);
        assertThat(c.call(get("a-wrap")).valueString()).isEqualTo("4");
    }

    @Test
    void incrementHandlesValuesAboveTheSignedRange() {
        mustSet(c, "a-unsigned", "9223372036854775807"); // 2^63 - 1
        Response r = incr("a-unsigned", 1);
        assertThat(Long.toUnsignedString(r.valueLong())).isEqualTo("9223372036854775808");
        assertThat(c.call(get("a-unsigned")).valueString()).isEqualTo("9223372036854775808");
        assertThat(Long.toUnsignedString(decr("a-unsigned", 1).valueLong())).isEqualTo("9223372036854775807");
    }

    @Test
    void decrementFloorsAtZero() {
        mustSet(c, "a-floor", "5");
        assertThat(decr("a-floor", 10).valueLong()).isZero();
        assertThat(c.call(get("a-floor")).valueString()).isEqualTo("0");
        mustSet(c, "a-floor", MAX);
        assertThat(decr("a-floor", -1L).valueLong()).as("a delta of 2^64 - 1").isZero();
    }

    @Test
    void arithmeticOnANonNumericValueIsDeltaBadval() {
        mustSet(c, "a-text", "abc");
        assertThat(incr("a-text", 1).status()).isEqualTo(DELTA_BADVAL);
        assertThat(decr("a-text", 1).status()).isEqualTo(DELTA_BADVAL);
        mustSet(c, "a-text", "18446744073709551616"); // 2^64: not a 64-bit counter
        assertThat(incr("a-text", 1).status()).isEqualTo(DELTA_BADVAL);
        mustSet(c, "a-text", "-1");
        assertThat(incr("a-text", 1).status()).isEqualTo(DELTA_BADVAL);
        assertThat(c.call(get("a-text")).valueString()).isEqualTo("-1");
    }

    @Test
    void theNoCreateExpiryLeavesAMissingCounterMissing() {
        Response r = c.call(arithmetic(INCREMENT, "a-nocreate", 1, 5, NO_CREATE));
        assertThat(r.status()).isEqualTo(KEY_ENOENT);
        assertThat(r.value()).isEmpty();
        assertThat(c.call(arithmetic(DECREMENT, "a-nocreate", 1, 5, NO_CREATE)).status())
                .isEqualTo(KEY_ENOENT);
        assertThat(c.call(get("a-nocreate")).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void arithmeticKeepsTheFlagsOfAnExistingCounter() {
        c.call(store(SET, "a-flags", "1", 99, 0));
        incr("a-flags", 1);
        assertThat(c.call(get("a-flags")).extrasInt(0)).isEqualTo(99);
    }

    @Test
    void arithmeticWithANonZeroCasOrWrongExtrasIsEinval() {
        mustSet(c, "a-rules", "1");
        assertThat(c.call(arithmetic(INCREMENT, "a-rules", 1, 0, 0).cas(1)).status())
                .isEqualTo(EINVAL);
        assertThat(c.call(keyed(INCREMENT, "a-rules")).status()).isEqualTo(EINVAL);
        assertThat(c.call(get("a-rules")).valueString()).isEqualTo("1");
    }
}
