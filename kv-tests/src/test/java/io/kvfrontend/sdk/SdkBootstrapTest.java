package io.kvfrontend.sdk;

import static com.couchbase.client.java.kv.DecrementOptions.decrementOptions;
import static com.couchbase.client.java.kv.GetOptions.getOptions;
import static com.couchbase.client.java.kv.IncrementOptions.incrementOptions;
import static com.couchbase.client.java.kv.ReplaceOptions.replaceOptions;
import static com.couchbase.client.java.kv.UpsertOptions.upsertOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.CasMismatchException;
import com.couchbase.client.core.error.DocumentExistsException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.DocumentNotLockedException;
import com.couchbase.client.core.msg.kv.MutationToken;
import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.MutationResult;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bootstrapping the SDK (sdk-compat.md 10: scenarios 1, 2 and 25): the connection count, no HTTP,
 * custom ports in both seed forms, {@code bucket.waitUntilReady()} with the management endpoint, and
 * the KV scenarios on 64 and 1 vBuckets. Prints the bootstrap time (connect to first successful
 * upsert) without asserting on it.
 */
class SdkBootstrapTest {

    /**
     * The SDK works over two connections: one without a bucket, one with bucket "default". Counted
     * as open connections at rest, not connections ever made: a busy machine can make the SDK
     * redial one whose handshake it gave up on.
     */
    private static void assertTwoOpenConnections(TestServer server) {
        Await.until(
                Duration.ofSeconds(10),
                () -> server.server().context().stats().currConnections.get() == 2,
                () -> "2 open connections, have "
                        + server.server().context().stats().currConnections.get() + ": " + describe(server));
    }

    /** Each open connection's bucket, agent and remote port, to tell a redial from a third pool. */
    private static String describe(TestServer server) {
        StringBuilder out = new StringBuilder();
        for (var c : server.server().context().connections().all()) {
            out.append("[conn ")
                    .append(c.id())
                    .append(" remote=")
                    .append(c.remoteAddress())
                    .append(" bucket=")
                    .append(c.bucket() == null ? "-" : c.bucket().name())
                    .append(" agent=")
                    .append(c.agent())
                    .append("] ");
        }
        return out + "total made "
                + server.server().context().stats().totalConnections.sum();
    }

    @Test
    void scenario1BootstrapUsesTwoConnectionsAndNoHttp() {
        try (TestServer server =
                TestServer.start(TestServer.withAuth().mgmtPort(0).build())) {
            Cluster cluster = null;
            try {
                long start = System.nanoTime();
                cluster = Sdk.connect(
                        Sdk.connectionString(server.port(), server.server().mgmtPort()), Sdk.ADMIN, Sdk.PASSWORD);
                Collection c = cluster.bucket("default").defaultCollection();
                MutationResult first = Sdk.warmUp(c, "k1");
                long bootstrap = System.nanoTime() - start;
                long warmStart = System.nanoTime();
                c.upsert("k1-again", JsonObject.create().put("a", 1));
                long warmOp = System.nanoTime() - warmStart;
                Sdk.report("scenario 1 (connection string with =manager)", bootstrap, warmOp);

                assertThat(first.cas()).isNotZero();
                assertThat(first.mutationToken()).isPresent();
                assertTwoOpenConnections(server);
                assertThat(server.server().httpStats().requests()).isZero();
            } finally {
                if (cluster != null) {
                    cluster.disconnect();
                }
            }
        }
    }

    @Test
    void scenario2CustomPortWithTheConnectionStringForm() {
        try (TestServer server = TestServer.start(TestServer.withAuth().build())) {
            long start = System.nanoTime();
            Cluster cluster = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
            try {
                Collection c = cluster.bucket("default").defaultCollection();
                MutationResult r = Sdk.warmUp(c, "k1");
                Sdk.report("scenario 2 (couchbase://127.0.0.1:<port>)", System.nanoTime() - start, -1);
                roundTrip(c, r, "k1");
                assertTwoOpenConnections(server);
            } finally {
                cluster.disconnect();
            }
        }
    }

    @Test
    void scenario2CustomPortWithTheSeedNodeForm() {
        try (TestServer server = TestServer.start(TestServer.withAuth().build())) {
            Cluster cluster = Sdk.connectSeed(server.port(), Sdk.ADMIN, Sdk.PASSWORD);
            try {
                Collection c = cluster.bucket("default").defaultCollection();
                MutationResult r = Sdk.warmUp(c, "k1");
                roundTrip(c, r, "k1");
                assertTwoOpenConnections(server);
            } finally {
                cluster.disconnect();
            }
        }
    }

    private static void roundTrip(Collection c, MutationResult warm, String key) {
        assertThat(warm.cas()).isNotZero();
        MutationToken t = warm.mutationToken().orElseThrow();
        assertThat(t.bucketName()).isEqualTo("default");
        assertThat(t.partitionID()).isEqualTo((short) crcVbucket(key, 1024));
        assertThat(c.get(key).cas()).isEqualTo(warm.cas());
    }

