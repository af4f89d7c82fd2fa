package io.kvfrontend.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The management endpoint's path table: each route is an HTTP method and a path pattern whose
 * segments are literals or {@code {name}} parameters (one whole segment each), whether it needs
 * credentials, and the handler. The first route that matches method and path wins; a path that
 * matches only under other methods is answered 405 with those methods. Paths are matched after percent-decoding each segment; one
 * trailing slash is ignored.
 *
 * <p><b>Immutable</b> once built; the builder is confined to the thread that builds it.
 */
public final class MgmtRouter {
    /** Answers one routed request; runs on an event loop, so it must not block. */
    @FunctionalInterface
    public interface Handler {
        HttpAnswer handle(HttpRequestInfo request);
    }

    /** Whether a route needs HTTP Basic credentials (when authentication is on). */
    public enum Access {
        AUTHENTICATED,
        PUBLIC
    }

    /** A route: its method, pattern segments, access and handler. */
    public record Route(String method, String pattern, List<String> segments, Access access, Handler handler) {}

    /** A route that matched, with its parameters. */
    public record Match(Route route, Map<String, String> params) {}

    /**
     * What a request found: the route that matches its method and path ({@code null} if none), and
     * the methods under which its path has routes (empty: no route has that path).
     */
    public record Lookup(Match match, Set<String> allowed) {}

    private final List<Route> routes;

    private MgmtRouter(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Route> routes() {
        return routes;
    }

    /** The route for {@code method} and {@code segments} (already split and decoded). */
    public Lookup lookup(String method, List<String> segments) {
        Set<String> allowed = new LinkedHashSet<>();
        Match found = null;
        for (Route r : routes) {
            Match m = matchPath(r, segments);
            if (m != null) {
                allowed.add(r.method);
                if (found == null && r.method.equals(method)) {
                    found = m;
                }
            }
        }
        return new Lookup(found, allowed);
    }

    /** The GET route for {@code segments} (already split and decoded), or {@code null}. */
    public Match match(List<String> segments) {
        return lookup("GET", segments).match();
    }

    private static Match matchPath(Route r, List<String> segments) {
        if (r.segments.size() != segments.size()) {
            return null;
        }
        Map<String, String> params = null;
        for (int i = 0; i < segments.size(); i++) {
            String p = r.segments.get(i);
            String s = segments.get(i);
            if (isParam(p)) {
                if (s.isEmpty()) {
                    return null;
                }
                if (params == null) {
                    params = new HashMap<>();
                }
                params.put(p.substring(1, p.length() - 1), s);
            } else if (!p.equals(s)) {
                return null;
            }
        }
        return new Match(r, params == null ? Map.of() : params);
    }

    private static boolean isParam(String segment) {
        return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
    }

    /** Splits {@code /a/b/} into {@code [a, b]}; {@code /} into {@code []}. */
    static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        int start = path.startsWith("/") ? 1 : 0;
        int end = path.endsWith("/") && path.length() > start ? path.length() - 1 : path.length();
        if (start >= end) {
            return out;
        }
        for (String s : path.substring(start, end).split("/", -1)) {
            out.add(s);
        }
        return out;
    }

    /** Confined to the building thread. */
    public static final class Builder {
        private final List<Route> routes = new ArrayList<>();

        private Builder() {}

        /** Adds a route needing credentials. */
        public Builder get(String pattern, Handler handler) {
            return get(pattern, Access.AUTHENTICATED, handler);
        }

        public Builder get(String pattern, Access access, Handler handler) {
            return route("GET", pattern, access, handler);
        }

        /** Adds a POST route; its handler sees the form-encoded body in {@link HttpRequestInfo#form()}. */
        public Builder post(String pattern, Access access, Handler handler) {
            return route("POST", pattern, access, handler);
        }

        public Builder route(String method, String pattern, Access access, Handler handler) {
            if (!pattern.startsWith("/")) {
                throw new IllegalArgumentException("a route pattern starts with '/': " + pattern);
            }
            routes.add(new Route(method, pattern, split(pattern), access, handler));
            return this;
        }

        public MgmtRouter build() {
            return new MgmtRouter(routes);
        }
    }
}
