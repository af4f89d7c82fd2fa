package io.kvfrontend.engine.spi;

import java.util.Locale;

/**
 * How a bucket stores values, as Couchbase Server's per-bucket {@code compressionMode} says.
 *
 * <ul>
 *   <li>{@link #OFF}: compressed values from clients are inflated and stored as plain bytes.
 *   <li>{@link #PASSIVE} (the default): values are stored as they arrive, compressed or not.
 *   <li>{@link #ACTIVE}: as passive, and plain values that compress well are stored compressed.
 * </ul>
 *
 * Whatever the mode, a client that negotiated Snappy may receive compressed values and one that
 * did not always receives plain ones.
 */
public enum CompressionMode {
    OFF,
    PASSIVE,
    ACTIVE;

    /** The name Couchbase Server uses ({@code off}, {@code passive}, {@code active}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code off}, {@code passive} or {@code active} (any case). */
    public static CompressionMode parse(String s) {
        for (CompressionMode m : values()) {
            if (m.name().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("compression mode must be off, passive or active, got '" + s + "'");
    }
}
