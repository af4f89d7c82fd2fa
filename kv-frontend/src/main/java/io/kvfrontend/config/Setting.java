package io.kvfrontend.config;

import java.util.Locale;

/**
 * One configuration setting: its key (the config-file key, the {@code --key} flag), the
 * {@code KV_KEY} environment variable derived from it, its built-in default, and how a value is
 * applied to the configuration being built. The one description of a setting that the command
 * line, the environment, the config file, {@code --help} and the README reference all come from.
 *
 * <p><b>Immutable.</b>
 *
 * @param key          kebab-case name
 * @param label        parameter label in {@code --help}
 * @param defaultValue the built-in default, as text
 * @param description  what it does (one or two sentences)
 * @param secret       whether the value is masked when the configuration is logged
 * @param applier      parses the text and sets it on the configuration being built (throws
 *                     IllegalArgumentException saying what is allowed)
 */
public record Setting(
        String key, String label, String defaultValue, String description, boolean secret, Applier applier) {

    /** Parses a value and applies it to the configuration being built. */
    @FunctionalInterface
    public interface Applier {
        void apply(ConfigTarget target, String value);
    }

    /** The command-line flag. */
    public String flag() {
        return "--" + key;
    }

    /** The environment variable: {@code KV_} and the key in upper snake case. */
    public String env() {
        return "KV_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
