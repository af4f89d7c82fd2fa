package io.kvfrontend.config;

import java.util.Locale;

/** The server's log level. */
public enum LogLevel {
    ERROR,
    WARN,
    INFO,
    DEBUG,
    TRACE;

    public static LogLevel parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be one of: error, warn, info, debug, trace");
        }
    }
}
