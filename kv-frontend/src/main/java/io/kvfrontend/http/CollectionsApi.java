package io.kvfrontend.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.CollectionsManifest;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.Status;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The collection manager's REST calls, as Couchbase Server answers them:
 *
 * <ul>
 *   <li>{@code GET /pools/default/buckets/{bucket}/scopes}: the manifest (uids in hex).
 *   <li>{@code POST .../scopes} (form {@code name}), {@code DELETE .../scopes/{scope}}.
 *   <li>{@code POST .../scopes/{scope}/collections} (form {@code name}; {@code maxTTL} 0 and
 *       {@code history} false are accepted, other values refused), {@code DELETE
 *       .../scopes/{scope}/collections/{collection}}.
 * </ul>
 *
 * A change answers {@code {"uid":"<new manifest uid>"}}, bumps the cluster map and pushes it to the
 * connections that asked for notifications, so SDKs see the new collection at once. Reading needs
 * access to the bucket; changes need an administrator. Errors use Couchbase Server's wording, from
 * which the SDKs raise ScopeExists, ScopeNotFound, CollectionExists and CollectionNotFound.
 *
 * <p><b>Thread-safe</b> (the engine is).
 */
public final class CollectionsApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "/pools/default/buckets/{bucket}/scopes";

    private final Engine engine;
    private final Consumer<Bucket> changed;

    /** @param changed told after every change (the server bumps and pushes the cluster map) */
    public CollectionsApi(Engine engine, Consumer<Bucket> changed) {
        this.engine = engine;
        this.changed = changed;
    }

    public MgmtRouter.Builder addTo(MgmtRouter.Builder router) {
        MgmtRouter.Access a = MgmtRouter.Access.AUTHENTICATED;
        return router.get(BASE, a, this::list)
                .post(BASE, a, this::createScope)
                .route("DELETE", BASE + "/{scope}", a, this::dropScope)
                .post(BASE + "/{scope}/collections", a, this::createCollection)
                .route("DELETE", BASE + "/{scope}/collections/{collection}", a, this::dropCollection);
    }

    HttpAnswer list(HttpRequestInfo request) {
        String name = request.param("bucket");
        if (!request.mayUseBucket(name)) {
            return HttpAnswer.error(HttpResponseStatus.FORBIDDEN, "No access to bucket " + name);
        }
        Bucket b = engine.bucket(name);
        if (b == null) {
            return notFound("Requested resource not found.");
        }
        CollectionsManifest m = b.collections();
        ObjectNode root = JSON.createObjectNode();
        root.put("uid", Long.toHexString(m.uid()));
        ArrayNode scopes = root.putArray("scopes");
        for (CollectionsManifest.Scope s : m.scopes()) {
            ObjectNode so = scopes.addObject();
            so.put("name", s.name());
            so.put("uid", Integer.toHexString(s.id()));
            ArrayNode cols = so.putArray("collections");
            for (CollectionsManifest.Collection c : s.collections()) {
                ObjectNode co = cols.addObject();
                co.put("name", c.name());
                co.put("uid", Integer.toHexString(c.id()));
                co.put("maxTTL", 0);
                co.put("history", false);
            }
        }
        try {
            return HttpAnswer.json(JSON.writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    HttpAnswer createScope(HttpRequestInfo request) {
        return change(request, (b, scope) -> {
            String name = request.form().get("name");
            if (name == null || name.isEmpty()) {
                return HttpAnswer.fieldError("name", "Scope name needs to be specified");
            }
            Status st = b.createScope(name);
            return switch (st) {
                case KEY_EEXISTS -> HttpAnswer.fieldError("_", "Scope with name \"" + name + "\" already exists");
                case EINVAL -> HttpAnswer.fieldError("name", "Scope name is invalid: " + name);
                default -> st == Status.SUCCESS ? null : failed(st);
            };
        });
    }

    HttpAnswer dropScope(HttpRequestInfo request) {
        return change(request, (b, scope) -> {
            Status st = b.dropScope(scope);
            return switch (st) {
                case UNKNOWN_SCOPE -> notFound("Scope with name \"" + scope + "\" is not found");
                case EINVAL -> HttpAnswer.fieldError("_", "Deleting _default scope is not allowed");
                default -> st == Status.SUCCESS ? null : failed(st);
            };
        });
    }

    HttpAnswer createCollection(HttpRequestInfo request) {
        return change(request, (b, scope) -> {
            String name = request.form().get("name");
            if (name == null || name.isEmpty()) {
                return HttpAnswer.fieldError("name", "Collection name needs to be specified");
            }
            String ttl = request.form().get("maxTTL");
            if (ttl != null && !ttl.equals("0")) {
                return HttpAnswer.fieldError("maxTTL", "A collection expiry is not supported by this server");
            }
            String history = request.form().get("history");
            if (history != null && !history.equals("false")) {
                return HttpAnswer.fieldError("history", "History retention is not supported by this server");
            }
            Status st = b.createCollection(scope, name);
            return switch (st) {
                case UNKNOWN_SCOPE -> notFound("Scope with name \"" + scope + "\" is not found");
                case KEY_EEXISTS ->
                    HttpAnswer.fieldError(
                            "_", "Collection with name \"" + name + "\" in scope \"" + scope + "\" already exists");
                case EINVAL -> HttpAnswer.fieldError("name", "Collection name is invalid: " + name);
                default -> st == Status.SUCCESS ? null : failed(st);
            };
        });
    }

    HttpAnswer dropCollection(HttpRequestInfo request) {
        return change(request, (b, scope) -> {
            String name = request.param("collection");
            Status st = b.dropCollection(scope, name);
            return switch (st) {
                case UNKNOWN_SCOPE -> notFound("Scope with name \"" + scope + "\" is not found");
                case UNKNOWN_COLLECTION ->
                    notFound("Collection with name \"" + name + "\" in scope \"" + scope + "\" is not found");
                case EINVAL -> HttpAnswer.fieldError("_", "Deleting _default collection is not allowed");
                default -> st == Status.SUCCESS ? null : failed(st);
            };
        });
    }

    /** One change: {@code action} answers an error, or {@code null} for success. */
    private interface Action {
        HttpAnswer apply(Bucket bucket, String scope);
    }

    private HttpAnswer change(HttpRequestInfo request, Action action) {
        if (!request.isAdmin()) {
            return HttpAnswer.error(HttpResponseStatus.FORBIDDEN, "Collection management needs an administrator");
        }
        Bucket b = engine.bucket(request.param("bucket"));
        if (b == null) {
            return notFound("Requested resource not found.");
        }
        String scope = request.pathParams().get("scope");
        HttpAnswer error = action.apply(b, scope);
        if (error != null) {
            return error;
        }
        changed.accept(b);
        return HttpAnswer.json(
                ("{\"uid\":\"" + Long.toHexString(b.collections().uid()) + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static HttpAnswer notFound(String message) {
        return HttpAnswer.error(HttpResponseStatus.NOT_FOUND, message);
    }

    private static HttpAnswer failed(Status st) {
        return HttpAnswer.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "The change failed: " + st);
    }
}
