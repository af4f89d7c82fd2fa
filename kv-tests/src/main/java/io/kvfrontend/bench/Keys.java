package io.kvfrontend.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The benchmark's key names: {@code prefix + index as 8 decimal digits}, written into one reused
 * array so that choosing a key allocates nothing. {@code load} writes the same names.
 *
 * <p><b>Not thread-safe</b>: one per thread.
 */
final class Keys {
    private final byte[] key;
    private final int prefixLength;

    Keys(String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        this.prefixLength = p.length;
        this.key = Arrays.copyOf(p, p.length + 8);
    }

    /** The key of {@code index}; the array is reused by the next call. */
    byte[] of(int index) {
        int v = index;
        for (int i = key.length - 1; i >= prefixLength; i--) {
            key[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return key;
    }

    static String name(String prefix, int index) {
        return new String(new Keys(prefix).of(index), StandardCharsets.UTF_8);
    }
}
