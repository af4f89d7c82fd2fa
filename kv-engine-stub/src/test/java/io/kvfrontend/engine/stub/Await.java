package io.kvfrontend.engine.stub;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline (conventions.md: no sleeps, await with a deadline). */
final class Await {
    private Await() {}

    static void until(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("not true within " + deadline + ": " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
    }
}
