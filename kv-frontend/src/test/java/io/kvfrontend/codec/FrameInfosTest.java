package io.kvfrontend.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FrameInfos#parse}: every element encoding of mcbp-protocol.md 2.1 (plain, id escape
 * {@code 0xF? nn}, length escape {@code 0x?F nn}, both) and the validation results of 2.2.
 */
class FrameInfosTest {
    private static final String BAD_ENCODING = "Invalid encoding in FrameExtras";

    /**
     * Parses {@code hex} from a tracked buffer whose readable bytes start after a prefix and end
     * before a suffix of other bytes, so absolute-index mistakes show.
     */
    private static FrameInfos parse(String hex) {
        byte[] fe = HexFormat.of().parseHex(hex);
        ByteBuf b = ByteBufAllocator.DEFAULT.buffer(fe.length + 6);
        try {
            b.writeBytes(new byte[] {0x11, 0x01, 0x50}).writeBytes(fe);
            b.readerIndex(3);
            FrameInfos fromOffset = FrameInfos.parse(b);
            FrameInfos fromSlice = FrameInfos.parse(b.slice(3, fe.length));
            assertThat(fromSlice).as("same result from a slice").isEqualTo(fromOffset);
            assertThat(b.readerIndex()).as("reader index untouched").isEqualTo(3);
            return fromOffset;
        } finally {
            b.release();
        }
    }

    private static String repeat(String hexByte, int n) {
        return hexByte.repeat(n);
    }

    private static void assertValid(FrameInfos fi, boolean barrier, int level, int timeout, boolean preserveTtl) {
        assertThat(fi.isValid()).as("valid: %s", fi).isTrue();
        assertThat(fi.error()).isNull();
        assertThat(fi.errorContext()).isNull();
        assertThat(fi.barrier()).as("barrier").isEqualTo(barrier);
        assertThat(fi.durabilityLevel()).as("durability level").isEqualTo(level);
        assertThat(fi.durabilityTimeout()).as("durability timeout").isEqualTo(timeout);
        assertThat(fi.preserveTtl()).as("preserve ttl").isEqualTo(preserveTtl);
    }

    private static void assertInvalid(FrameInfos fi, Status status, String contextContains) {
        assertThat(fi.isValid()).as("valid: %s", fi).isFalse();
        assertThat(fi.error()).isEqualTo(status);
        assertThat(fi.errorContext()).contains(contextContains);
        // An invalid parse claims nothing it may have seen before the bad element.
        assertThat(fi.barrier()).isFalse();
        assertThat(fi.durabilityLevel()).isZero();
        assertThat(fi.preserveTtl()).isFalse();
    }

    // ------------------------------------------------------------------------------------ valid

    @Test
    void emptySectionIsNone() {
        assertThat(parse("")).isSameAs(FrameInfos.NONE);
        assertValid(FrameInfos.NONE, false, 0, 0, false);
    }

    @Test
    void barrierIsAnEmptyElementWithIdZero() {
        assertValid(parse("00"), true, 0, 0, false);
    }

    @Test
    void preserveTtlIsAnEmptyElementWithIdFive() {
        assertValid(parse("50"), false, 0, 0, true);
    }

    static Stream<Arguments> durabilityLevels() {
        return Stream.of(Arguments.of(1), Arguments.of(2), Arguments.of(3));
    }

    @ParameterizedTest(name = "level {0}")
    @MethodSource("durabilityLevels")
    void durabilityWithOneByteIsALevelAndNoTimeout(int level) {
        assertValid(parse("110" + level), false, level, 0, false);
    }

    @Test
    void durabilityWithThreeBytesCarriesABigEndianTimeout() {
        assertValid(parse("13020102"), false, 2, 0x0102, false);
        assertValid(parse("13030001"), false, 3, 1, false);
        assertValid(parse("1301fffe"), false, 1, 0xfffe, false);
    }

    @Test
    void parsesEveryElementOfASection() {
        // mcbp-protocol.md 1.6 plus a barrier: durability(majority), PreserveTtl, Barrier.
        assertValid(parse("11015000"), true, 1, 0, true);
        assertValid(parse("00" + "1303abcd" + "50"), true, 3, 0xabcd, true);
    }

    // ------------------------------------------------------------------------------------ invalid lengths

