package io.kvfrontend.config;

/** Invalid configuration: names the key so start-up can fail with one clear message. */
public final class ConfigException extends IllegalArgumentException {
    private final String key;

    public ConfigException(String key, String message) {
        super(key + ": " + message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
