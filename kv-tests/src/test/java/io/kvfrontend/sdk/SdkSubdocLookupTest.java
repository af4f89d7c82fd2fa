package io.kvfrontend.sdk;

import static com.couchbase.client.java.kv.GetOptions.getOptions;
import static com.couchbase.client.java.kv.LookupInSpec.count;
import static com.couchbase.client.java.kv.LookupInSpec.exists;
import static com.couchbase.client.java.kv.LookupInSpec.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.subdoc.PathNotFoundException;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonArray;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.LookupInResult;
import com.couchbase.client.java.kv.MutationResult;
import io.kvfrontend.testsupport.TestServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java SDK's sub-document lookups against the server: {@code lookupIn} with get, exists and
 * count (one SubdocMultiLookup), and {@code get} with a projection, which is built on them.
 */
class SdkSubdocLookupTest {
    private static TestServer server;
    private static Cluster cluster;
    private static Collection collection;
    private static MutationResult written;

    @BeforeAll
    static void connect() {
        server = TestServer.start(TestServer.withAuth().mgmtPort(-1).build());
        cluster = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
        collection = Sdk.warmDefaultCollection(cluster.bucket("default"));
        written = collection.upsert(
                "sub",
                JsonObject.create()
                        .put("name", "Ann")
                        .put("address", JsonObject.create().put("city", "Oslo").put("zip", "0150"))
                        .put("tags", JsonArray.from("a", "b", "c")));
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

    @Test
    void lookupInGetsExistsAndCountsInOneCall() {
        LookupInResult r = collection.lookupIn(
                "sub",
                List.of(
                        get("address.city"),
                        exists("tags"),
                        exists("nope"),
                        count("tags"),
                        get("tags[-1]"),
                        get("nope")));
        assertThat(r.cas()).isEqualTo(written.cas());
        assertThat(r.contentAs(0, String.class)).isEqualTo("Oslo");
        assertThat(r.exists(1)).isTrue();
        assertThat(r.exists(2)).isFalse();
        assertThat(r.contentAs(3, Integer.class)).isEqualTo(3);
        assertThat(r.contentAs(4, String.class)).isEqualTo("c");
        assertThatThrownBy(() -> r.contentAs(5, String.class)).isInstanceOf(PathNotFoundException.class);
        assertThatThrownBy(() -> collection.lookupIn("sub-missing", List.of(get("a"))))
                .isInstanceOf(DocumentNotFoundException.class);
    }

    @Test
    void getWithAProjectionReturnsOnlyThosePaths() {
        JsonObject projected = collection
                .get("sub", getOptions().project("name", "address.zip"))
                .contentAsObject();
        assertThat(projected.getString("name")).isEqualTo("Ann");
        assertThat(projected.getObject("address").getString("zip")).isEqualTo("0150");
        assertThat(projected.getObject("address").containsKey("city")).isFalse();
        assertThat(projected.containsKey("tags")).isFalse();
    }
}
