package io.kvfrontend.engine.spi;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xerial.snappy.Snappy;

/**
 * Raw Snappy blocks, the format of datatype bit {@link Datatype#SNAPPY} (the whole value is one
 * block: a varint inflated length, then the compressed data). Backed by snappy-java's native codec;
 * where that library cannot load, {@link #available()} is false and the server does not offer
 * Snappy, so no compressed value can reach a bucket.
 *
 * <p>Every method checks the length a block claims before it allocates, so a hostile preamble
 * cannot make the server allocate more than the caller's limit.
 *
 * <p><b>Immutable</b> (static methods, thread-safe).
 */
public final class SnappyCodec {
    private static final Logger LOG = LoggerFactory.getLogger(SnappyCodec.class);

    /** Compress plain values only from this size: below it the block overhead eats the gain. */
    public static final int MIN_COMPRESS_BYTES = 32;

    /**
     * Keep a compressed form only if the plain size is at least this multiple of it (kv_engine's
     * {@code min_compression_ratio} default).
     */
    public static final double MIN_COMPRESSION_RATIO = 1.2;

    private static final String UNAVAILABLE = probe();

    private SnappyCodec() {}

    private static String probe() {
        try {
            byte[] sample = "snappy probe snappy probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (!java.util.Arrays.equals(Snappy.uncompress(Snappy.compress(sample)), sample)) {
                return "round trip changed the data";
            }
            return null;
        } catch (IOException | LinkageError | RuntimeException e) {
            String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warn("Snappy is unavailable ({}); the server will not offer Snappy to clients", reason);
            return reason;
        }
    }

    /** Whether the native codec loaded. */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why the codec is unavailable, or {@code null}. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** The length a block says it inflates to, or -1 if its preamble is malformed. */
    public static int inflatedLength(byte[] block) {
        // The preamble is a little-endian base-128 varint of at most 5 bytes (a 32-bit length).
        long len = 0;
        for (int i = 0; i < Math.min(5, block.length); i++) {
            int b = block[i] & 0xff;
            len |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                return len > Integer.MAX_VALUE ? -1 : (int) len;
            }
        }
        return -1;
    }

    /**
     * Inflates a block.
     *
     * @param maxBytes the largest inflated size accepted
     * @throws MalformedException if the block is not valid Snappy
     * @throws TooLargeException if it would inflate beyond {@code maxBytes}
     */
    public static byte[] inflate(byte[] block, int maxBytes) {
        int len = inflatedLength(block);
        if (len < 0) {
            throw new MalformedException("the length preamble is malformed");
        }
        if (len > maxBytes) {
            throw new TooLargeException(len);
        }
        if (!available()) {
            throw new MalformedException("Snappy is unavailable on this server");
        }
        try {
            // The codec rejects corrupt input and never writes beyond the preamble's length.
            byte[] out = new byte[len];
            int n = Snappy.uncompress(block, 0, block.length, out, 0);
            if (n != len) {
                throw new MalformedException("inflated to " + n + " bytes, not the " + len + " its preamble says");
            }
            return out;
        } catch (IOException e) {
            throw new MalformedException(e.getMessage());
        }
    }

    /**
     * The compressed form of a plain value if it is worth keeping ({@link #MIN_COMPRESS_BYTES},
     * {@link #MIN_COMPRESSION_RATIO}), else {@code null}. Always {@code null} if the codec is
     * unavailable.
     */
    public static byte[] compressIfWorthwhile(byte[] plain) {
        if (plain.length < MIN_COMPRESS_BYTES || !available()) {
            return null;
        }
        try {
            byte[] c = Snappy.compress(plain);
            return plain.length >= c.length * MIN_COMPRESSION_RATIO ? c : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Compresses a value (tests and tools; the server uses {@link #compressIfWorthwhile}). */
    public static byte[] compress(byte[] plain) {
        try {
            return Snappy.compress(plain);
        } catch (IOException e) {
            throw new IllegalStateException("Snappy compression failed", e);
        }
    }

    /** A value that is not valid Snappy. */
    public static final class MalformedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        MalformedException(String reason) {
            super("invalid Snappy-compressed value: " + reason);
        }
    }

    /** A value that would inflate beyond the limit. */
    public static final class TooLargeException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        /** The size the value claims to inflate to. */
        public final int inflatedLength;

        TooLargeException(int inflatedLength) {
            super("Snappy-compressed value inflates to " + inflatedLength + " bytes, beyond the limit");
            this.inflatedLength = inflatedLength;
        }
    }
}
