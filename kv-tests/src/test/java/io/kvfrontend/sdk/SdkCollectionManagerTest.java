package io.kvfrontend.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.CollectionExistsException;
import com.couchbase.client.core.error.CollectionNotFoundException;
import com.couchbase.client.core.error.ScopeExistsException;
import com.couchbase.client.core.error.ScopeNotFoundException;
import com.couchbase.client.core.error.TimeoutException;
import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.kv.UpsertOptions;
import com.couchbase.client.java.manager.collection.CollectionManager;
import com.couchbase.client.java.manager.collection.ScopeSpec;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.engine.spi.CollectionsManifest;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java SDK's collection manager against the management REST API: scopes and collections made
 * at runtime are usable at once (the server pushes the changed cluster map), a dropped collection's
 * documents are gone, and the SDK raises its own errors for existing and missing ones.
 */
class SdkCollectionManagerTest extends SdkCluster {
    private Bucket bucket;
    private CollectionManager collections;

    @Override
    ServerConfig.Builder serverConfig() {
        return TestServer.withAuth().mgmtPort(0);
    }

    @BeforeAll
    void managers() {
        bucket = cluster.bucket("default");
        collections = bucket.collections();
    }

    private CollectionsManifest manifest() {
        return server.server().engine().bucket("default").collections();
    }

    @Test
    void aCollectionCreatedAtRuntimeServesAtOnceAndItsDropRemovesTheDocuments() {
        long pushes = server.server().context().stats().clusterMapPushes.sum();
        long uid = manifest().uid();
        collections.createScope("inventory");
        collections.createCollection("inventory", "hotel");
        assertThat(manifest().collection("inventory", "hotel")).isNotNull();
        assertThat(manifest().uid()).isEqualTo(uid + 2);
        Await.until(
                Duration.ofSeconds(10),
                () -> server.server().context().stats().clusterMapPushes.sum() > pushes,
                "the SDK's connection got a cluster-map push");

        ScopeSpec spec = collections.getAllScopes().stream()
                .filter(s -> s.name().equals("inventory"))
                .findFirst()
                .orElseThrow();
        assertThat(spec.collections()).extracting(c -> c.name()).containsExactly("hotel");

        Collection hotel = bucket.scope("inventory").collection("hotel");
        hotel.upsert("h1", "Grand");
        assertThat(hotel.get("h1").contentAs(String.class)).isEqualTo("Grand");
        assertThat(server.server().engine().bucket("default").stats().items()).isPositive();

        long items = server.server().engine().bucket("default").stats().items();
        collections.dropCollection("inventory", "hotel");
        assertThat(manifest().collection("inventory", "hotel")).isNull();
        assertThat(server.server().engine().bucket("default").stats().items()).isEqualTo(items - 1);
        assertThatThrownBy(() -> hotel.get(
                        "h1",
                        com.couchbase.client.java.kv.GetOptions.getOptions().timeout(Duration.ofMillis(1500))))
                .isInstanceOf(TimeoutException.class);
        collections.dropScope("inventory");
        assertThat(manifest().scope("inventory")).isNull();
    }

    @Test
    void existingAndMissingScopesAndCollectionsRaiseTheSdksErrors() {
        collections.createScope("errs");
        collections.createCollection("errs", "c");
        assertThatThrownBy(() -> collections.createScope("errs")).isInstanceOf(ScopeExistsException.class);
        assertThatThrownBy(() -> collections.createCollection("errs", "c"))
                .isInstanceOf(CollectionExistsException.class);
        assertThatThrownBy(() -> collections.createCollection("nope", "c")).isInstanceOf(ScopeNotFoundException.class);
        assertThatThrownBy(() -> collections.dropCollection("errs", "nope"))
                .isInstanceOf(CollectionNotFoundException.class);
        assertThatThrownBy(() -> collections.dropScope("nope")).isInstanceOf(ScopeNotFoundException.class);
        collections.dropScope("errs");
        bucket.defaultCollection().upsert("still", "here", UpsertOptions.upsertOptions());
    }
}
