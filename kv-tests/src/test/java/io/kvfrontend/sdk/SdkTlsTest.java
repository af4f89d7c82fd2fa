package io.kvfrontend.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.cnc.AbstractEvent;
import com.couchbase.client.core.cnc.Event;
import com.couchbase.client.core.cnc.events.node.NodeCreatedEvent;
import com.couchbase.client.core.cnc.events.node.NodeDisconnectedEvent;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.env.ClusterEnvironment;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.MutationResult;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.TestCertificates;
import io.kvfrontend.testsupport.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java SDK over TLS: {@code couchbases://127.0.0.1:<tls port>}, trusting the test certificate
 * (whose subject alternative names include 127.0.0.1, so host-name verification stays on). Over
 * TLS the SDK logs in with PLAIN (sdk-compat.md 1.5), dials only the {@code kvSSL} and
 * {@code mgmtSSL} ports of the cluster map, and names the node by the plain {@code mgmt} port
 * (sdk-compat.md 2.4): with that port advertised as 8091, the node of the seed and the node of the
 * map are one, so the SDK keeps its bootstrap connections (no node churn).
 */
class SdkTlsTest {
    @TempDir
    static Path dir;

    static TestCertificates.Pair pair;

    @BeforeAll
    static void makeCertificate() {
        pair = TestCertificates.generate(dir);
    }

    /** A cluster on its own environment, so that every SDK event from the first is recorded. */
    private record TlsCluster(Cluster cluster, ClusterEnvironment env, List<Event> events) implements AutoCloseable {
        static TlsCluster connect(int tlsPort) {
            return connect("couchbases://127.0.0.1:" + tlsPort);
        }

        static TlsCluster connect(String connectionString) {
            List<Event> events = new CopyOnWriteArrayList<>();
            ClusterEnvironment env = ClusterEnvironment.builder()
                    .securityConfig(s -> s.enableTls(true).trustCertificates(List.of(pair.certificate())))
                    .timeoutConfig(t -> t.kvTimeout(Sdk.KV_TIMEOUT).connectTimeout(Duration.ofSeconds(10)))
                    .build();
            env.eventBus().subscribe(events::add);
            try {
                Cluster cluster = Cluster.connect(
                        connectionString,
                        ClusterOptions.clusterOptions(Sdk.ADMIN, Sdk.PASSWORD).environment(env));
                return new TlsCluster(cluster, env, events);
            } catch (RuntimeException e) {
                env.shutdown();
                throw e;
            }
        }

        /**
         * Every event published so far, once delivered: the bus delivers on its own thread, in
         * order, so a marker published now arrives after all of them.
         */
        List<Event> eventsSoFar() {
            Marker marker = new Marker();
            env.eventBus().publish(marker);
            Await.until(Duration.ofSeconds(10), () -> events.contains(marker), "SDK events delivered");
            return List.copyOf(events);
        }

        <T extends Event> List<T> events(Class<T> type) {
            return eventsSoFar().stream()
                    .filter(type::isInstance)
                    .map(type::cast)
                    .toList();
        }

        /** Warnings and errors, less the threshold tracer's periodic report (sdk-compat.md 2.3). */
        List<String> warnings() {
            List<String> out = new ArrayList<>();
            for (Event e : eventsSoFar()) {
                if (e.severity().ordinal() >= Event.Severity.WARN.ordinal()
                        && !e.getClass().getSimpleName().equals("OverThresholdRequestsRecordedEvent")) {
                    out.add(e.getClass().getSimpleName() + ": " + e.description());
                }
            }
            return out;
        }

        @Override
        public void close() {
            cluster.disconnect();
            env.shutdown();
        }
    }

    /** A no-op event marking a point in the bus's order. */
    private static final class Marker extends AbstractEvent {
        Marker() {
            super(Event.Severity.DEBUG, "kv-tests.marker", Duration.ZERO, null);
        }

        @Override
        public String description() {
            return "marker";
        }
    }

    private static boolean allTls(TestServer server) {
        return server.server().context().connections().all().stream()
                .allMatch(c -> c.channel().pipeline().get("tls") != null);
    }

    private static int openConnections(TestServer server) {
        return server.server().context().connections().all().size();
    }

    @Test
    void waitUntilReadyUpsertAndGetOverTlsWithOneNodeAndNoWarnings() {
        // The plain management port is off (and so advertised as 8091, the SDK's default node id);
        // the management HTTPS port serves waitUntilReady.
        try (TestServer server = TestServer.start(
                        TestServer.withAuth().mgmtPort(-1).tls(pair.tls()).build());
                TlsCluster tls = TlsCluster.connect(server.server().tlsPort())) {
            long start = System.nanoTime();
            Bucket bucket = tls.cluster().bucket("default");
            bucket.waitUntilReady(Duration.ofSeconds(30));
            Collection c = bucket.defaultCollection();
            MutationResult r = c.upsert("over-tls", JsonObject.create().put("secure", true));
            Sdk.report(
                    "TLS (couchbases://, bucket() to first upsert after waitUntilReady)",
                    System.nanoTime() - start,
                    -1);

            assertThat(r.cas()).isNotZero();
            assertThat(r.mutationToken()).isPresent();
            GetResult got = c.get("over-tls");
            assertThat(got.contentAsObject().getBoolean("secure")).isTrue();
            assertThat(got.cas()).isEqualTo(r.cas());
            assertThatThrownBy(() -> c.get("missing")).isInstanceOf(DocumentNotFoundException.class);

            Await.until(
                    Duration.ofSeconds(10),
                    () -> openConnections(server) == 2,
                    () -> "2 MCBP connections, have " + openConnections(server));
            assertThat(allTls(server))
                    .as("every MCBP connection is on the TLS port")
                    .isTrue();
            assertThat(server.server().httpStats().requests(200))
                    .as("waitUntilReady asked over HTTPS")
                    .isPositive();
            assertThat(server.server().httpStats().requests())
                    .isEqualTo(server.server().httpStats().requests(200));
            assertThat(server.server().tls().handshakeFailures()).isZero();
            assertThat(server.server().context().stats().authFailures.sum()).isZero();
            assertThat(nodeIdentities(tls))
                    .as("one node: the seed's is the map's")
                    .hasSize(1);
            assertNoNodeSwap(tls);
            assertThat(tls.warnings()).as("SDK warnings").isEmpty();
        }
    }

    @Test
    void aPlainManagementPortOtherThan8091IsNamedAsTheManagerPortOfTheSeed() {
        // The SDK names the seed's node by the =manager port of the connection string (8091 when
        // there is none) and the map's node by its plain mgmt port: naming the plain port keeps them
        // one node. Over TLS the SDK dials that port only if binary-protocol bootstrap fails.
        try (TestServer server = TestServer.start(
                        TestServer.withAuth().mgmtPort(0).tls(pair.tls()).build());
                TlsCluster tls = TlsCluster.connect(
                        "couchbases://127.0.0.1:" + server.server().tlsPort() + "=kv,127.0.0.1:"
                                + server.server().mgmtPort() + "=manager")) {
            Bucket bucket = tls.cluster().bucket("default");
            bucket.waitUntilReady(Duration.ofSeconds(30));
            assertThat(bucket.defaultCollection().upsert("k", "v").cas()).isNotZero();
            assertThat(nodeIdentities(tls)).as("one node").hasSize(1);
            assertNoNodeSwap(tls);
            assertThat(tls.warnings()).as("SDK warnings").isEmpty();
            assertThat(allTls(server)).isTrue();
            assertThat(server.server().httpStats().requests(200)).isPositive();
        }
    }

    @Test
    void kvOverTlsWithoutTheHttpsPortAndAPlainClientAlongside() {
        // Only kvSSL: the SDK needs no HTTP for KV (sdk-compat.md 2.3), over TLS either.
        try (TestServer server = TestServer.start(TestServer.withAuth()
                        .mgmtPort(-1)
                        .tls(pair.tls().toBuilder().mgmtPort(-1).build())
                        .build());
                TlsCluster tls = TlsCluster.connect(server.server().tlsPort())) {
            Collection secure = Sdk.warmDefaultCollection(tls.cluster().bucket("default"));
            secure.upsert("from-tls", "a");
            Cluster plain = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
            try {
                Collection open = Sdk.warmDefaultCollection(plain.bucket("default"));
                open.upsert("from-plain", "b");
                assertThat(open.get("from-tls").contentAs(String.class)).isEqualTo("a");
                assertThat(secure.get("from-plain").contentAs(String.class)).isEqualTo("b");
                Await.until(
                        Duration.ofSeconds(10),
                        () -> openConnections(server) == 4,
                        () -> "2 TLS and 2 plain connections, have " + openConnections(server));
                assertThat(server.server().context().connections().all().stream()
                                .filter(x -> x.channel().pipeline().get("tls") != null)
                                .count())
                        .isEqualTo(2);
            } finally {
                plain.disconnect();
            }
            assertThat(server.server().httpStats().requests()).isZero();
            assertNoNodeSwap(tls);
            assertThat(tls.warnings()).as("SDK warnings").isEmpty();
        }
    }

    /**
     * The distinct nodes the SDK created, by (host, management port): it can report the same node
     * created twice when the global and the bucket map arrive together, which is not churn.
     */
    private static java.util.Set<String> nodeIdentities(TlsCluster tls) {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (NodeCreatedEvent e : tls.events(NodeCreatedEvent.class)) {
            ids.add(identity(e.context()));
        }
        return ids;
    }

    private static String identity(com.couchbase.client.core.cnc.Context context) {
        return context.exportAsString(com.couchbase.client.core.cnc.Context.ExportFormat.STRING);
    }

    /**
     * No node swap (sdk-compat.md 2.4): the SDK never drops one node identity for another. It may
     * drop the duplicate of a node it created twice in a race; that node is the same identity.
     */
    private static void assertNoNodeSwap(TlsCluster tls) {
        java.util.Set<String> created = nodeIdentities(tls);
        for (NodeDisconnectedEvent e : tls.events(NodeDisconnectedEvent.class)) {
            assertThat(created)
                    .as("no node churn: a disconnected node is the one node")
                    .containsExactly(identity(e.context()));
        }
    }
}
