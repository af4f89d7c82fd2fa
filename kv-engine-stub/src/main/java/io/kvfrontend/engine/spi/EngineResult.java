package io.kvfrontend.engine.spi;

/**
 * The outcome of an engine call that may not finish inline (kv_engine's {@code would_block}).
 * Either the engine kept the {@link Cookie} and will call {@link Cookie#notifyIoComplete} once,
 * after which the front end calls again and gets a finished result; or the call finished now with
 * a status and, on success, a value.
 *
 * <p><b>Immutable.</b>
 *
 * @param wouldBlock whether the engine is working on it in the background
 * @param status     the outcome when finished ({@code null} while blocked)
 * @param value      the result on success (may be {@code null})
 * @param <T>        the result type
 */
public record EngineResult<T>(boolean wouldBlock, Status status, T value) {
    private static final EngineResult<?> WOULD_BLOCK = new EngineResult<>(true, null, null);

    @SuppressWarnings("unchecked")
    public static <T> EngineResult<T> blocked() {
        return (EngineResult<T>) WOULD_BLOCK;
    }

    public static <T> EngineResult<T> of(Status status, T value) {
        return new EngineResult<>(false, status, value);
    }

    public static <T> EngineResult<T> failure(Status status) {
        return new EngineResult<>(false, status, null);
    }
}