    static Stream<Arguments> badLengths() {
        return Stream.of(
                Arguments.of("barrier with a byte", "0100", "Barrier"),
                Arguments.of("preserve ttl with a byte", "5100", "PreserveTtl"),
                Arguments.of("durability with no bytes", "10", "Durability"),
                Arguments.of("durability with 2 bytes", "120100", "Durability"),
                Arguments.of("durability with 4 bytes", "1401000100", "Durability"),
                // Length escape on a known id: 0x?F nn is 15 + nn bytes, too long for any of them.
                Arguments.of("barrier, escaped length 15", "0F00" + repeat("00", 15), "Barrier"),
                Arguments.of("durability, escaped length 16", "1F01" + "01" + repeat("00", 15), "Durability"),
                Arguments.of("preserve ttl, escaped length 270", "5FFF" + repeat("00", 270), "PreserveTtl"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLengths")
    void rejectsAKnownElementOfTheWrongLengthAsEinval(String name, String hex, String context) {
        assertInvalid(parse(hex), Status.EINVAL, context);
    }

    // ------------------------------------------------------------------------------------ bad durability values

    static Stream<Arguments> badDurability() {
        return Stream.of(
                Arguments.of("level 0", "1100"),
                Arguments.of("level 4", "1104"),
                Arguments.of("level 0xff", "11ff"),
                Arguments.of("level 0 with timeout", "13000001"),
                Arguments.of("timeout 0 (reserved)", "13010000"),
                Arguments.of("timeout 0xffff (reserved)", "1301ffff"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDurability")
    void rejectsAnInvalidDurabilityLevelOrTimeout(String name, String hex) {
        assertInvalid(parse(hex), Status.DURABILITY_INVALID_LEVEL, "Invalid durability");
    }

    // ------------------------------------------------------------------------------------ running past the end

    static Stream<Arguments> truncated() {
        return Stream.of(
                Arguments.of("durability missing its byte", "11"),
                Arguments.of("durability missing timeout bytes", "1301"),
                Arguments.of("second element truncated", "50" + "1301ff"),
                Arguments.of("id escape byte missing", "F0"),
                Arguments.of("length escape byte missing", "0F"),
                Arguments.of("both escapes, length escape byte missing", "FF02"),
                Arguments.of("length escape needs 15 + 1 bytes, has 15", "1F01" + repeat("00", 15)),
                Arguments.of("id and length escape need 20 bytes, have 19", "FF0505" + repeat("00", 19)),
                Arguments.of("id escape, length 3, has 2", "F3050000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("truncated")
    void rejectsAnElementRunningPastTheEndAsEinval(String name, String hex) {
        FrameInfos fi = parse(hex);
        assertInvalid(fi, Status.EINVAL, BAD_ENCODING);
        assertThat(fi.errorContext()).isEqualTo(BAD_ENCODING);
    }

    // ------------------------------------------------------------------------------------ unsupported and unknown

    static Stream<Arguments> knownUnsupported() {
        return Stream.of(
                Arguments.of("DcpStreamId", "220001", 2),
                Arguments.of("Impersonate", "4475736572", 4),
                Arguments.of("Impersonate, escaped length 16", "4F01" + repeat("61", 16), 4),
                Arguments.of("ImpersonateExtraPrivilege", "6461626364", 6),
                Arguments.of("ImpersonateWithTokenAuthDataId", "720007", 7));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("knownUnsupported")
    void rejectsTheDcpAndImpersonationIdsAsNotSupported(String name, String hex, int id) {
        assertInvalid(parse(hex), Status.NOT_SUPPORTED, "Frame info " + id + " ");
    }

    static Stream<Arguments> unknownIds() {
        return Stream.of(
                Arguments.of("3 (old tracing prototype)", "30", 3),
                Arguments.of("8", "80", 8),
                Arguments.of("14 with data", "E2abcd", 14),
                Arguments.of("escaped 15", "F000", 15),
                Arguments.of("escaped 20 with 3 bytes", "F305aabbcc", 20),
                Arguments.of("escaped 20, escaped length 20", "FF0505" + repeat("00", 20), 20),
                Arguments.of("escaped 16, escaped length 15", "FF0100" + repeat("00", 15), 16),
                Arguments.of("escaped 270", "F0FF", 270),
                Arguments.of("unknown after valid elements", "00" + "50" + "1101" + "90", 9));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownIds")
    void rejectsUnknownIdsIncludingEscapedOnes(String name, String hex, int id) {
        FrameInfos fi = parse(hex);
        assertInvalid(fi, Status.UNKNOWN_FRAME_INFO, "Unknown frame info");
        assertThat(fi.errorContext()).isEqualTo("Unknown frame info " + id);
    }

    @Test
    void readsAnIdEscapeAfterAValidElement() {
        // If the first element's length were mis-read the parser would land elsewhere; the id it
        // reports (15 + 0xf1) proves it found the escape byte after PreserveTtl.
        assertThat(parse("50" + "F0F1").errorContext()).isEqualTo("Unknown frame info " + (15 + 0xf1));
        assertThat(parse("1302abcd" + "FF0000" + repeat("00", 15)).errorContext())
                .isEqualTo("Unknown frame info 15");
    }

    @Test
    void theFirstBadElementDecides() {
        assertInvalid(parse("30" + "1100"), Status.UNKNOWN_FRAME_INFO, "3");
        assertInvalid(parse("1100" + "30"), Status.DURABILITY_INVALID_LEVEL, "0");
        assertInvalid(parse("220001" + "30"), Status.NOT_SUPPORTED, "2");
    }
}
