package io.kvfrontend.config;

import java.util.Set;

/**
 * A configured user. The password is turned into salted SCRAM secrets at start-up and not kept by
 * the server; {@link #toString()} never shows it.
 *
 * <p><b>Immutable.</b>
 *
 * @param name       user name
 * @param password   password (plain text as configured)
 * @param admin      may create and delete buckets and sees every bucket
 * @param allBuckets may use every bucket
 * @param buckets    the buckets this user may use when not {@code allBuckets}
 */
public record UserConfig(String name, String password, boolean admin, boolean allBuckets, Set<String> buckets) {
    /** The administrator SDK samples use; a warning is logged while its password is the default. */
    public static final String DEFAULT_ADMIN = "Administrator";

    public static final String DEFAULT_ADMIN_PASSWORD = "password";

    public UserConfig {
        if (name == null || name.isEmpty()) {
            throw new ConfigException("users", "user name must not be empty");
        }
        if (password == null) {
            throw new ConfigException("users", "user " + name + " has no password");
        }
        buckets = Set.copyOf(buckets);
    }

    public static UserConfig admin(String name, String password) {
        return new UserConfig(name, password, true, true, Set.of());
    }

    public static UserConfig forBuckets(String name, String password, Set<String> buckets) {
        return new UserConfig(name, password, false, false, buckets);
    }

    @Override
    public String toString() {
        return "UserConfig{name=" + name + ", password=****, admin=" + admin + ", buckets="
                + (allBuckets ? "*" : buckets) + "}";
    }
}
