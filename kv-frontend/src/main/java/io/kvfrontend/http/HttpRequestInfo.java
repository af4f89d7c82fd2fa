package io.kvfrontend.http;

import io.kvfrontend.auth.User;
import java.util.Map;
import java.util.Optional;

/**
 * A routed, authenticated request as a route sees it.
 *
 * <p><b>Immutable.</b>
 *
 * @param user       the authenticated user; empty when authentication is off (every bucket is open)
 * @param host       the host the client addressed (the {@code Host} header without its port, or the
 *                   local address), for host names in the answer
 * @param pathParams the values of the route's {@code {name}} segments
 * @param accept     the {@code Accept} header, or {@code null}
 * @param form       the fields of a form-encoded body ({@code application/x-www-form-urlencoded}),
 *                   the first value of each; empty without a body
 */
public record HttpRequestInfo(
        Optional<User> user, String host, Map<String, String> pathParams, String accept, Map<String, String> form) {
    public HttpRequestInfo {
        pathParams = Map.copyOf(pathParams);
        form = Map.copyOf(form);
    }

    /** A request without a body. */
    public HttpRequestInfo(Optional<User> user, String host, Map<String, String> pathParams, String accept) {
        this(user, host, pathParams, accept, Map.of());
    }

    /** A request without an {@code Accept} header or body. */
    public HttpRequestInfo(Optional<User> user, String host, Map<String, String> pathParams) {
        this(user, host, pathParams, null, Map.of());
    }

    /** Whether this request may see {@code bucket}: always when authentication is off. */
    public boolean mayUseBucket(String bucket) {
        return user.map(u -> u.canAccessBucket(bucket)).orElse(true);
    }

    /**
     * Whether this request may see every bucket, present and future: an administrator, a user with
     * access to all buckets, or anyone when no user was authenticated (authentication off, or a
     * public route).
     */
    public boolean mayUseAllBuckets() {
        return user.map(u -> u.admin() || u.bucketAccess().allBuckets()).orElse(true);
    }

    /** Whether the caller is an administrator (or authentication is off). */
    public boolean isAdmin() {
        return user.map(User::admin).orElse(true);
    }

    /** Who made the request, for logs: the user name, or {@code <anonymous>} without authentication. */
    public String who() {
        return user.map(User::name).orElse("<anonymous>");
    }

    public String param(String name) {
        String v = pathParams.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no path parameter " + name);
        }
        return v;
    }
}
