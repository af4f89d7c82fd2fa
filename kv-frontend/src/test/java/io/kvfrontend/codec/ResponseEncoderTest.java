package io.kvfrontend.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ResponseEncoder}: the exact bytes of header + extras + key (mcbp-protocol.md 1.4), a body
 * length that counts the separately sent value, exactly-sized header buffers, and a value that is
 * wrapped, never copied.
 */
class ResponseEncoderTest {

    static Stream<ByteBufAllocator> allocators() {
        return Stream.of(
                PooledByteBufAllocator.DEFAULT,
                new UnpooledByteBufAllocator(true),
                new UnpooledByteBufAllocator(false));
    }

    private static String hex(ByteBuf b) {
        return ByteBufUtil.hexDump(b);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void writesHeaderExtrasAndKeyExactlyAndCountsTheValueInTheBodyLength(ByteBufAllocator alloc) {
        byte[] extras = {0x00, 0x00, 0x00, 0x07};
        byte[] key = "key".getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = ResponseEncoder.header(alloc, 0x0c, 0x0001, 0xdeadbeef, 0x0102030405060708L, 0x01, extras, key, 5);
        try {
            assertThat(hex(b))
                    .isEqualTo("81" + "0c" + "0003" // magic, opcode, key length
                            + "04" + "01" + "0001" // extras length, datatype, status
                            + "0000000c" // body = 4 extras + 3 key + 5 value
                            + "deadbeef" // opaque
                            + "0102030405060708" // cas
                            + "00000007" + "6b6579"); // extras, key; the value is not in this buffer
            assertThat(b.readableBytes()).isEqualTo(24 + 4 + 3);
            assertThat(b.capacity()).as("exactly sized").isEqualTo(b.readableBytes());
        } finally {
            b.release();
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void takesTheKeyFromARequestSliceWithoutConsumingIt(ByteBufAllocator alloc) {
        ByteBuf request = alloc.buffer(16).writeBytes("xxhello-keyyy".getBytes(StandardCharsets.US_ASCII));
        try {
            ByteBuf key = request.slice(2, 9);
            ByteBuf b = ResponseEncoder.header(alloc, 0x0d, 0, -1, -1L, 0, null, key, 0);
            try {
                assertThat(hex(b))
                        .isEqualTo("81" + "0d" + "0009" + "00" + "00" + "0000" + "00000009" + "ffffffff"
                                + "ffffffffffffffff"
                                + ByteBufUtil.hexDump("hello-key".getBytes(StandardCharsets.US_ASCII)));
                assertThat(b.capacity()).isEqualTo(b.readableBytes());
                assertThat(key.readerIndex()).as("key slice not consumed").isZero();
                assertThat(key.readableBytes()).isEqualTo(9);
            } finally {
                b.release();
            }
        } finally {
            request.release();
        }
    }

    @Test
    void treatsANullBufferKeyAsNoKey() {
        ByteBuf b = ResponseEncoder.header(ByteBufAllocator.DEFAULT, 0x01, 0, 1, 9, 0, new byte[16], (ByteBuf) null, 0);
        try {
            assertThat(b.getUnsignedShort(2)).isZero();
            assertThat(b.getUnsignedByte(4)).isEqualTo((short) 16);
            assertThat(b.getInt(8)).isEqualTo(16);
            assertThat(b.readableBytes()).isEqualTo(40).isEqualTo(b.capacity());
        } finally {
            b.release();
        }
    }

    @Test
    void treatsNullExtrasAndKeyAsEmpty() {
        ByteBuf b =
                ResponseEncoder.header(ByteBufAllocator.DEFAULT, 0x00, 0x81, 0x11223344, 0, 0, null, (byte[]) null, 0);
        try {
            assertThat(hex(b)).isEqualTo("8100000000000081" + "00000000" + "11223344" + "0000000000000000");
            assertThat(b.capacity()).isEqualTo(24);
        } finally {
            b.release();
        }
    }

    @Test
    void writesSixteenBitStatusesAndKeysOverTwoHundredFiftyFiveBytes() {
        byte[] key = new byte[300];
        ByteBuf b = ResponseEncoder.header(ByteBufAllocator.DEFAULT, 0xff, 0xa7, 0, 0, 0xff, null, key, 70000);
        try {
            assertThat(b.getUnsignedByte(1)).isEqualTo((short) 0xff);
            assertThat(b.getUnsignedShort(2)).isEqualTo(300);
            assertThat(b.getUnsignedByte(5)).isEqualTo((short) 0xff);
            assertThat(b.getUnsignedShort(6)).isEqualTo(0xa7);
            assertThat(b.getUnsignedInt(8)).isEqualTo(300 + 70000L);
            assertThat(b.readableBytes()).isEqualTo(324).isEqualTo(b.capacity());
        } finally {
            b.release();
        }
    }

    @Test
    void simpleIsAWholeEmptyResponse() {
        ByteBuf b = ResponseEncoder.simple(ByteBufAllocator.DEFAULT, 0x0a, 0x04, 0x01020304, 0x0aL);
        try {
            assertThat(b).isNotNull();
            assertThat(HexFormat.of().formatHex(ByteBufUtil.getBytes(b)))
                    .isEqualTo("810a000000000004" + "00000000" + "01020304" + "000000000000000a");
            assertThat(b.capacity()).isEqualTo(24);
        } finally {
            b.release();
        }
    }

    @Test
    void wrapsTheValueArrayWithoutCopying() {
        byte[] value = "the value".getBytes(StandardCharsets.US_ASCII);
        ByteBuf v = ResponseEncoder.value(value);
        try {
            assertThat(v.hasArray()).isTrue();
            assertThat(v.array()).isSameAs(value);
            assertThat(v.arrayOffset()).isZero();
            assertThat(v.readerIndex()).isZero();
            assertThat(v.readableBytes()).isEqualTo(value.length);
            value[0] = 'T';
            assertThat(v.getByte(0)).as("shares the array").isEqualTo((byte) 'T');
        } finally {
            v.release();
        }
    }

    @Test
    void hasNothingToSendForAnEmptyOrMissingValue() {
        assertThat(ResponseEncoder.value(new byte[0])).isNull();
        assertThat(ResponseEncoder.value(null)).isNull();
    }

    @Test
    void headerAndValueTogetherAreOneWholeResponse() {
        byte[] value = "{\"a\":1}".getBytes(StandardCharsets.US_ASCII);
        byte[] flags = {0, 0, 0, 1};
        ByteBuf h =
                ResponseEncoder.header(ByteBufAllocator.DEFAULT, 0x00, 0, 7, 99, 1, flags, (byte[]) null, value.length);
        ByteBuf v = ResponseEncoder.value(value);
        try {
            // A reader that trusts the header's body length must end exactly at the value's end.
            assertThat(24 + h.getInt(8)).isEqualTo(h.readableBytes() + v.readableBytes());
            int valueLength = h.getInt(8) - h.getUnsignedByte(4) - h.getUnsignedShort(2);
            assertThat(valueLength).isEqualTo(value.length);
        } finally {
            h.release();
            v.release();
        }
    }
}
