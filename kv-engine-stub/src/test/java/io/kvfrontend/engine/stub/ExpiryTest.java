package io.kvfrontend.engine.stub;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Protocol expiry to absolute seconds (mcbp-protocol.md 3.3). */
class ExpiryTest {
    private static final long NOW = Fixtures.START_SECONDS;

    @Test
    void zeroMeansNever() {
        assertThat(Expiry.toAbsoluteSeconds(0, NOW)).isZero();
    }

    @Test
    void upToThirtyDaysIsRelativeToNow() {
        assertThat(Expiry.toAbsoluteSeconds(1, NOW)).isEqualTo(NOW + 1);
        assertThat(Expiry.toAbsoluteSeconds(2_592_000, NOW)).isEqualTo(NOW + 2_592_000);
    }

    @Test
    void aboveThirtyDaysIsAbsolute() {
        assertThat(Expiry.toAbsoluteSeconds(2_592_001, NOW)).isEqualTo(2_592_001);
        assertThat(Expiry.toAbsoluteSeconds(NOW + 10, NOW)).isEqualTo(NOW + 10);
    }

    @Test
    void theValueIsReadAsUnsigned32Bit() {
        assertThat(Expiry.toAbsoluteSeconds(-1L, NOW)).isEqualTo(0xFFFF_FFFFL);
        assertThat(Expiry.toAbsoluteSeconds(0x1_0000_0000L, NOW))
                .as("bits above 32 ignored")
                .isZero();
    }

    @Test
    void aRelativeExpiryIsNeverStoredAsZeroEvenAtTheEpoch() {
        assertThat(Expiry.toAbsoluteSeconds(5, -10)).isEqualTo(1);
    }
}
