package io.kvfrontend.testsupport;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline: the test fails, rather than hangs, when it never holds. */
public final class Await {
    private Await() {}

    public static void until(Duration deadline, BooleanSupplier condition, Supplier<String> whatFailed) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not true within " + deadline + ": " + whatFailed.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    public static void until(Duration deadline, BooleanSupplier condition, String what) {
        until(deadline, condition, () -> what);
    }

    /** Polls until {@code supplier} returns non-null. */
    public static <T> T value(Duration deadline, Supplier<T> supplier, String what) {
        Object[] holder = new Object[1];
        until(deadline, () -> (holder[0] = supplier.get()) != null, what);
        @SuppressWarnings("unchecked")
        T t = (T) holder[0];
        return t;
    }
}
