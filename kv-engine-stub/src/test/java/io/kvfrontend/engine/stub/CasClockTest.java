package io.kvfrontend.engine.stub;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CasClockTest {

    @Test
    void casFollowsTheWallClockInNanosecondScale() {
        MutableClock clock = new MutableClock(Fixtures.START);
        CasClock cas = new CasClock(clock);

        assertThat(cas.next()).isEqualTo(Fixtures.START.toEpochMilli() * 1_000_000L);
        clock.advance(Duration.ofMillis(5));
        assertThat(cas.next()).isEqualTo((Fixtures.START.toEpochMilli() + 5) * 1_000_000L);
    }

    @Test
    void casKeepsGrowingWhenTheClockStandsStillOrStepsBack() {
        MutableClock clock = new MutableClock(Fixtures.START);
        CasClock cas = new CasClock(clock);
        long first = cas.next();

        long second = cas.next();
        clock.advance(Duration.ofHours(-1));
        long third = cas.next();

        assertThat(second).isEqualTo(first + 1);
        assertThat(third).isEqualTo(first + 2);
    }

    @Test
    void casIsNeverZeroEvenAtTheEpoch() {
        CasClock cas = new CasClock(new MutableClock(Instant.EPOCH));

        assertThat(cas.next()).isEqualTo(1);
        assertThat(cas.next()).isEqualTo(2);
    }
}
