package io.kvfrontend.engine.spi;

import java.util.List;

/**
 * A scope and its collections, as configured. Ids are assigned by {@link CollectionsManifest#of}.
 *
 * <p><b>Immutable.</b>
 *
 * @param name        scope name ({@code _default} adds collections to the default scope)
 * @param collections collection names
 */
public record ScopeConfig(String name, List<String> collections) {
    public ScopeConfig {
        collections = List.copyOf(collections);
    }
}
