package io.kvfrontend.config;

import java.util.Locale;

/**
 * TLS settings: the second MCBP port and the management HTTPS port, with the PEM certificate chain
 * and private key they present. TLS is on when both {@code tls-cert} and {@code tls-key} are set;
 * the files themselves are read and checked when the server starts (see
 * {@code io.kvfrontend.tls.ServerTls}).
 *
 * <p><b>Immutable.</b> {@link #toString()} masks the key password.
 *
 * @param port        MCBP-over-TLS port (0 = ephemeral, -1 = off)
 * @param mgmtPort    management HTTPS port (0 = ephemeral, -1 = off)
 * @param certPath    PEM certificate chain, leaf first; {@code null} when not set
 * @param keyPath     PEM PKCS#8 private key, optionally encrypted; {@code null} when not set
 * @param keyPassword password of an encrypted key; {@code null} when not set
 * @param provider    which TLS implementation to use
 */
public record TlsConfig(
        int port, int mgmtPort, String certPath, String keyPath, String keyPassword, Provider provider) {

    public static final int DEFAULT_PORT = 11207;
    public static final int DEFAULT_MGMT_PORT = 18091;

    /** No certificate: TLS off, the default ports kept for when a certificate is given. */
    public static final TlsConfig OFF = new TlsConfig(DEFAULT_PORT, DEFAULT_MGMT_PORT, null, null, null, Provider.AUTO);

    /** The TLS implementation: OpenSSL (BoringSSL through netty-tcnative) or the JDK's. */
    public enum Provider {
        /** OpenSSL where netty-tcnative loads, else the JDK. */
        AUTO,
        OPENSSL,
        JDK;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Provider parse(String text) {
            if (text != null) {
                for (Provider p : values()) {
                    if (p.configName().equalsIgnoreCase(text.trim())) {
                        return p;
                    }
                }
            }
            throw new IllegalArgumentException("must be one of: auto, openssl, jdk");
        }
    }

    public TlsConfig {
        certPath = blankToNull(certPath);
        keyPath = blankToNull(keyPath);
        keyPassword = keyPassword == null || keyPassword.isEmpty() ? null : keyPassword;
        if (provider == null) {
            provider = Provider.AUTO;
        }
        require(port >= -1 && port <= 65535, "tls-port", "must be -1 (off), 0 (ephemeral) or a port, got " + port);
        require(
                mgmtPort >= -1 && mgmtPort <= 65535,
                "mgmt-tls-port",
                "must be -1 (off), 0 (ephemeral) or a port, got " + mgmtPort);
        require(
                certPath != null || keyPath == null,
                "tls-cert",
                "is required when tls-key is set (TLS needs the certificate and its key)");
        require(
                keyPath != null || certPath == null,
                "tls-key",
                "is required when tls-cert is set (TLS needs the certificate and its key)");
        require(keyPassword == null || keyPath != null, "tls-key-password", "is set but tls-key is not");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static void require(boolean ok, String key, String message) {
        if (!ok) {
            throw new ConfigException(key, message);
        }
    }

    /** Whether a certificate and key are configured. */
    public boolean enabled() {
        return certPath != null;
    }

    /** Whether the MCBP TLS port is to be bound. */
    public boolean kvEnabled() {
        return enabled() && port >= 0;
    }

    /** Whether the management HTTPS port is to be bound. */
    public boolean mgmtEnabled() {
        return enabled() && mgmtPort >= 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.port = port;
        b.mgmtPort = mgmtPort;
        b.certPath = certPath;
        b.keyPath = keyPath;
        b.keyPassword = keyPassword;
        b.provider = provider;
        return b;
    }

    /**
     * Mutable builder, so that settings can be applied one at a time in any order; {@link #build()}
     * checks how they fit together. Starts from {@link #OFF}.
     */
    public static final class Builder {
        private int port = DEFAULT_PORT;
        private int mgmtPort = DEFAULT_MGMT_PORT;
        private String certPath;
        private String keyPath;
        private String keyPassword;
        private Provider provider = Provider.AUTO;

        private Builder() {}

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder mgmtPort(int v) {
            mgmtPort = v;
            return this;
        }

        public Builder cert(String path) {
            certPath = path;
            return this;
        }

        public Builder key(String path) {
            keyPath = path;
            return this;
        }

        public Builder keyPassword(String v) {
            keyPassword = v;
            return this;
        }

        public Builder provider(Provider v) {
            provider = v;
            return this;
        }

        public TlsConfig build() {
            return new TlsConfig(port, mgmtPort, certPath, keyPath, keyPassword, provider);
        }
    }

    @Override
    public String toString() {
        return "TlsConfig[port=" + port + ", mgmtPort=" + mgmtPort + ", certPath=" + certPath + ", keyPath="
                + keyPath + ", keyPassword=" + (keyPassword == null ? "null" : "****") + ", provider="
                + provider.configName() + "]";
    }
}
