package io.kvfrontend.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for configuration values, each throwing {@link IllegalArgumentException} with a message
 * that says what is allowed (the caller adds which setting and where the value came from).
 *
 * <p><b>Immutable</b> (static helpers only).
 */
public final class Values {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?)(i?b?)", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);

    private Values() {}

    public static int integer(String text, long min, long max) {
        long v;
        try {
            v = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("must be from " + min + " to " + max);
        }
        return (int) v;
    }

    /** A byte count: a number with an optional k, m or g suffix (powers of 1024), e.g. 256m. */
    public static long bytes(String text, long min, long max) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a size in bytes, optionally with k, m or g (e.g. 256m)");
        }
        long v;
        try {
            v = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("is too large");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (v > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("is too large");
        }
        v <<= shift;
        if (v < min || v > max) {
            throw new IllegalArgumentException("must be from " + min + " to " + max + " bytes");
        }
        return v;
    }

    /** A duration: a number with an optional unit ms, s (default), m or h, e.g. 30s. */
    public static Duration duration(String text, Duration min) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a duration such as 500ms, 30s, 5m or 1h");
        }
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        Duration d;
        try {
            long v = Long.parseLong(m.group(1));
            d = switch (unit) {
                case "ms" -> Duration.ofMillis(v);
                case "m" -> Duration.ofMinutes(v);
                case "h" -> Duration.ofHours(v);
                default -> Duration.ofSeconds(v);
            };
            d.toNanos(); // timers take nanoseconds: at most about 292 years
        } catch (NumberFormatException | ArithmeticException e) {
            // Found by ConfigFuzzTest: "99999999999999999h" overflowed out of the parser.
            throw new IllegalArgumentException("is too large");
        }
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException("must be at least " + min.toMillis() + " ms");
        }
        return d;
    }

    public static boolean bool(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }
}
