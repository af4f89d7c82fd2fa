package io.kvfrontend.engine.stub;

/**
 * Protocol expiry to stored expiry (mcbp-protocol.md 3.3).
 *
 * <p><b>Immutable</b> (static functions only).
 */
final class Expiry {
    /** Protocol expiries up to 30 days are relative to now; anything larger is absolute Unix time. */
    static final long MAX_RELATIVE_SECONDS = 2_592_000L;
    /** The arithmetic expiry that means "do not create a missing counter" (mcbp-protocol.md 4.2). */
    static final long NO_CREATE = 0xFFFF_FFFFL;

    private Expiry() {}

    /** The raw protocol value as the unsigned 32-bit number it is on the wire. */
    static long unsigned(long protocolExpiry) {
        return protocolExpiry & 0xFFFF_FFFFL;
    }

    /**
     * Absolute expiry in Unix seconds, 0 for never. An absolute time at or before now is kept as is:
     * the write succeeds and the document is expired at once, as in memcached.
     */
    static long toAbsoluteSeconds(long protocolExpiry, long nowSeconds) {
        long e = unsigned(protocolExpiry);
        if (e == 0) {
            return 0;
        }
        if (e <= MAX_RELATIVE_SECONDS) {
            // Never 0 (which would mean "never expires"), even with a clock at the epoch.
            return Math.max(1, nowSeconds + e);
        }
        return e;
    }
}
