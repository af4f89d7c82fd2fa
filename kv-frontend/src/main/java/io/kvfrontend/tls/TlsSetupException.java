package io.kvfrontend.tls;

/**
 * TLS cannot be set up with the files and provider given: names the setting at fault
 * ({@code tls-cert}, {@code tls-key}, {@code tls-key-password}, {@code tls-provider}) so that the
 * server's wiring can report it as a configuration error.
 */
public final class TlsSetupException extends IllegalArgumentException {
    private final String setting;
    private final String detail;

    public TlsSetupException(String setting, String detail) {
        super(setting + ": " + detail);
        this.setting = setting;
        this.detail = detail;
    }

    /** The setting at fault. */
    public String setting() {
        return setting;
    }

    /** What is wrong with it, without the setting's name. */
    public String detail() {
        return detail;
    }
}
