package io.kvfrontend.config;

import java.util.Locale;

/** Which Netty transport serves sockets. {@link #AUTO} picks native epoll where it loads, else NIO. */
public enum Transport {
    AUTO,
    EPOLL,
    NIO;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Transport parse(String text) {
        if (text != null) {
            for (Transport t : values()) {
                if (t.configName().equalsIgnoreCase(text.trim())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("transport must be one of: auto, epoll, nio (got: " + text + ")");
    }
}
