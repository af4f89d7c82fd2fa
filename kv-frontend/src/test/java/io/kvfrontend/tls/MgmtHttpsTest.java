package io.kvfrontend.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.TestCertificates;
import io.kvfrontend.testsupport.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management endpoint over HTTPS on the management TLS port (the {@code mgmtSSL} an SDK on
 * {@code couchbases://} uses for {@code waitUntilReady}): the same routes and users as over HTTP,
 * beside the HTTP port, and plain HTTP refused there.
 */
class MgmtHttpsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN =
            "Basic " + Base64.getEncoder().encodeToString("Administrator:password".getBytes(StandardCharsets.UTF_8));

    @TempDir
    static Path dir;

    static TestCertificates.Pair pair;

    @BeforeAll
    static void makeCertificate() {
        pair = TestCertificates.generate(dir);
    }

    private static HttpResponse<String> get(HttpClient client, String url, boolean credentials) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (credentials) {
            r.header("Authorization", ADMIN);
        }
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheBucketConfigOverHttpsBesideHttp() throws Exception {
        try (TestServer server = TestServer.start(
                TestServer.withAuth().mgmtPort(0).tls(pair.tls()).build())) {
            int https = server.server().mgmtTlsPort();
            assertThat(https).isPositive().isNotEqualTo(server.server().mgmtPort());
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(pair.clientContext())
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();

            HttpResponse<String> bucket =
                    get(client, "https://127.0.0.1:" + https + "/pools/default/buckets/default", true);
            assertThat(bucket.statusCode()).isEqualTo(200);
            JsonNode tree = JSON.readTree(bucket.body());
            assertThat(tree.get("nodes").get(0).get("status").asText()).isEqualTo("healthy");
            JsonNode services = tree.get("nodesExt").get(0).get("services");
            assertThat(services.get("kvSSL").asInt()).isEqualTo(server.server().tlsPort());
            assertThat(services.get("mgmtSSL").asInt()).isEqualTo(https);
            assertThat(services.get("mgmt").asInt()).isEqualTo(server.server().mgmtPort());

            assertThat(get(client, "https://127.0.0.1:" + https + "/pools/default/buckets/default", false)
                            .statusCode())
                    .as("same users as over HTTP")
                    .isEqualTo(401);
            assertThat(get(client, "http://127.0.0.1:" + server.server().mgmtPort() + "/pools", true)
                            .statusCode())
                    .as("HTTP still served")
                    .isEqualTo(200);
            assertThat(server.server().httpStats().requests(200)).isEqualTo(2);
            assertThat(server.server().httpStats().requests(401)).isEqualTo(1);
        }
    }

    @Test
    void plainHttpOnTheHttpsPortGetsNoAnswer() throws Exception {
        try (TestServer server =
                TestServer.start(TestServer.withAuth().tls(pair.tls()).build())) {
            HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();
            assertThatThrownBy(() ->
                            get(client, "http://127.0.0.1:" + server.server().mgmtTlsPort() + "/pools", true))
                    .isInstanceOf(IOException.class);
            // The client may retry the GET once on a fresh connection.
            Await.until(
                    Duration.ofSeconds(30),
                    () -> server.server().tls().handshakeFailures() >= 1,
                    () -> "the failed handshake is counted: "
                            + server.server().tls().handshakeFailures());
            assertThat(server.server().httpStats().requests()).isZero();
        }
    }
}
