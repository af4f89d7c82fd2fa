package io.kvfrontend.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.config.ConfigException;
import io.kvfrontend.config.ConfigLoader;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.server.KvServer;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.Scrape;
import io.kvfrontend.testsupport.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Who may scrape {@code /metrics}: with {@code metrics-auth} on (the default) a user who may see
 * every bucket, with it off anyone, and anyone when authentication is off altogether. Started
 * through {@link KvServer#start(ServerConfig)}, the overload {@code Main} uses, which is what makes
 * the registry a Prometheus one.
 */
class MetricsAuthTest {
    private static final List<UserConfig> USERS = List.of(
            UserConfig.admin("Administrator", "password"),
            new UserConfig("scraper", "scrape-pw", false, true, Set.of()),
            UserConfig.forBuckets("app", "app-pw", Set.of("default")));

    private static KvServer start(ServerConfig.Builder config) throws InterruptedException {
        return KvServer.start(config.mgmtPort(0).users(USERS).build());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void byDefaultAScrapeNeedsAUserWhoMaySeeEveryBucket() throws Exception {
        try (KvServer server = start(TestServer.withAuth())) {
            assertThat(server.context().config().metricsAuth()).isTrue();
            int port = server.mgmtPort();

            HttpResponse<String> none = Scrape.get(port, null, null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"kv-frontend\"");
            assertThat(none.body()).doesNotContain("kv_");
            assertThat(Scrape.get(port, basic("Administrator", "wrong"), null).statusCode())
                    .isEqualTo(401);

            HttpResponse<String> limited = Scrape.get(port, basic("app", "app-pw"), null);
            assertThat(limited.statusCode()).isEqualTo(403);
            assertThat(limited.body()).contains("access to every bucket").doesNotContain("kv_");

            for (String[] user : new String[][] {{"Administrator", "password"}, {"scraper", "scrape-pw"}}) {
                HttpResponse<String> ok = Scrape.get(port, basic(user[0], user[1]), null);
                assertThat(ok.statusCode()).as(user[0]).isEqualTo(200);
                assertThat(Scrape.parse(ok.body()).has("kv_bucket_items", "bucket", "default"))
                        .isTrue();
            }
            assertThat(server.httpStats().requests(401)).isEqualTo(2);
            assertThat(server.httpStats().requests(403)).isEqualTo(1);
        }
    }

    @Test
    void metricsAuthOffOpensTheScrapeButNotTheRestOfTheEndpoint() throws Exception {
        try (KvServer server = start(TestServer.withAuth().metricsAuth(false))) {
            int port = server.mgmtPort();
            HttpResponse<String> r = Scrape.get(port, null, null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Scrape.parse(r.body()).has("kv_connections_open")).isTrue();
            // Credentials, even wrong ones, are not looked at on a public route.
            assertThat(Scrape.get(port, basic("Administrator", "wrong"), null).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> pools = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pools"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(pools.statusCode()).isEqualTo(401);
        }
    }

    @Test
    void withAuthenticationOffTheScrapeIsOpenWhateverMetricsAuthSays() throws Exception {
        try (KvServer server = start(TestServer.config().metricsAuth(true))) {
            assertThat(Scrape.get(server.mgmtPort(), null, null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void failedSaslAuthenticationsAreCountedInTheMeterAndTheStatGroup() throws Exception {
        try (KvServer server = start(TestServer.withAuth())) {
            String admin = basic("Administrator", "password");
            double before = Scrape.parse(
                            Scrape.get(server.mgmtPort(), admin, null).body())
                    .sum("kv_auth_failures_total");
            try (McbpClient c = McbpClient.connect(server.port())) {
                for (int i = 0; i < 3; i++) {
                    Response r = c.call(Frames.request(0x21).key("PLAIN").value("\0app\0not-the-password"));
                    assertThat(r.status()).isEqualTo(Status.AUTH_ERROR.code());
                }
                Response ok = c.call(Frames.request(0x21).key("PLAIN").value("\0app\0app-pw"));
                assertThat(ok.status()).isZero();
                Scrape after =
                        Scrape.parse(Scrape.get(server.mgmtPort(), admin, null).body());
                assertThat(after.sum("kv_auth_failures_total") - before).isEqualTo(3);
                assertThat(after.value("kv_auth_failures_total", "reason", "wrong_password"))
                        .isEqualTo(3);
                assertThat(after.value("kv_auth_failures_total", "reason", "unknown_user"))
                        .isZero();
                assertThat(after.value("kv_commands_total", "opcode", "sasl_auth", "status", "auth_error"))
                        .isEqualTo(3);
                c.send(Frames.request(0x10).key("connections"));
                Map<String, String> stats = new HashMap<>();
                for (Response r : c.receiveStats()) {
                    stats.put(r.keyString(), r.valueString());
                }
                assertThat(Long.parseLong(stats.get("auth_errors")))
                        .isEqualTo((long) after.sum("kv_auth_failures_total"));
            }
        }
    }

    @Test
    void metricsAuthIsASettingLikeEveryOther() {
        assertThat(run(new String[0], Map.of()).metricsAuth()).isTrue();
        assertThat(run(new String[0], Map.of("KV_METRICS_AUTH", "false")).metricsAuth())
                .isFalse();
        assertThat(run(new String[] {"--metrics-auth=false"}, Map.of("KV_METRICS_AUTH", "true"))
                        .metricsAuth())
                .isFalse();
        assertThat(run(new String[] {"--metrics-auth"}, Map.of("KV_METRICS_AUTH", "false"))
                        .metricsAuth())
                .isTrue();
        assertThatThrownBy(() -> run(new String[] {"--metrics-auth=maybe"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("metrics-auth");
    }

    private static ServerConfig run(String[] args, Map<String, String> env) {
        return ((ConfigLoader.Run) ConfigLoader.load(args, env)).config();
    }
}
