package io.kvfrontend.auth;

import java.util.Objects;

/**
 * An authenticated principal as the connection sees it after SASL succeeds. Carries no credential:
 * the secrets stay in the {@link UserStore}.
 *
 * <p>Immutable.
 *
 * @param name         the user name exactly as configured (and as the client authenticated with)
 * @param admin        administrator: may use cluster-level commands and, like Couchbase's Full Admin
 *                     role, select any bucket whatever {@code bucketAccess} says
 * @param bucketAccess the buckets a non-admin user may select
 */
public record User(String name, boolean admin, BucketAccess bucketAccess) {
    public User {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bucketAccess, "bucketAccess");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("user name must not be empty");
        }
        if (name.indexOf('\0') >= 0) {
            // PLAIN separates fields with NUL (RFC 4616), so such a name could never log in.
            throw new IllegalArgumentException("user name must not contain NUL");
        }
    }

    /** Whether this user may select {@code bucket} (SELECT_BUCKET; otherwise Eaccess 0x24). */
    public boolean canAccessBucket(String bucket) {
        return admin || bucketAccess.allows(bucket);
    }
}
