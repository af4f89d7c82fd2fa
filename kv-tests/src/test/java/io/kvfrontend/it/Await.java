package io.kvfrontend.it;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline (conventions.md: no sleeps, await a condition with a deadline). */
final class Await {
    private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();

    private Await() {}

    /** Polls {@code condition} until it holds; fails naming {@code what} if it does not within {@code deadline}. */
    static void until(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("not true within " + deadline + ": " + what);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
