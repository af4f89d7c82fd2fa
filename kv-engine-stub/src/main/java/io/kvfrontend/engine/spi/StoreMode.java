package io.kvfrontend.engine.spi;

/** The three store semantics of Set/Add/Replace. */
public enum StoreMode {
    /** Store unconditionally (or compare-and-swap when a CAS is given). */
    SET,
    /** Store only if the key does not exist. */
    ADD,
    /** Store only if the key exists (compare-and-swap when a CAS is given). */
    REPLACE
}
