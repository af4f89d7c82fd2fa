package io.kvfrontend.engine.spi;

/**
 * Outcome of a mutation. On success it carries what a mutation token needs.
 *
 * @param status  {@link Status#SUCCESS} or the error
 * @param cas     the CAS of the new revision (0 on failure)
 * @param vbucket the vBucket that holds the key
 * @param vbUuid  that vBucket's UUID (below 2^63)
 * @param seqno   the sequence number stamped on this mutation
 */
public record MutationResult(Status status, long cas, int vbucket, long vbUuid, long seqno) {
    public static MutationResult failure(Status status) {
        return new MutationResult(status, 0, 0, 0, 0);
    }

    public boolean isSuccess() {
        return status == Status.SUCCESS;
    }
}
