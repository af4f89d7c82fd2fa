package io.kvfrontend.engine.spi;

/**
 * Outcome of GetMeta (mcbp-protocol.md 4.2): the metadata of a document without its value.
 *
 * @param status   {@link Status#SUCCESS} or {@link Status#KEY_ENOENT}
 * @param deleted  whether the revision is a tombstone
 * @param flags    user flags
 * @param expiry   absolute expiry in Unix seconds (0 = never)
 * @param seqno    sequence number of the revision
 * @param datatype datatype bits
 * @param cas      CAS of the revision
 */
public record MetaResult(Status status, boolean deleted, int flags, long expiry, long seqno, int datatype, long cas) {
    public static MetaResult failure(Status status) {
        return new MetaResult(status, false, 0, 0, 0, 0, 0);
    }
}
