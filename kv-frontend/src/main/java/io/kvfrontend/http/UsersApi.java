package io.kvfrontend.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvfrontend.auth.BucketAccess;
import io.kvfrontend.auth.User;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The user manager's REST calls (local users), as Couchbase Server answers them:
 *
 * <ul>
 *   <li>{@code GET /settings/rbac/users} (or {@code .../users/local}), {@code GET
 *       /settings/rbac/users/local/{name}}.
 *   <li>{@code PUT /settings/rbac/users/local/{name}} (form: {@code password}, {@code roles} as
 *       {@code role[bucket:scope:collection],...}, {@code name}, {@code groups}): creates or
 *       replaces; a new user needs a password, an existing one keeps its password when none is
 *       given.
 *   <li>{@code DELETE /settings/rbac/users/local/{name}}, {@code GET /settings/rbac/roles}.
 * </ul>
 *
 * Roles map onto what this server's users can be: {@code admin} and {@code cluster_admin} make an
 * administrator; a bucket-level role (data_reader, bucket_full_access, query_select, ...) grants
 * its bucket, or every bucket with {@code [*]} (scope and collection qualifiers grant the bucket);
 * the other cluster roles grant nothing beyond logging in. The roles are shown back as given.
 * Administrators only; an unknown or malformed role is 400 with Couchbase Server's wording.
 *
 * <p><b>Thread-safe.</b>
 */
