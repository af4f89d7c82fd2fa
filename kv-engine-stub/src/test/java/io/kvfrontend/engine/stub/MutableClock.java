package io.kvfrontend.engine.stub;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that only moves when a test moves it, so expiry and lock timeouts are tested without
 * waiting.
 *
 * <p><b>Thread-safe</b>: the engine's pager thread may read it while the test thread advances it.
 */
final class MutableClock extends Clock {
    private final AtomicLong millis;
    private final ZoneId zone;

    MutableClock(Instant start) {
        this(new AtomicLong(start.toEpochMilli()), ZoneOffset.UTC);
    }

    private MutableClock(AtomicLong millis, ZoneId zone) {
        this.millis = millis;
        this.zone = zone;
    }

    void advance(Duration by) {
        millis.addAndGet(by.toMillis());
    }

    void set(Instant instant) {
        millis.set(instant.toEpochMilli());
    }

    long epochSeconds() {
        return Math.floorDiv(millis.get(), 1000L);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return new MutableClock(millis, newZone); // shares the time, as Clock.withZone should
    }
}
