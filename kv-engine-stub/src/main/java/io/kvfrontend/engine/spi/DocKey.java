package io.kvfrontend.engine.spi;

import java.util.Arrays;

/**
 * A document key: the collection it lives in and its logical key bytes (no LEB128 prefix).
 * Ordered by collection id, then by key as raw unsigned bytes (memcmp order), which is the order
 * range scans use.
 *
 * <p><b>Immutable</b> by contract: the key array is owned by this object and never modified after
 * construction (the constructor does not copy, so callers hand over a fresh array).
 */
public final class DocKey implements Comparable<DocKey> {
    /** The {@code _default} collection of the {@code _default} scope. */
    public static final int DEFAULT_COLLECTION = 0;

    private final int collectionId;
    private final byte[] key;
    private final int hash;

    public DocKey(int collectionId, byte[] key) {
        this.collectionId = collectionId;
        this.key = key;
        this.hash = 31 * collectionId + Arrays.hashCode(key);
    }

    public static DocKey ofDefault(byte[] key) {
        return new DocKey(DEFAULT_COLLECTION, key);
    }

    public int collectionId() {
        return collectionId;
    }

    /** The logical key bytes. Callers must not modify the returned array. */
    public byte[] key() {
        return key;
    }

    @Override
    public int compareTo(DocKey o) {
        int c = Integer.compareUnsigned(collectionId, o.collectionId);
        return c != 0 ? c : Arrays.compareUnsigned(key, o.key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DocKey other
                && other.collectionId == collectionId
                && other.hash == hash
                && Arrays.equals(other.key, key);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "DocKey{cid=" + Integer.toHexString(collectionId) + ", len=" + key.length + "}";
    }
}
