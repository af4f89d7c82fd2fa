package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvfrontend.testsupport.Response;
import org.junit.jupiter.api.Test;

/**
 * Requests with the alternative magic 0x08 and framing extras (mcbp-protocol.md 1.5, 2.2), which the
 * server accepts at any time; responses stay classic (0x81) for a client without Tracing.
 */
class FlexFramingTest extends OneServerPerClass {
    private static final byte BARRIER = 0x00;
    private static final byte PRESERVE_TTL = 0x50;
    private static final byte[] DURABILITY_MAJORITY = {0x11, 0x01};

    private long expiryOf(String key) {
        return Integer.toUnsignedLong(c.call(keyed(GET_META, key)).extrasInt(8));
    }

    @Test
    void aRequestWithTheAlternativeMagicIsServedAndAnsweredClassically() {
        Response set = c.call(set("flex", "v").flex().opaque(1));
        assertThat(set.status()).isEqualTo(SUCCESS);
        assertThat(set.magic()).isEqualTo(0x81);
        Response get = c.call(get("flex").flex(BARRIER).opaque(2));
        assertThat(get.magic()).isEqualTo(0x81);
        assertThat(get.valueString()).isEqualTo("v");
        assertThat(get.opaque()).isEqualTo(2);
    }

    @Test
    void preserveTtlKeepsTheExpiryOfTheDocumentBeingReplaced() {
        c.call(store(SET, "flex-ttl", "v1", 0, 1000));
        long expiry = expiryOf("flex-ttl");
        assertThat(expiry).isPositive();

        assertThat(c.call(store(SET, "flex-ttl", "v2", 0, 0).flex(PRESERVE_TTL)).status())
                .isEqualTo(SUCCESS);
        assertThat(expiryOf("flex-ttl")).isEqualTo(expiry);
        assertThat(c.call(store(REPLACE, "flex-ttl", "v3", 0, 0).flex(PRESERVE_TTL))
                        .status())
                .isEqualTo(SUCCESS);
        assertThat(expiryOf("flex-ttl")).isEqualTo(expiry);
        assertThat(c.call(get("flex-ttl")).valueString()).isEqualTo("v3");

        // Without the frame info the request's expiry (0: never) applies.
        assertThat(c.call(store(SET, "flex-ttl", "v4", 0, 0)).status()).isEqualTo(SUCCESS);
        assertThat(expiryOf("flex-ttl")).isZero();
    }

    @Test
    void preserveTtlOnACommandThatDoesNotSupportItIsNotSupported() {
        assertThat(c.call(store(ADD, "flex-add", "v", 0, 0).flex(PRESERVE_TTL)).status())
                .isEqualTo(NOT_SUPPORTED);
        assertThat(c.call(withExpiry(TOUCH, "flex-add", 0).flex(PRESERVE_TTL)).status())
                .isEqualTo(NOT_SUPPORTED);
        assertThat(c.call(get("flex-add")).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void durabilityIsRefusedOnQuietAndReadOpcodes() {
        c.send(store(SETQ, "flex-dur", "v", 0, 0).flex(DURABILITY_MAJORITY).opaque(1))
                .send(noop().opaque(2));
        assertThat(c.receive(2))
                .extracting(Response::opaque, Response::status)
                .containsExactly(tuple(1, EINVAL), tuple(2, SUCCESS));
        assertThat(c.call(get("flex-dur").flex(DURABILITY_MAJORITY)).status()).isEqualTo(EINVAL);
        assertThat(c.call(get("flex-dur")).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void anUnknownFrameInfoIsUnknownFrameInfoAndABrokenEncodingEinval() {
        assertThat(c.call(get("flex-fi").flex((byte) 0x30)).status()).isEqualTo(0x80);
        // Claims two data bytes where there are none.
        assertThat(c.call(get("flex-fi").flex((byte) 0x52)).status()).isEqualTo(EINVAL);
        assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
    }
}