public final class UsersApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "/settings/rbac/users/local/{name}";

    /** What the server does when users change (swap the user store, drop affected connections). */
    public interface UserAdmin {
        Optional<User> user(String name);

        /** Every user name. */
        Set<String> userNames();

        /**
         * Creates or replaces {@code user}; {@code password} {@code null} keeps an existing user's.
         *
         * @throws IllegalArgumentException if a new user has no password
         */
        void upsert(User user, char[] password, String who);

        /** Whether there was such a user. */
        boolean delete(String name, String who);
    }

    /** Administrator roles. */
    private static final Set<String> ADMIN_ROLES = Set.of("admin", "cluster_admin");

    /** Cluster-level roles that need no bucket and grant none here. */
    private static final Set<String> CLUSTER_ROLES = Set.of(
            "ro_admin",
            "security_admin",
            "security_admin_local",
            "security_admin_external",
            "replication_admin",
            "external_stats_reader",
            "query_external_access",
            "query_system_catalog",
            "query_manage_global_functions",
            "query_execute_global_functions",
            "analytics_reader",
            "eventing_admin",
            "backup_admin");

    /** Roles scoped to a bucket (or scope, or collection). */
    private static final Set<String> BUCKET_ROLES = Set.of(
            "bucket_admin",
            "scope_admin",
            "bucket_full_access",
            "views_admin",
            "views_reader",
            "replication_target",
            "data_reader",
            "data_writer",
            "data_dcp_reader",
            "data_backup",
            "data_monitoring",
            "fts_admin",
            "fts_searcher",
            "query_select",
            "query_update",
            "query_insert",
            "query_delete",
            "query_manage_index",
            "query_manage_functions",
            "query_execute_functions",
            "mobile_sync_gateway",
            "analytics_manager",
            "analytics_select");

    private static final Pattern ROLE = Pattern.compile("([a-z_]+)(?:\\[([^\\]]*)\\])?");

    /** A role as given: name and its bucket / scope / collection ({@code null} when absent). */
    record Role(String role, String bucket, String scope, String collection) {}

    private final UserAdmin admin;
    /** Roles and display names of users set through this API, shown back as given. */
    private final Map<String, Shown> shown = new ConcurrentHashMap<>();

    private record Shown(List<Role> roles, String displayName, String changed) {}

    public UsersApi(UserAdmin admin) {
        this.admin = admin;
    }

    public MgmtRouter.Builder addTo(MgmtRouter.Builder router) {
        MgmtRouter.Access a = MgmtRouter.Access.AUTHENTICATED;
        return router.get("/settings/rbac/users", a, this::list)
                .get("/settings/rbac/users/{domain}", a, this::listDomain)
                .get(USER, a, this::get)
                .route("PUT", USER, a, this::put)
                .route("DELETE", USER, a, this::delete)
                .get("/settings/rbac/roles", a, this::roles);
    }

    HttpAnswer list(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        ArrayNode out = JSON.createArrayNode();
        for (String name : new TreeSet<>(admin.userNames())) {
            admin.user(name).ifPresent(u -> out.add(json(u)));
        }
        return answer(out);
    }

    /** The users of one domain: every user is {@code local}; {@code external} has none. */
    HttpAnswer listDomain(HttpRequestInfo request) {
        return switch (request.param("domain")) {
            case "local" -> list(request);
            case "external" -> request.isAdmin() ? answer(JSON.createArrayNode()) : forbidden();
            default -> HttpAnswer.error(HttpResponseStatus.NOT_FOUND, "Unknown user domain.");
        };
    }

    HttpAnswer get(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        return admin.user(request.param("name"))
                .map(u -> answer(json(u)))
                .orElseGet(() -> HttpAnswer.error(HttpResponseStatus.NOT_FOUND, "Unknown user."));
    }

    HttpAnswer put(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        String name = request.param("name");
        Map<String, String> form = request.form();
        List<Role> roles;
        try {
            roles = parseRoles(form.getOrDefault("roles", ""));
        } catch (IllegalArgumentException e) {
            return HttpAnswer.fieldError("roles", e.getMessage());
        }
        String password = form.get("password");
        if (password != null && password.length() < 6) {
            return HttpAnswer.fieldError("password", "The password must be at least 6 characters long.");
        }
        User user;
        try {
            user = new User(name, isAdmin(roles), access(roles));
        } catch (IllegalArgumentException e) {
            return HttpAnswer.fieldError("name", e.getMessage());
        }
        char[] pw = password == null ? null : password.toCharArray();
        try {
            admin.upsert(user, pw, "HTTP, user " + request.who());
        } catch (IllegalArgumentException e) {
            return HttpAnswer.fieldError("password", "Password is required for a new user.");
        } finally {
            if (pw != null) {
                Arrays.fill(pw, '\0');
            }
        }
        shown.put(
                name,
                new Shown(roles, form.getOrDefault("name", ""), Instant.now().toString()));
        return HttpAnswer.empty(HttpResponseStatus.OK);
    }

    HttpAnswer delete(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        String name = request.param("name");
        if (!admin.delete(name, "HTTP, user " + request.who())) {
            return HttpAnswer.error(HttpResponseStatus.NOT_FOUND, "User was not found.");
        }
        shown.remove(name);
        return HttpAnswer.empty(HttpResponseStatus.OK);
    }

    HttpAnswer roles(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        ArrayNode out = JSON.createArrayNode();
        for (String r : new TreeSet<>(ADMIN_ROLES)) {
            role(out, r, null);
        }
        for (String r : new TreeSet<>(CLUSTER_ROLES)) {
            role(out, r, null);
        }
        for (String r : new TreeSet<>(BUCKET_ROLES)) {
            role(out, r, "*");
        }
        return answer(out);
    }

    private static void role(ArrayNode out, String role, String bucket) {
        ObjectNode o = out.addObject();
        o.put("role", role);
        if (bucket != null) {
            o.put("bucket_name", bucket);
        }
        o.put("name", role.replace('_', ' '));
        o.put(
                "desc",
                ADMIN_ROLES.contains(role)
                        ? "Administrator: every bucket and every command"
                        : bucket != null ? "Access to the named bucket's data" : "Logs in; no bucket access here");
    }

    /** Parses {@code role[bucket:scope:collection],role,...}. */
    static List<Role> parseRoles(String spec) {
        List<Role> out = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (String part : splitRoles(spec)) {
            Matcher m = ROLE.matcher(part.trim());
            if (!m.matches()) {
                bad.add(part.trim());
                continue;
            }
            String name = m.group(1);
            String param = m.group(2);
            if (BUCKET_ROLES.contains(name) && param != null && !param.isEmpty()) {
                String[] p = param.split(":", -1);
                if (p.length > 3 || Arrays.stream(p).anyMatch(String::isEmpty)) {
                    bad.add(part.trim());
                    continue;
                }
                out.add(new Role(name, p[0], p.length > 1 ? p[1] : null, p.length > 2 ? p[2] : null));
            } else if ((ADMIN_ROLES.contains(name) || CLUSTER_ROLES.contains(name)) && param == null) {
                out.add(new Role(name, null, null, null));
            } else {
                bad.add(part.trim());
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("Cannot assign roles to user because the following roles are unknown,"
                    + " malformed or role parameters are undefined: [" + String.join(",", bad) + "]");
        }
        return out;
    }

    /** Splits on commas outside brackets. */
    private static List<String> splitRoles(String spec) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char ch : spec.toCharArray()) {
            if (ch == '[') {
                depth++;
            } else if (ch == ']') {
                depth--;
            }
            if (ch == ',' && depth == 0) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        parts.add(cur.toString());
        parts.removeIf(String::isBlank);
        return parts;
    }

    static boolean isAdmin(List<Role> roles) {
        return roles.stream().anyMatch(r -> ADMIN_ROLES.contains(r.role()));
    }

    static BucketAccess access(List<Role> roles) {
        Set<String> buckets = new TreeSet<>();
        for (Role r : roles) {
            if (r.bucket() != null) {
                if (r.bucket().equals("*")) {
                    return BucketAccess.all();
                }
                buckets.add(r.bucket());
            }
        }
        return BucketAccess.of(buckets);
    }

    /** The roles a user has, as given through this API, or as its configuration implies. */
    private List<Role> rolesOf(User u) {
        Shown s = shown.get(u.name());
        if (s != null && isAdmin(s.roles()) == u.admin() && access(s.roles()).equals(u.bucketAccess())) {
            return s.roles();
        }
        List<Role> roles = new ArrayList<>();
        if (u.admin()) {
            roles.add(new Role("admin", null, null, null));
        }
        if (u.bucketAccess().allBuckets()) {
            roles.add(new Role("bucket_full_access", "*", null, null));
        }
        for (String b : u.bucketAccess().buckets()) {
            roles.add(new Role("bucket_full_access", b, null, null));
        }
        return roles;
    }

    private ObjectNode json(User u) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", u.name());
        o.put("domain", "local");
        ArrayNode roles = o.putArray("roles");
        for (Role r : rolesOf(u)) {
            ObjectNode ro = roles.addObject();
            ro.put("role", r.role());
            if (r.bucket() != null) {
                ro.put("bucket_name", r.bucket());
            }
            if (r.scope() != null) {
                ro.put("scope_name", r.scope());
            }
            if (r.collection() != null) {
                ro.put("collection_name", r.collection());
            }
            ro.putArray("origins").addObject().put("type", "user");
        }
        o.putArray("groups");
        o.putArray("external_groups");
        Shown s = shown.get(u.name());
        o.put("name", s == null ? "" : s.displayName());
        if (s != null) {
            o.put("password_change_date", s.changed());
        }
        return o;
    }

    private static HttpAnswer answer(Object tree) {
        try {
            return HttpAnswer.json(JSON.writeValueAsBytes(tree));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpAnswer forbidden() {
        return HttpAnswer.error(HttpResponseStatus.FORBIDDEN, "User management needs an administrator");
    }
}