    @Test
    void scenario25WaitUntilReadySucceedsWithTheManagementEndpoint() {
        try (TestServer server =
                TestServer.start(TestServer.withAuth().mgmtPort(0).build())) {
            Cluster cluster = Sdk.connect(
                    Sdk.connectionString(server.port(), server.server().mgmtPort()), Sdk.ADMIN, Sdk.PASSWORD);
            try {
                long start = System.nanoTime();
                Bucket bucket = cluster.bucket("default");
                bucket.waitUntilReady(Duration.ofSeconds(30));
                long ready = System.nanoTime() - start;
                MutationResult r = bucket.defaultCollection()
                        .upsert("after-ready", JsonObject.create().put("a", 1));
                Sdk.report("scenario 25 (bucket() to waitUntilReady done)", ready, -1);

                assertThat(r.cas()).isNotZero();
                assertThat(server.server().httpStats().requests(200)).isPositive();
                assertThat(server.server().httpStats().requests())
                        .isEqualTo(server.server().httpStats().requests(200));
            } finally {
                cluster.disconnect();
            }
        }
    }

    @Test
    void scenario25WaitUntilReadySucceedsWhenTheSeedNamesOnlyTheKvPort() {
        // The seed's node id (host, 8091) differs from the config's (host, mgmt port): the SDK swaps
        // nodes (sdk-compat.md 2.4) and must still find the endpoint through the config.
        try (TestServer server =
                TestServer.start(TestServer.withAuth().mgmtPort(0).build())) {
            Cluster cluster = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
            try {
                Bucket bucket = cluster.bucket("default");
                bucket.waitUntilReady(Duration.ofSeconds(30));
                assertThat(bucket.defaultCollection().upsert("after-ready", "x").cas())
                        .isNotZero();
                assertThat(server.server().httpStats().requests(200)).isPositive();
            } finally {
                cluster.disconnect();
            }
        }
    }

    /** sdk-compat.md 25: the KV scenarios still pass with 64 or 1 vBuckets (a representative subset). */
    @ParameterizedTest(name = "{0} vBuckets")
    @ValueSource(ints = {64, 1})
    void scenario25KvScenariosPassWithFewerVbuckets(int vbuckets) {
        BucketConfig bucket = new BucketConfig(
                "default", BucketConfig.DEFAULT_QUOTA_BYTES, vbuckets, BucketConfig.DEFAULT_MAX_VALUE_BYTES, true);
        try (TestServer server =
                TestServer.start(TestServer.withAuth().buckets(List.of(bucket)).build())) {
            Cluster cluster = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
            try {
                Collection c = Sdk.warmDefaultCollection(cluster.bucket("default"));
                for (int i = 0; i < 20; i++) {
                    String key = "doc::" + i;
                    MutationResult r = c.upsert(key, JsonObject.create().put("i", i));
                    MutationToken t = r.mutationToken().orElseThrow();
                    assertThat(t.partitionID()).isEqualTo((short) crcVbucket(key, vbuckets));
                    assertThat(t.partitionUUID())
                            .isEqualTo(
                                    server.server().engine().bucket("default").vbucketUuid(crcVbucket(key, vbuckets)));
                    assertThat(c.get(key).contentAsObject().getInt("i")).isEqualTo(i);
                    assertThat(c.get(key).cas()).isEqualTo(r.cas());
                }
                assertThatThrownBy(() -> c.get("missing")).isInstanceOf(DocumentNotFoundException.class);
                assertThatThrownBy(() -> c.insert("doc::1", "x")).isInstanceOf(DocumentExistsException.class);
                long stale = c.get("doc::2").cas();
                c.upsert("doc::2", "y");
                assertThatThrownBy(
                                () -> c.replace("doc::2", "z", replaceOptions().cas(stale)))
                        .isInstanceOf(CasMismatchException.class);
                assertThat(c.exists("doc::3").exists()).isTrue();
                c.remove("doc::3");
                assertThat(c.exists("doc::3").exists()).isFalse();
                assertThat(c.binary()
                                .increment("ctr", incrementOptions().initial(10))
                                .content())
                        .isEqualTo(10);
                assertThat(c.binary()
                                .decrement("ctr", decrementOptions().delta(4))
                                .content())
                        .isEqualTo(6);
                c.upsert(
                        "bin",
                        "Hello".getBytes(StandardCharsets.UTF_8),
                        upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE));
                c.binary().append("bin", " World".getBytes(StandardCharsets.UTF_8));
                assertThat(c.get("bin", getOptions().transcoder(RawBinaryTranscoder.INSTANCE))
                                .contentAs(byte[].class))
                        .asString(StandardCharsets.UTF_8)
                        .isEqualTo("Hello World");
                long lockCas = c.getAndLock("doc::4", Duration.ofSeconds(10)).cas();
                c.unlock("doc::4", lockCas);
                assertThatThrownBy(() -> c.unlock("doc::4", lockCas)).isInstanceOf(DocumentNotLockedException.class);
            } finally {
                cluster.disconnect();
            }
        }
    }

    private static int crcVbucket(String key, int numVBuckets) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) ((crc.getValue() >>> 16) & 0x7fff) & (numVBuckets - 1);
    }
}
