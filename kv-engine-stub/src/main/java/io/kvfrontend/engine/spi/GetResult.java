package io.kvfrontend.engine.spi;

/**
 * Outcome of a read (Get, GetAndTouch, GetLocked).
 *
 * @param status {@link Status#SUCCESS} with an item, or the error
 * @param item   the document on success, else {@code null}
 * @param cas    the CAS to put in the response: the document's CAS, the lock CAS for GetLocked, or
 *               {@code 0xFFFFFFFFFFFFFFFF} for a document locked by someone else
 */
public record GetResult(Status status, Item item, long cas) {
    /** The CAS a locked document shows to readers that do not hold the lock. */
    public static final long LOCKED_CAS = -1L;

    public static GetResult failure(Status status) {
        return new GetResult(status, null, 0);
    }

    public boolean isSuccess() {
        return status == Status.SUCCESS;
    }
}
