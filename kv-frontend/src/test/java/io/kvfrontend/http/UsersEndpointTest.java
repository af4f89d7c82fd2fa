package io.kvfrontend.http;

import static io.kvfrontend.testsupport.Http.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.server.KvServer;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Http;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The user manager's REST calls on a real management port: roles map onto bucket access, the
 * roles are shown as given, refusals name the field, and a deleted user's connections close.
 */
class UsersEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = basic("Administrator", "password");
    private static final String PATH = "/settings/rbac/users/local/";

    private static KvServer start() throws InterruptedException {
        return KvServer.start(TestServer.withAuth()
                .mgmtPort(0)
                .users(List.of(
                        UserConfig.admin("Administrator", "password"),
                        UserConfig.forBuckets("app", "app-pw", Set.of("default"))))
                .build());
    }

    private static HttpResponse<String> put(KvServer s, String name, String form, String auth) {
        return Http.send(s.mgmtPort(), PATH + name, "PUT", form, "application/x-www-form-urlencoded", auth);
    }

    @Test
    void rolesBecomeAccessAndAreShownAsGiven() throws Exception {
        try (KvServer server = start()) {
            assertThat(put(
                                    server,
                                    "u1",
                                    "password=secret1&name=One&roles=data_reader%5Bdefault%3A_default%5D,ro_admin",
                                    ADMIN)
                            .statusCode())
                    .isEqualTo(200);
            var u1 = server.context().sasl().users().user("u1").orElseThrow();
            assertThat(u1.admin()).isFalse();
            assertThat(u1.canAccessBucket("default")).isTrue();
            assertThat(u1.canAccessBucket("other")).isFalse();
            JsonNode shown = JSON.readTree(
                    Http.get(server.mgmtPort(), PATH + "u1", ADMIN).body());
            assertThat(shown.path("name").asText()).isEqualTo("One");
            assertThat(shown.path("roles").get(0).path("role").asText()).isEqualTo("data_reader");
            assertThat(shown.path("roles").get(0).path("scope_name").asText()).isEqualTo("_default");
            assertThat(shown.path("roles").get(1).path("role").asText()).isEqualTo("ro_admin");

            put(server, "u2", "password=secret2&roles=bucket_full_access%5B*%5D", ADMIN);
            assertThat(server.context().sasl().users().user("u2").orElseThrow().canAccessBucket("any"))
                    .isTrue();
            put(server, "u3", "password=secret3&roles=admin", ADMIN);
            assertThat(server.context().sasl().users().user("u3").orElseThrow().admin())
                    .isTrue();
            // A configured user is shown with the roles its configuration implies.
            JsonNode app = JSON.readTree(
                    Http.get(server.mgmtPort(), PATH + "app", ADMIN).body());
            assertThat(app.path("roles").get(0).path("role").asText()).isEqualTo("bucket_full_access");
            assertThat(app.path("roles").get(0).path("bucket_name").asText()).isEqualTo("default");
            JsonNode all = JSON.readTree(Http.get(server.mgmtPort(), "/settings/rbac/users/local", ADMIN)
                    .body());
            assertThat(all).hasSize(5);
        }
    }

    @Test
    void refusalsNameTheFieldAndChangeNothing() throws Exception {
        try (KvServer server = start()) {
            HttpResponse<String> unknown = put(server, "x", "password=secret1&roles=wizard", ADMIN);
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(unknown.body()).contains("roles").contains("wizard");
            assertThat(put(server, "x", "password=secret1&roles=data_reader", ADMIN)
                            .statusCode())
                    .as("a bucket role needs its bucket")
                    .isEqualTo(400);
            assertThat(put(server, "x", "password=secret1&roles=admin%5Bb%5D", ADMIN)
                            .statusCode())
                    .isEqualTo(400);
            assertThat(put(server, "x", "roles=admin", ADMIN).body()).contains("password");
            assertThat(put(server, "x", "password=abc&roles=admin", ADMIN).body())
                    .contains("6 characters");
            assertThat(put(server, "x", "password=secret1&roles=admin", basic("app", "app-pw"))
                            .statusCode())
                    .isEqualTo(403);
            assertThat(server.context().sasl().users().user("x")).isEmpty();
            assertThat(Http.get(server.mgmtPort(), PATH + "x", ADMIN).statusCode())
                    .isEqualTo(404);
            assertThat(Http.send(server.mgmtPort(), PATH + "x", "DELETE", null, null, ADMIN)
                            .statusCode())
                    .isEqualTo(404);
        }
    }

    @Test
    void aDeletedUsersConnectionsCloseAndItsHttpCredentialsStopWorking() throws Exception {
        try (KvServer server = start()) {
            put(server, "gone", "password=secret9&roles=bucket_full_access%5Bdefault%5D", ADMIN);
            assertThat(Http.get(server.mgmtPort(), "/pools/default/buckets/default", basic("gone", "secret9"))
                            .statusCode())
                    .isEqualTo(200);
            try (McbpClient c = McbpClient.connect(server.port())) {
                assertThat(c.call(Frames.request(0x21).key("PLAIN").value("\0gone\0secret9"))
                                .status())
                        .isZero();
                assertThat(Http.send(server.mgmtPort(), PATH + "gone", "DELETE", null, null, ADMIN)
                                .statusCode())
                        .isEqualTo(200);
                c.awaitClosedByServer(Duration.ofSeconds(10));
            }
            assertThat(Http.get(server.mgmtPort(), "/pools/default/buckets/default", basic("gone", "secret9"))
                            .statusCode())
                    .isEqualTo(401);
        }
    }
}
