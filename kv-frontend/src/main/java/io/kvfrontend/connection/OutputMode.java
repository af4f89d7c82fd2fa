package io.kvfrontend.connection;

import java.util.Locale;

/**
 * How writes from threads other than a connection's event loop reach its channel
 * (architecture.md, "CookieOutput: the contract").
 *
 * <p><b>Immutable.</b>
 */
public enum OutputMode {
    /**
     * The caller encodes the frame, appends it to the connection's ordered pending queue and returns;
     * at most one drain task is scheduled on the loop while the queue is non-empty, and it writes
     * everything pending with one flush.
     */
    SPOOL,
    /**
     * The caller hands each write to the loop with {@code eventLoop().execute} and blocks until the
     * loop has performed it: one thread round trip per write.
     */
    SYNC;

    /** The configuration spelling: {@code spool} or {@code sync}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code spool} or {@code sync} (case-insensitive). */
    public static OutputMode parse(String text) {
        if (text != null) {
            for (OutputMode m : values()) {
                if (m.configName().equalsIgnoreCase(text.trim())) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("output mode must be one of: spool, sync (got: " + text + ")");
    }
}
