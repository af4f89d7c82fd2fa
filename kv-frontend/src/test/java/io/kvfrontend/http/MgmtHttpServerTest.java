package io.kvfrontend.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.config.ConfigException;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The management HTTP endpoint on a real socket, with the JDK's HTTP client (and a raw socket for
 * what that client will not send): every path, the authentication and access answers, methods,
 * malformed requests, Host substitution, keep-alive, the no-auth mode and the KvServer hook.
 */
class MgmtHttpServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static TestServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.withAuth()
                .mgmtPort(0)
                .buckets(List.of(
                        BucketConfig.defaults("default"),
                        new BucketConfig("small", BucketConfig.DEFAULT_QUOTA_BYTES, 64, 1 << 20, true)))
                .users(List.of(
                        UserConfig.admin("Administrator", "password"),
                        UserConfig.forBuckets("smalluser", "pw-small", Set.of("small", "future"))))
                .build());
        http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static int mgmt() {
        return server.server().mgmtPort();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        return get("127.0.0.1", mgmt(), path, authorization);
    }

    private static HttpResponse<String> get(String host, int port, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(TIMEOUT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> admin(String path) throws Exception {
        return get(path, basic("Administrator", "password"));
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    @Test
    void poolsDescribesTheDefaultPoolAndWhetherTheCallerIsAnAdministrator() throws Exception {
        HttpResponse<String> r = admin("/pools");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode pools = json(r);
        assertThat(pools.path("isAdminCreds").asBoolean()).isTrue();
        assertThat(pools.path("isEnterprise").isBoolean()).isTrue();
        assertThat(pools.path("isEnterprise").asBoolean()).isFalse();
        assertThat(pools.path("implementationVersion").asText()).isNotEmpty();
        assertThat(pools.path("pools").get(0).path("name").asText()).isEqualTo("default");
        assertThat(pools.path("pools").get(0).path("uri").asText()).isEqualTo("/pools/default");

        JsonNode restricted = json(get("/pools", basic("smalluser", "pw-small")));
        assertThat(restricted.path("isAdminCreds").asBoolean()).isFalse();
    }

    @Test
    void poolsDefaultListsThisHealthyKvNodeWithBothPorts() throws Exception {
        JsonNode pool = json(admin("/pools/default"));

        JsonNode node = pool.path("nodes").get(0);
        assertThat(pool.path("nodes")).hasSize(1);
        assertThat(node.path("hostname").asText()).isEqualTo("127.0.0.1:" + mgmt());
        assertThat(node.path("status").asText()).isEqualTo("healthy");
        assertThat(node.path("ports").path("direct").asInt()).isEqualTo(server.port());
        assertThat(node.path("services").toString()).isEqualTo("[\"kv\"]");
        assertThat(pool.path("buckets").path("uri").asText()).isEqualTo("/pools/default/buckets");
    }

    @Test
    void bucketPathsServeTheClusterMapConfigWithHealthyNodesAndTheRealHost() throws Exception {
        for (String path : List.of(
                "/pools/default/buckets/default",
                "/pools/default/b/default",
                "/pools/default/buckets/default/",
                "/pools/default/buckets/default?basic_stats=true")) {
            HttpResponse<String> r = admin(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            JsonNode b = json(r);
            assertThat(b.path("name").asText()).isEqualTo("default");
            assertThat(b.path("nodeLocator").asText()).isEqualTo("vbucket");
            assertThat(b.path("rev").asLong())
                    .isEqualTo(server.server().context().clusterMap().revision());
            assertThat(b.path("nodes")).hasSize(1);
            assertThat(b.path("nodes").get(0).path("status").asText()).isEqualTo("healthy");
            assertThat(b.path("nodes").get(0).path("hostname").asText()).isEqualTo("127.0.0.1:" + mgmt());
            assertThat(b.path("nodes").get(0).path("ports").path("direct").asInt())
                    .isEqualTo(server.port());
            assertThat(b.path("nodesExt").get(0).path("services").path("mgmt").asInt())
                    .isEqualTo(mgmt());
            assertThat(b.path("nodesExt").get(0).path("services").path("kv").asInt())
                    .isEqualTo(server.port());
            assertThat(b.path("vBucketServerMap").path("serverList").get(0).asText())
                    .isEqualTo("127.0.0.1:" + server.port());
            assertThat(b.path("vBucketServerMap").path("vBucketMap")).hasSize(1024);
            assertThat(r.body()).doesNotContain("$HOST");
        }
        assertThat(json(admin("/pools/default/buckets/small"))
                        .path("vBucketServerMap")
                        .path("vBucketMap"))
                .hasSize(64);
    }

    @Test
    void hostNamesFollowTheHostHeaderTheClientSent() throws Exception {
        HttpResponse<String> r =
                get("localhost", mgmt(), "/pools/default/buckets/default", basic("Administrator", "password"));

        JsonNode b = json(r);
        assertThat(b.path("nodes").get(0).path("hostname").asText()).isEqualTo("localhost:" + mgmt());
        assertThat(b.path("vBucketServerMap").path("serverList").get(0).asText())
                .isEqualTo("localhost:" + server.port());
        assertThat(json(get("localhost", mgmt(), "/pools/default", basic("Administrator", "password")))
                        .path("nodes")
                        .get(0)
                        .path("hostname")
                        .asText())
                .isEqualTo("localhost:" + mgmt());
    }

    @Test
    void withoutAHostHeaderTheLocalAddressIsUsed() throws Exception {
        String answer = raw("GET /pools/default/buckets/default HTTP/1.0\r\nAuthorization: "
                + basic("Administrator", "password") + "\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.0 200");
        assertThat(answer).contains("\"hostname\":\"127.0.0.1:" + mgmt() + "\"");
    }

    @Test
    void theBucketListHasTheBucketsTheUserMayUse() throws Exception {
        List<String> all = new ArrayList<>();
        json(admin("/pools/default/buckets"))
                .forEach(b -> all.add(b.path("name").asText()));
        assertThat(all).containsExactlyInAnyOrder("default", "small");

        List<String> restricted = new ArrayList<>();
        json(get("/pools/default/buckets", basic("smalluser", "pw-small")))
                .forEach(b -> restricted.add(b.path("name").asText()));
        assertThat(restricted).containsExactly("small");
    }

    @Test
    void missingOrWrongCredentialsAre401WithABasicChallenge() throws Exception {
        long before = server.server().httpStats().requests(401);
        List<String> bad = new ArrayList<>();
        bad.add(null);
        bad.add(basic("Administrator", "wrong"));
        bad.add(basic("nobody", "password"));
        bad.add("Basic !!!not-base64");
        bad.add("Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)));
        bad.add("Bearer abc");
        for (String authorization : bad) {
            for (String path : List.of(
                    "/pools",
                    "/pools/default",
                    "/pools/default/buckets",
                    "/pools/default/buckets/default",
                    "/pools/default/b/default")) {
                HttpResponse<String> r = get(path, authorization);
                assertThat(r.statusCode()).as(path + " with " + authorization).isEqualTo(401);
                assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"kv-frontend\"");
                assertThat(json(r).has("error")).isTrue();
                assertThat(r.body()).doesNotContain("default\",\"uuid");
            }
        }
        assertThat(server.server().httpStats().requests(401) - before).isEqualTo(bad.size() * 5L);
    }

    @Test
    void aBucketTheUserMayNotUseIs403WhetherOrNotItExists() throws Exception {
        String small = basic("smalluser", "pw-small");

        assertThat(get("/pools/default/buckets/default", small).statusCode()).isEqualTo(403);
        assertThat(get("/pools/default/b/default", small).statusCode()).isEqualTo(403);
        assertThat(get("/pools/default/buckets/nosuchbucket", small).statusCode())
                .isEqualTo(403);
        assertThat(get("/pools/default/buckets/small", small).statusCode()).isEqualTo(200);
        // Allowed but not (yet) created: not found.
        assertThat(get("/pools/default/buckets/future", small).statusCode()).isEqualTo(404);
    }

    @Test
    void unknownPathsAndBucketsAre404() throws Exception {
        for (String path : List.of(
                "/",
                "/pools/nope",
                "/pools/default/buckets/nope",
                "/pools/default/b/nope",
                "/pools/default/buckets/default/extra",
                "/metrics",
                "/pools//default",
                "/pools/default/b/")) {
            HttpResponse<String> r = admin(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(json(r).path("error").asText()).isNotEmpty();
        }
        // Unknown paths answer 404 before asking for credentials.
        assertThat(get("/nope", null).statusCode()).isEqualTo(404);
    }

    @Test
    void otherMethodsAre405() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mgmt() + "/pools/default"))
                    .header("Authorization", basic("Administrator", "password"))
                    .method(method, HttpRequest.BodyPublishers.ofString("x=1"))
                    .timeout(TIMEOUT)
                    .build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(method).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue("GET");
        }
        assertThat(raw("HEAD /pools HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 405");
    }

    @Test
    void malformedRequestsAre400AndCloseTheConnection() throws Exception {
        assertThat(raw("THIS IS NOT HTTP\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /pools HTTP/1.1\r\nHost: bad host/\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET pools HTTP/1.1\r\nHost: h\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /pools/%zz HTTP/1.1\r\nHost: h\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /" + "a".repeat(MgmtHttpServer.MAX_INITIAL_LINE_BYTES + 10) + " HTTP/1.1\r\n\r\n"))
                .startsWith("HTTP/1.1 4");
        assertThat(raw("GET /pools HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(MgmtHttpServer.MAX_HEADER_BYTES + 10)
                        + "\r\n\r\n"))
                .startsWith("HTTP/1.1 4");
        assertThat(raw("GET /pools HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: "
                        + (MgmtHttpServer.MAX_CONTENT_BYTES + 1) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 413");
        // The endpoint still serves.
        assertThat(admin("/pools").statusCode()).isEqualTo(200);
    }

    @Test
    void keepAliveConnectionsServeSeveralRequests() throws Exception {
        String auth = basic("Administrator", "password");
        String request = "GET /pools HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + auth + "\r\n\r\n";
        String last = "GET /pools/default HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + auth
                + "\r\nConnection: close\r\n\r\n";
        String answer = raw(request + request + last);

        assertThat(answer.split("HTTP/1.1 200 OK", -1)).hasSize(4);
        assertThat(answer).contains("\"services\":[\"kv\"]");
    }

    @Test
    void requestsAreCountedByStatus() throws Exception {
        HttpStats stats = server.server().httpStats();
        long ok = stats.requests(200);
        long notFound = stats.requests(404);
        long total = stats.requests();

        admin("/pools");
        admin("/nope");

        assertThat(stats.requests(200) - ok).isEqualTo(1);
        assertThat(stats.requests(404) - notFound).isEqualTo(1);
        assertThat(stats.requests() - total).isEqualTo(2);
        assertThat(stats.snapshot()).containsKeys(200, 404);
        assertThat(server.server()
                        .context()
                        .registry()
                        .find("kv.http.requests")
                        .tag("status", "200")
                        .functionCounter()
                        .count())
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void withAuthenticationOffNoCredentialsAreNeeded() throws Exception {
        try (TestServer open = TestServer.start(TestServer.config().mgmtPort(0).build())) {
            int port = open.server().mgmtPort();
            for (String path : List.of(
                    "/pools",
                    "/pools/default",
                    "/pools/default/buckets",
                    "/pools/default/buckets/default",
                    "/pools/default/b/default")) {
                HttpResponse<String> r = get("127.0.0.1", port, path, null);
                assertThat(r.statusCode()).as(path).isEqualTo(200);
            }
            assertThat(JSON.readTree(get("127.0.0.1", port, "/pools", null).body())
                            .path("isAdminCreds")
                            .asBoolean())
                    .isTrue();
            assertThat(get("127.0.0.1", port, "/pools/default/buckets/nope", null)
                            .statusCode())
                    .isEqualTo(404);
        }
    }

    @Test
    void theMcbpClusterMapAdvertisesTheBoundManagementPort() {
        try (McbpClient c = McbpClient.connect(server.port())) {
            Response auth = c.call(Frames.request(0x21).key("PLAIN").value("\0Administrator\0password"));
            assertThat(auth.status()).isZero();
            Response config = c.call(Frames.request(0xb5));
            assertThat(config.status()).isZero();
            assertThat(config.valueString()).contains("\"mgmt\":" + mgmt());
        }
    }

    @Test
    void withTheEndpointOffNothingListensAndTheMapStillAdvertises8091() {
        try (TestServer off = TestServer.start(TestServer.config().mgmtPort(-1).build());
                McbpClient c = McbpClient.connect(off.port())) {
            assertThat(off.server().mgmtPort()).isEqualTo(-1);
            Response config = c.call(Frames.request(0xb5));
            assertThat(config.valueString()).contains("\"mgmt\":8091");
        }
    }

    @Test
    void closingTheServerClosesTheEndpoint() throws Exception {
        int port;
        try (TestServer s = TestServer.start(TestServer.config().mgmtPort(0).build())) {
            port = s.server().mgmtPort();
            assertThat(get("127.0.0.1", port, "/pools", null).statusCode()).isEqualTo(200);
        }
        assertThatThrownBy(() -> get("127.0.0.1", port, "/pools", null)).isInstanceOf(ConnectException.class);
    }

    @Test
    void aManagementPortInUseFailsStartUpNamingTheSettingAndReleasesTheKvPort() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int kvPort;
            try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                kvPort = probe.getLocalPort();
            }
            assertThatThrownBy(() -> TestServer.start(TestServer.config()
                            .port(kvPort)
                            .mgmtPort(taken.getLocalPort())
                            .build()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("mgmt-port");
            try (ServerSocket again = new ServerSocket()) {
                again.setReuseAddress(true);
                again.bind(new InetSocketAddress("127.0.0.1", kvPort));
            }
        }
    }

    /** Sends raw bytes and reads until the server closes (or the timeout). */
    private static String raw(String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", mgmt()), 5000);
            s.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
