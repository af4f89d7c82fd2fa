package io.kvfrontend.engine.spi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scopes and collections of a bucket, with their ids (mcbp-protocol.md 10): scope 0 and
 * collection 0 are {@code _default}; ids 1-7 are reserved; configured scopes and collections get
 * ids from 8 upwards in configuration order (collection ids are unique across the bucket).
 *
 * <p><b>Immutable.</b>
 *
 * @param uid    manifest uid: 0 for a bucket with only the defaults, else 1
 * @param scopes the scopes, {@code _default} first
 */
public record CollectionsManifest(long uid, List<Scope> scopes) {
    public static final String DEFAULT = "_default";
    /** First id a configured scope or collection gets. */
    public static final int FIRST_USER_ID = 8;

    private static final String NAME_PATTERN = "[A-Za-z0-9%][A-Za-z0-9_%-]{0,250}";

    /** A scope with its collections. */
    public record Scope(String name, int id, List<Collection> collections) {
        public Scope {
            collections = List.copyOf(collections);
        }
    }

    /** A collection. */
    public record Collection(String name, int id) {}

    public CollectionsManifest {
        scopes = List.copyOf(scopes);
    }

    /** The manifest for a bucket configured with {@code configured} (validated). */
    public static CollectionsManifest of(List<ScopeConfig> configured) {
        Map<String, List<Collection>> byScope = new java.util.LinkedHashMap<>();
        Map<String, Integer> scopeIds = new HashMap<>();
        byScope.put(DEFAULT, new ArrayList<>(List.of(new Collection(DEFAULT, 0))));
        scopeIds.put(DEFAULT, 0);
        int nextScope = FIRST_USER_ID;
        int nextCollection = FIRST_USER_ID;
        for (ScopeConfig sc : configured) {
            if (!DEFAULT.equals(sc.name())) {
                checkName("scope", sc.name());
                if (byScope.containsKey(sc.name())) {
                    throw new IllegalArgumentException("scope " + sc.name() + " is configured twice");
                }
                byScope.put(sc.name(), new ArrayList<>());
                scopeIds.put(sc.name(), nextScope++);
            }
            List<Collection> cols = byScope.get(sc.name());
            Set<String> seen = new HashSet<>();
            cols.forEach(c -> seen.add(c.name()));
            for (String c : sc.collections()) {
                checkName("collection", c);
                if (!seen.add(c)) {
                    throw new IllegalArgumentException("collection " + sc.name() + "." + c + " is configured twice");
                }
                cols.add(new Collection(c, nextCollection++));
            }
        }
        List<Scope> scopes = new ArrayList<>();
        byScope.forEach((name, cols) -> scopes.add(new Scope(name, scopeIds.get(name), cols)));
        return new CollectionsManifest(configured.isEmpty() ? 0 : 1, scopes);
    }

    /** A valid scope or collection name (not {@code _}-prefixed). */
    public static boolean isValidName(String name) {
        return name != null && name.matches(NAME_PATTERN) && !name.startsWith("_");
    }

    /** The highest scope or collection id in this manifest. */
    public int highestId() {
        int max = 0;
        for (Scope s : scopes) {
            max = Math.max(max, s.id());
            for (Collection c : s.collections()) {
                max = Math.max(max, c.id());
            }
        }
        return max;
    }

    private static void checkName(String what, String name) {
        if (name == null || !name.matches(NAME_PATTERN) || name.startsWith("_")) {
            throw new IllegalArgumentException(what + " name must be 1-251 characters of A-Z a-z 0-9 _ - %, not"
                    + " starting with _ or -: " + name);
        }
    }

    /** The scope with this name, or {@code null}. */
    public Scope scope(String name) {
        for (Scope s : scopes) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** The collection {@code scope.collection}, or {@code null}. */
    public Collection collection(String scope, String collection) {
        Scope s = scope(scope);
        if (s == null) {
            return null;
        }
        for (Collection c : s.collections()) {
            if (c.name().equals(collection)) {
                return c;
            }
        }
        return null;
    }

    /** Whether a collection with this id exists. */
    public boolean hasCollection(int id) {
        for (Scope s : scopes) {
            for (Collection c : s.collections()) {
                if (c.id() == id) {
                    return true;
                }
            }
        }
        return false;
    }
}
