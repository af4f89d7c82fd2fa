package io.kvfrontend.sdk;

import static com.couchbase.client.java.kv.GetOptions.getOptions;
import static com.couchbase.client.java.kv.UpsertOptions.upsertOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.codec.RawStringTranscoder;
import com.couchbase.client.java.kv.GetResult;
import io.kvfrontend.testsupport.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.CASValue;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java SDK and a plain memcached binary client (spymemcached, SASL PLAIN) on the same bucket at
 * once see each other's writes (issue 4). Values cross as raw strings and bytes: the SDK side uses
 * the raw transcoders, whose flags spymemcached reads as plain strings, and spymemcached's flags 0
 * are accepted by the raw transcoders.
 */
class SdkMixedClientsTest {
    private static TestServer server;
    private static Cluster cluster;
    private static Collection sdk;
    private static MemcachedClient spy;

    @BeforeAll
    static void connect() throws IOException {
        server = TestServer.start(TestServer.withAuth().build());
        cluster = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
        sdk = Sdk.warmDefaultCollection(cluster.bucket("default"));
        spy = new MemcachedClient(
                new ConnectionFactoryBuilder()
                        .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                        .setOpTimeout(5_000)
                        .setDaemon(true)
                        .setAuthDescriptor(new AuthDescriptor(
                                new String[] {"PLAIN"}, new PlainCallbackHandler(Sdk.ADMIN, Sdk.PASSWORD)))
                        .build(),
                List.of(new InetSocketAddress("127.0.0.1", server.port())));
    }

    @AfterAll
    static void disconnect() {
        if (spy != null) {
            spy.shutdown();
        }
        if (cluster != null) {
            cluster.disconnect();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void memcachedClientReadsWhatTheSdkWrote() {
        long cas = sdk.upsert(
                        "from-sdk", "written by the SDK", upsertOptions().transcoder(RawStringTranscoder.INSTANCE))
                .cas();

        CASValue<Object> got = spy.gets("from-sdk");
        assertThat(got.getValue()).isEqualTo("written by the SDK");
        assertThat(got.getCas()).isEqualTo(cas);
    }

    @Test
    void sdkReadsWhatTheMemcachedClientWrote() throws Exception {
        assertThat(spy.set("from-spy", 0, "written by spymemcached").get(5, TimeUnit.SECONDS))
                .isTrue();

        GetResult r = sdk.get("from-spy", getOptions().transcoder(RawStringTranscoder.INSTANCE));
        assertThat(r.contentAs(String.class)).isEqualTo("written by spymemcached");
        assertThat(r.cas()).isEqualTo(spy.gets("from-spy").getCas());
        byte[] raw = sdk.get("from-spy", getOptions().transcoder(RawBinaryTranscoder.INSTANCE))
                .contentAs(byte[].class);
        assertThat(raw).isEqualTo("written by spymemcached".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theSdkCompressesLargeValuesAndTheMemcachedClientReadsThemInflated() throws Exception {
        // The SDK Snappy-compresses values of 32 bytes and more once the server acks Snappy; the
        // default bucket is passive, so it keeps them compressed.
        String big = "a compressible sentence, ".repeat(200);
        sdk.upsert("sdk-big", big, upsertOptions().transcoder(RawStringTranscoder.INSTANCE));

        io.kvfrontend.engine.spi.Item stored = server.server()
                .engine()
                .bucket("default")
                .get(io.kvfrontend.engine.spi.DocKey.ofDefault("sdk-big".getBytes(StandardCharsets.UTF_8)))
                .item();
        assertThat(stored.datatype() & io.kvfrontend.engine.spi.Datatype.SNAPPY)
                .isEqualTo(io.kvfrontend.engine.spi.Datatype.SNAPPY);
        assertThat(stored.value().length).isLessThan(big.length() / 5);

        assertThat(spy.get("sdk-big")).isEqualTo(big);
        assertThat(sdk.get("sdk-big", getOptions().transcoder(RawStringTranscoder.INSTANCE))
                        .contentAs(String.class))
                .isEqualTo(big);
        assertThat(spy.append(0, "sdk-big", "!").get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(sdk.get("sdk-big", getOptions().transcoder(RawStringTranscoder.INSTANCE))
                        .contentAs(String.class))
                .isEqualTo(big + "!");
    }

    @Test
    void countersAppendsAndDeletesAreSharedBothWays() throws Exception {
        assertThat(sdk.binary()
                        .increment(
                                "shared-ctr",
                                com.couchbase.client.java.kv.IncrementOptions.incrementOptions()
                                        .initial(5))
                        .content())
                .isEqualTo(5);
        assertThat(spy.incr("shared-ctr", 3)).isEqualTo(8);
        assertThat(sdk.binary().increment("shared-ctr").content()).isEqualTo(9);

        sdk.upsert(
                "shared-bin",
                "Hello".getBytes(StandardCharsets.UTF_8),
                upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE));
        assertThat(spy.append(0, "shared-bin", " World").get(5, TimeUnit.SECONDS))
                .isTrue();
        assertThat(sdk.get("shared-bin", getOptions().transcoder(RawStringTranscoder.INSTANCE))
                        .contentAs(String.class))
                .isEqualTo("Hello World");

        assertThat(spy.delete("shared-bin").get(5, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> sdk.get("shared-bin")).isInstanceOf(DocumentNotFoundException.class);
        sdk.remove("shared-ctr");
        assertThat(spy.get("shared-ctr")).isNull();
    }
}
