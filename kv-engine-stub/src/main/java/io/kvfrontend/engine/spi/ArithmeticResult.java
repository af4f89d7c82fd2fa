package io.kvfrontend.engine.spi;

/**
 * Outcome of Increment/Decrement.
 *
 * @param mutation the mutation outcome (status, CAS, token)
 * @param value    the counter's new value (unsigned 64-bit) on success
 */
public record ArithmeticResult(MutationResult mutation, long value) {
    public static ArithmeticResult failure(Status status) {
        return new ArithmeticResult(MutationResult.failure(status), 0);
    }

    public Status status() {
        return mutation.status();
    }
}
