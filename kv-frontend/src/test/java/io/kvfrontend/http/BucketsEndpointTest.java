package io.kvfrontend.http;

import static io.kvfrontend.testsupport.Http.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.engine.spi.CompressionMode;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.server.KvServer;
import io.kvfrontend.testsupport.Http;
import io.kvfrontend.testsupport.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bucket manager's REST calls on a real management port: the verbose bucket JSON the SDKs
 * parse, create / flush / drop, and every refusal (who, what, which field), none of which changes
 * anything.
 */
class BucketsEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = basic("Administrator", "password");
    private static final String APP = basic("app", "app-pw");

    private static KvServer start() throws InterruptedException {
        return KvServer.start(TestServer.withAuth()
                .mgmtPort(0)
                .users(List.of(
                        UserConfig.admin("Administrator", "password"),
                        UserConfig.forBuckets("app", "app-pw", Set.of("default"))))
                .build());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void theBucketJsonHasEverySettingTheSdkManagersRead() throws Exception {
        try (KvServer server = start()) {
            JsonNode b = json(Http.get(server.mgmtPort(), "/pools/default/buckets/default", ADMIN));
            assertThat(b.path("quota").path("rawRAM").asLong()).isEqualTo(256L << 20);
            assertThat(b.path("quota").path("ram").asLong()).isEqualTo(256L << 20);
            assertThat(b.path("replicaNumber").asInt(-1)).isZero();
            assertThat(b.path("bucketType").asText()).isEqualTo("membase");
            assertThat(b.path("evictionPolicy").asText()).isEqualTo("valueOnly");
            assertThat(b.path("conflictResolutionType").asText()).isEqualTo("seqno");
            assertThat(b.path("compressionMode").asText()).isEqualTo("passive");
            assertThat(b.path("controllers").path("flush").asText())
                    .isEqualTo("/pools/default/buckets/default/controller/doFlush");
            JsonNode node = b.path("nodes").get(0);
            assertThat(node.path("version").asText()).isNotEmpty();
            assertThat(node.path("services").get(0).asText()).isEqualTo("kv");
            assertThat(node.path("ports").path("direct").asInt()).isEqualTo(server.port());
            assertThat(b.path("vBucketServerMap").path("numReplicas").asInt(-1)).isZero();
        }
    }

    @Test
    void anAdministratorCreatesFlushesAndDropsABucket() throws Exception {
        try (KvServer server = start()) {
            int port = server.mgmtPort();
            HttpResponse<String> created = Http.postForm(
                    port,
                    "/pools/default/buckets",
                    "name=made&ramQuotaMB=64&bucketType=couchbase&flushEnabled=1&compressionMode=active"
                            + "&replicaNumber=1&evictionPolicy=valueOnly",
                    ADMIN);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
            var bucket = server.engine().bucket("made");
            assertThat(bucket.config().quotaBytes()).isEqualTo(64L << 20);
            assertThat(bucket.config().flushEnabled()).isTrue();
            assertThat(bucket.config().compression()).isEqualTo(CompressionMode.ACTIVE);
            assertThat(json(Http.get(port, "/pools/default/buckets/made", ADMIN))
                            .path("compressionMode")
                            .asText())
                    .isEqualTo("active");

            HttpResponse<String> updated =
                    Http.postForm(port, "/pools/default/buckets/made", "ramQuotaMB=32&compressionMode=off", ADMIN);
            assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
            bucket = server.engine().bucket("made");
            assertThat(bucket.config().quotaBytes()).isEqualTo(32L << 20);
            assertThat(bucket.config().compression()).isEqualTo(CompressionMode.OFF);
            assertThat(bucket.config().flushEnabled()).as("left out: unchanged").isTrue();
            assertThat(Http.postForm(port, "/pools/default/buckets/made", "name=other", ADMIN)
                            .statusCode())
                    .isEqualTo(400);
            assertThat(Http.postForm(port, "/pools/default/buckets/made", "ramQuotaMB=0", ADMIN)
                            .statusCode())
                    .isEqualTo(400);
            assertThat(Http.postForm(port, "/pools/default/buckets/none", "ramQuotaMB=10", ADMIN)
                            .statusCode())
                    .isEqualTo(404);
            assertThat(server.engine().bucket("made").config().quotaBytes()).isEqualTo(32L << 20);

            bucket.store(
                    io.kvfrontend.engine.spi.StoreMode.SET,
                    DocKey.ofDefault("k".getBytes(StandardCharsets.UTF_8)),
                    new byte[] {1},
                    0,
                    0,
                    0,
                    0,
                    false);
            assertThat(bucket.stats().items()).isEqualTo(1);
            assertThat(Http.postForm(port, "/pools/default/buckets/made/controller/doFlush", "", ADMIN)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(bucket.stats().items()).isZero();

            assertThat(Http.send(port, "/pools/default/buckets/made", "DELETE", null, null, ADMIN)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(server.engine().bucket("made")).isNull();
            assertThat(Http.get(port, "/pools/default/buckets/made", ADMIN).statusCode())
                    .isEqualTo(404);
            assertThat(Http.send(port, "/pools/default/buckets/made", "DELETE", null, null, ADMIN)
                            .statusCode())
                    .isEqualTo(404);
        }
    }

    @Test
    void refusalsNameTheReasonAndChangeNothing() throws Exception {
        try (KvServer server = start()) {
            int port = server.mgmtPort();
            String path = "/pools/default/buckets";
            HttpResponse<String> exists = Http.postForm(port, path, "name=default&ramQuotaMB=100", ADMIN);
            assertThat(exists.statusCode()).isEqualTo(400);
            assertThat(exists.body()).contains("Bucket with given name already exists");

            for (String[] bad : new String[][] {
                {"ramQuotaMB=100", "name"},
                {"name=x&ramQuotaMB=lots", "ramQuota"},
                {"name=x&bucketType=ephemeral", "bucketType"},
                {"name=x&flushEnabled=yes", "flushEnabled"},
                {"name=x&compressionMode=zip", "compressionMode"},
                {"name=bad%20name", "name"},
                {"name=x&colour=red", "colour"},
            }) {
                HttpResponse<String> r = Http.postForm(port, path, bad[0], ADMIN);
                assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
                assertThat(JSON.readTree(r.body()).path("errors").has(bad[1]))
                        .as("%s: %s", bad[0], r.body())
                        .isTrue();
            }
            assertThat(server.engine().bucketNames()).containsExactly("default");

            assertThat(Http.postForm(port, path, "name=mine&ramQuotaMB=100", APP)
                            .statusCode())
                    .isEqualTo(403);
            assertThat(Http.send(port, path + "/default", "DELETE", null, null, APP)
                            .statusCode())
                    .isEqualTo(403);
            assertThat(Http.postForm(port, path + "/default/controller/doFlush", "", APP)
                            .statusCode())
                    .isEqualTo(403);
            assertThat(Http.postForm(port, path, "name=mine", null).statusCode())
                    .isEqualTo(401);
            assertThat(server.engine().bucketNames()).containsExactly("default");

            // A bucket without flush says so, as Couchbase Server does.
            assertThat(Http.postForm(port, path, "name=noflush&ramQuotaMB=16", ADMIN)
                            .statusCode())
                    .isEqualTo(202);
            assertThat(json(Http.get(port, path + "/noflush", ADMIN))
                            .path("controllers")
                            .has("flush"))
                    .isFalse();
            HttpResponse<String> flush = Http.postForm(port, path + "/noflush/controller/doFlush", "", ADMIN);
            assertThat(flush.statusCode()).isEqualTo(400);
            assertThat(flush.body()).contains("Flush is disabled for the bucket");
            assertThat(Http.postForm(port, path + "/none/controller/doFlush", "", ADMIN)
                            .statusCode())
                    .isEqualTo(404);
        }
    }
}
