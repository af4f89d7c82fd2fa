package io.kvfrontend.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The management endpoint's path table: each route is a path pattern whose segments are literals or
 * {@code {name}} parameters (one whole segment each), whether it needs credentials, and the handler.
 * The first route that matches wins. Paths are matched after percent-decoding each segment; one
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
        AUTHENTICATED, PUBLIC
    }

    /** A route: its pattern segments, access and handler. */
    public record Route(String pattern, List<String> segments, Access access, Handler handler) {
    }

    /** A route that matched, with its parameters. */
    public record Match(Route route, Map<String, String> params) {
    }

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

    /** The route for {@code segments} (already split and decoded), or {@code null}. */
    public Match match(List<String> segments) {
        for (Route r : routes) {
            if (r.segments.size() != segments.size()) {
                continue;
            }
            Map<String, String> params = null;
            boolean ok = true;
            for (int i = 0; i < segments.size() && ok; i++) {
                String p = r.segments.get(i);
                String s = segments.get(i);
                if (isParam(p)) {
                    if (s.isEmpty()) {
                        ok = false;
                    } else {
                        if (params == null) {
                            params = new HashMap<>();
                        }
                        params.put(p.substring(1, p.length() - 1), s);
                    }
                } else {
                    ok = p.equals(s);
                }
            }
            if (ok) {
                return new Match(r, params == null ? Map.of() : params);
            }
        }
        return null;
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

        private Builder() {
        }

        /** Adds a route needing credentials. */
        public Builder get(String pattern, Handler handler) {
            return get(pattern, Access.AUTHENTICATED, handler);
        }

        public Builder get(String pattern, Access access, Handler handler) {
            if (!pattern.startsWith("/")) {
                throw new IllegalArgumentException("a route pattern starts with '/': " + pattern);
            }
            routes.add(new Route(pattern, split(pattern), access, handler));
            return this;
        }

        public MgmtRouter build() {
            return new MgmtRouter(routes);
        }
    }
}
