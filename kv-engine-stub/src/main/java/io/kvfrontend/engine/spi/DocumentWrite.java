package io.kvfrontend.engine.spi;

/**
 * A whole new revision of one document, computed by the front end from a read of it: how
 * sub-document mutations write (they read, change the JSON, and write back under the CAS they
 * read, retrying on a conflict).
 *
 * <p><b>Immutable</b> by contract ({@code value} is handed over, as to {@link Bucket#store}).
 *
 * @param create      the document must not exist (a tombstone may: it is replaced); {@code cas} is
 *                    then ignored. Otherwise the revision read must still be there with {@code cas}
 * @param cas         the CAS of the revision read, or the caller's CAS (a lock CAS unlocks)
 * @param fromDeleted the revision read was a tombstone ({@link Bucket#getDeleted})
 * @param deleted     the new revision is a tombstone: {@code value} is an xattr section and no body
 * @param value       the whole value, xattr section first if {@code datatype} has {@link
 *                    Datatype#XATTR}; never Snappy
 * @param datatype    {@link Datatype#JSON} and {@link Datatype#XATTR} bits
 * @param flags       user flags
 * @param expiry      protocol expiry (raw, as for {@link Bucket#store})
 * @param preserveTtl keep the current revision's expiry instead of {@code expiry}
 * @param finisher    {@code null}, or what turns {@code value} into the final value once the
 *                    revision's CAS and seqno are known (macro expansion); called under the
 *                    document's lock, so it must be quick and must not call the bucket
 */
public record DocumentWrite(
        boolean create,
        long cas,
        boolean fromDeleted,
        boolean deleted,
        byte[] value,
        int datatype,
        int flags,
        long expiry,
        boolean preserveTtl,
        Finisher finisher) {

    /** Completes a value with the CAS and seqno its revision gets. */
    @FunctionalInterface
    public interface Finisher {
        byte[] finish(byte[] value, long cas, long seqno);
    }
}
