package io.kvfrontend.sdk;

import static com.couchbase.client.java.kv.GetOptions.getOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.TimeoutException;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.MutationResult;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Buckets created and deleted with CreateBucket / DeleteBucket over MCBP (an administrator's raw
 * connection) are visible to a running SDK client.
 */
class SdkBucketAdminTest {
    private static final int SASL_AUTH = 0x21;
    private static final int CREATE_BUCKET = 0x85;
    private static final int DELETE_BUCKET = 0x86;

    private static McbpClient admin(TestServer server) {
        McbpClient c = McbpClient.connect(server.port());
        Response auth = c.call(Frames.request(SASL_AUTH).key("PLAIN").value("\0" + Sdk.ADMIN + "\0" + Sdk.PASSWORD));
        assertThat(auth.status()).isZero();
        return c;
    }

    @Test
    void aCreatedBucketOpensInTheSdkAndADeletedOneStopsServing() {
        try (TestServer server =
                        TestServer.start(TestServer.withAuth().mgmtPort(0).build());
                McbpClient admin = admin(server)) {
            Cluster cluster = Sdk.connect(
                    Sdk.connectionString(server.port(), server.server().mgmtPort()), Sdk.ADMIN, Sdk.PASSWORD);
            try {
                Sdk.warmDefaultCollection(cluster.bucket("default"));
                long pushes = server.server().context().stats().clusterMapPushes.sum();
                assertThat(admin.call(Frames.request(CREATE_BUCKET).key("fresh").value("memcached\0num_vbuckets=64"))
                                .status())
                        .isZero();
                // The SDK negotiated Duplex and brief change notifications: it is told of the change
                // at once instead of at its next poll.
                Await.until(
                        Duration.ofSeconds(10),
                        () -> server.server().context().stats().clusterMapPushes.sum() > pushes,
                        "the SDK's connection got a cluster-map push");

                Collection fresh = cluster.bucket("fresh").defaultCollection();
                MutationResult r = Sdk.warmUp(fresh, "k");
                assertThat(r.mutationToken().orElseThrow().bucketName()).isEqualTo("fresh");
                fresh.upsert("doc", JsonObject.create().put("in", "fresh"));
                assertThat(fresh.get("doc").contentAsObject().getString("in")).isEqualTo("fresh");
                assertThat(server.server().engine().bucket("fresh").config().numVBuckets())
                        .isEqualTo(64);

                assertThat(admin.call(Frames.request(DELETE_BUCKET).key("fresh"))
                                .status())
                        .isZero();

                assertThatThrownBy(() -> fresh.get("doc", getOptions().timeout(Duration.ofMillis(1500))))
                        .isInstanceOf(TimeoutException.class);
                // The other bucket is unaffected.
                assertThat(cluster.bucket("default")
                                .defaultCollection()
                                .upsert("still", "here")
                                .cas())
                        .isNotZero();
            } finally {
                cluster.disconnect();
            }
        }
    }
}
