package io.kvfrontend.engine.spi;

/**
 * A stored document as the engine hands it out.
 *
 * <p><b>Immutable</b> by contract: {@code value} is never modified after the item is stored, so a
 * response may reference it while it waits in an outbound buffer (architecture.md, "Buffer
 * ownership"). Callers must not write into it.
 *
 * @param key      the document key
 * @param value    the document body
 * @param flags    user flags, stored opaque and echoed back
 * @param expiry   absolute expiry in Unix seconds; 0 means never
 * @param cas      the document's CAS
 * @param seqno    the vBucket sequence number of the mutation that produced this revision
 * @param datatype datatype bits ({@link Datatype})
 * @param vbucket  the vBucket holding the document
 */
public record Item(DocKey key, byte[] value, int flags, long expiry, long cas, long seqno, int datatype, int vbucket) {}
