package io.kvfrontend.sdk;

import static com.couchbase.client.java.kv.GetOptions.getOptions;
import static com.couchbase.client.java.kv.UpsertOptions.upsertOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.AmbiguousTimeoutException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.UnambiguousTimeoutException;
import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.MutationResult;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.CollectionsManifest;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.ScopeConfig;
import io.kvfrontend.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Named scopes and collections with the Java SDK (sdk-compat.md 4): the SDK resolves
 * {@code scope.collection} with GetCollectionId and prefixes keys with the LEB128 id.
 */
class SdkCollectionsTest {
    /** The retry reasons of an operation on a collection the SDK cannot resolve. */
    private static final String UNRESOLVED_COLLECTION =
            "(?s).*\"retryReasons\":\\[[^]]*\"(COLLECTION_MAP_REFRESH_IN_PROGRESS|COLLECTION_NOT_FOUND)\".*";

    private static final Duration SHORT = Duration.ofMillis(1500);

    private static TestServer server;
    private static Cluster cluster;
    private static Bucket bucket;

    @BeforeAll
    static void connect() {
        server = TestServer.start(TestServer.withAuth()
                .buckets(List.of(BucketConfig.defaults("default")
                        .withScopes(List.of(
                                new ScopeConfig("s", List.of("c", "d")),
                                new ScopeConfig("_default", List.of("extra"))))))
                .build());
        cluster = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
        bucket = cluster.bucket("default");
        Sdk.warmDefaultCollection(bucket);
    }

    @AfterAll
    static void disconnect() {
        if (cluster != null) {
            cluster.disconnect();
        }
        if (server != null) {
            server.close();
        }
    }

    private static CollectionsManifest manifest() {
        return server.server().engine().bucket("default").collections();
    }

    @Test
    void aNamedCollectionRoundTripsAndKeepsItsDocumentsApart() {
        Collection c = bucket.scope("s").collection("c");
        Collection d = bucket.scope("s").collection("d");
        Collection dflt = bucket.defaultCollection();

        MutationResult inC = c.upsert("same-key", JsonObject.create().put("in", "c"));
        d.upsert("same-key", JsonObject.create().put("in", "d"));
        dflt.upsert("same-key", JsonObject.create().put("in", "default"));

        assertThat(inC.mutationToken()).isPresent();
        assertThat(c.get("same-key").contentAsObject().getString("in")).isEqualTo("c");
        assertThat(c.get("same-key").cas()).isEqualTo(inC.cas());
        assertThat(d.get("same-key").contentAsObject().getString("in")).isEqualTo("d");
        assertThat(dflt.get("same-key").contentAsObject().getString("in")).isEqualTo("default");
        int cid = manifest().collection("s", "c").id();
        assertThat(server.server()
                        .engine()
                        .bucket("default")
                        .get(new DocKey(cid, "same-key".getBytes(StandardCharsets.UTF_8)))
                        .status()
                        .code())
                .isZero();

        c.remove("same-key");
        assertThatThrownBy(() -> c.get("same-key")).isInstanceOf(DocumentNotFoundException.class);
        assertThat(d.exists("same-key").exists()).isTrue();
    }

    @Test
    void aCollectionOfTheDefaultScopeRoundTrips() {
        Collection extra = bucket.defaultScope().collection("extra");
        extra.upsert("k", JsonObject.create().put("x", 1));

        assertThat(extra.get("k").contentAsObject().getInt("x")).isEqualTo(1);
        assertThatThrownBy(() -> bucket.defaultCollection().get("k")).isInstanceOf(DocumentNotFoundException.class);
    }

    /**
     * What SDK 3.12.1 does (observed): GetCollectionId answered UnknownCollection (0x88) leaves the
     * operation waiting for the collection map, retried with reason
     * COLLECTION_MAP_REFRESH_IN_PROGRESS (or, once it has heard UnknownCollection/UnknownScope from
     * the server, COLLECTION_NOT_FOUND) until it times out; KV operations never throw
     * CollectionNotFoundException.
     */
    @Test
    void anUnknownCollectionTimesOutWaitingForTheCollectionMap() {
        Collection missing = bucket.scope("s").collection("nope");

        assertThatThrownBy(() -> missing.get("k", getOptions().timeout(SHORT)))
                .isInstanceOf(UnambiguousTimeoutException.class)
                .hasMessageMatching(UNRESOLVED_COLLECTION);
        assertThatThrownBy(() ->
                        missing.upsert("k", JsonObject.create(), upsertOptions().timeout(SHORT)))
                .isInstanceOf(AmbiguousTimeoutException.class)
                .hasMessageMatching(UNRESOLVED_COLLECTION);
    }

    @Test
    void anUnknownScopeTimesOut() {
        Collection missing = bucket.scope("nope").collection("c");

        assertThatThrownBy(() -> missing.get("k", getOptions().timeout(SHORT)))
                .isInstanceOf(UnambiguousTimeoutException.class)
                .hasMessageMatching(UNRESOLVED_COLLECTION);
    }
}
