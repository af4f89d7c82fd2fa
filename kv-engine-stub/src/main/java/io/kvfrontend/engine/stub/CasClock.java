package io.kvfrontend.engine.stub;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bucket's hybrid logical clock for CAS values (mcbp-protocol.md 3.2): the wall clock in
 * nanosecond scale when it moves forward, otherwise the last value plus one. Every new revision gets
 * a value no other revision of the bucket ever had, even when the wall clock stands still or steps
 * back, and clients can still read a CAS as an approximate modification time as they do with
 * kv_engine's HLC.
 *
 * <p>Never 0 (0 means "no check" in a request) and never -1 (the mask shown for locked documents): the
 * sequence starts at 1 and only grows; it would take 2^63 revisions or a wall clock past the year
 * 2262 to wrap.
 *
 * <p><b>Thread-safe</b> and lock-free.
 */
final class CasClock {
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final Clock clock;
    private final AtomicLong last = new AtomicLong();

    CasClock(Clock clock) {
        this.clock = clock;
    }

    long next() {
        long physical = Math.max(0, clock.millis()) * NANOS_PER_MILLI;
        return last.accumulateAndGet(physical, (prev, wall) -> Math.max(prev + 1, wall));
    }
}
