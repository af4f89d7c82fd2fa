package io.kvfrontend.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.ScopeConfig;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every HELLO feature that changes what goes over the wire, on and off, on raw sockets
 * (mcbp-protocol.md 6; sdk-compat.md 1.3, 8): XERROR, MUTATION_SEQNO, JSON, COLLECTIONS,
 * GET_CLUSTER_CONFIG_WITH_KNOWN_VERSION, DEDUPE_NOT_MY_VBUCKET_CLUSTERMAP, and the informational
 * ALT_REQUEST / SYNC_REPLICATION / PRESERVE_TTL; plus HELLO's own rules (sorted answer, reset).
 * Feature codes and opcodes are written out from the protocol doc, not taken from the server.
 */
class HelloFeaturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final int HELLO = 0x1f;
    static final int SELECT_BUCKET = 0x89;
    static final int GET_CLUSTER_CONFIG = 0xb5;
    static final int GET_COLLECTION_ID = 0xbb;
    static final int GET_ERROR_MAP = 0xfe;

    static final int MUTATION_SEQNO = 0x04;
    static final int XATTR = 0x06;
    static final int XERROR = 0x07;
    static final int SELECT_BUCKET_FEATURE = 0x08;
    static final int SNAPPY = 0x0a;
    static final int JSON_FEATURE = 0x0b;
    static final int UNORDERED = 0x0e;
    static final int TRACING = 0x0f;
    static final int ALT_REQUEST = 0x10;
    static final int SYNC_REPLICATION = 0x11;
    static final int COLLECTIONS = 0x12;
    static final int PRESERVE_TTL = 0x14;
    static final int KNOWN_VERSION = 0x1d;
    static final int DEDUPE_NMVB = 0x1e;

    static final int LOCKED = 0x09;
    static final int NOT_MY_VBUCKET = 0x07;
    static final int UNKNOWN_COLLECTION = 0x88;

    private static TestServer server;
    private static int collectionId;
    private final AtomicInteger opaque = new AtomicInteger(1);
    private McbpClient client;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(TestServer.config()
                .buckets(List.of(
                        BucketConfig.defaults("default").withScopes(List.of(new ScopeConfig("s", List.of("c")))),
                        BucketConfig.defaults("other")))
                .build());
        collectionId = server.server()
                .engine()
                .bucket("default")
                .collections()
                .collection("s", "c")
                .id();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        client = server.client();
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    private Response call(Frames f) {
        int o = opaque.incrementAndGet();
        Response r = client.call(f.opaque(o));
        assertThat(r.opaque()).isEqualTo(o);
        return r;
    }

    /** HELLO with {@code features}; returns the acknowledged codes. */
    private int[] hello(int... features) {
        ByteBuffer value = ByteBuffer.allocate(features.length * 2);
        for (int f : features) {
            value.putShort((short) f);
        }
        Response r = call(Frames.request(HELLO)
                .key("{\"a\":\"hello-test\",\"i\":\"0000000000000001/0000000000000002\"}")
                .value(value.array()));
        assertThat(r.status()).isZero();
        ByteBuffer acked = ByteBuffer.wrap(r.value());
        int[] out = new int[r.value().length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = acked.getShort() & 0xffff;
        }
        return out;
    }

    private void selectDefault() {
        assertThat(call(Frames.request(SELECT_BUCKET).key("default")).status()).isZero();
    }

    private static byte[] key(int cid, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[k.length + 1];
        out[0] = (byte) cid; // ids below 0x80 are one LEB128 byte
        System.arraycopy(k, 0, out, 1, k.length);
        return out;
    }

    private static int vbucketOf(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) ((crc.getValue() >>> 16) & 0x7fff) & 1023;
    }

    private static Bucket bucket() {
        return server.server().engine().bucket("default");
    }

    // ------------------------------------------------------------------------------------ HELLO itself

    @Test
    void helloAcksTheImplementedSubsetInAscendingOrderWithoutDuplicates() {
        int[] acked = hello(
                COLLECTIONS,
                XERROR,
                MUTATION_SEQNO,
                SNAPPY,
                0xffff,
                XERROR,
                UNORDERED,
                TRACING,
                ALT_REQUEST,
                SYNC_REPLICATION,
                PRESERVE_TTL,
                KNOWN_VERSION,
                DEDUPE_NMVB,
                JSON_FEATURE,
                SELECT_BUCKET_FEATURE,
                XATTR);

        assertThat(acked)
                .containsExactly(
                        MUTATION_SEQNO,
                        XATTR,
                        XERROR,
                        SELECT_BUCKET_FEATURE,
                        SNAPPY,
                        JSON_FEATURE,
                        ALT_REQUEST,
                        SYNC_REPLICATION,
                        COLLECTIONS,
                        PRESERVE_TTL,
                        KNOWN_VERSION,
                        DEDUPE_NMVB);
    }

    @Test
    void theJavaSdksRequestGetsTheProfileOfSdkCompatSection9() {
        // The default request of SDK 3.9/3.12 (sdk-compat.md 1.3), in its order.
        int[] acked = hello(
                0x04, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x0c, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x17, 0x1a,
                0x1c, 0x1d, 0x1e, 0x1f, 0x21);

        // SYNC_REPLICATION never without ALT_REQUEST (sdk-compat.md 1.3), never UNORDERED; SNAPPY and
        // SNAPPY_EVERYWHERE (0x0a, 0x13) because raw Snappy values are implemented; DUPLEX (0x0c) and
        // CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF (0x1f), because the server pushes cluster maps to the
        // connections that asked for them; XATTR, VATTR, SubdocCreateAsDeleted and SubdocReplicaRead
        // (0x06, 0x15, 0x17, 0x1c) because the sub-document API and xattrs are implemented.
        assertThat(acked)
                .containsExactly(
                        0x04, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x0c, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x17, 0x1c, 0x1d,
                        0x1e, 0x1f);
    }

    @Test
    void eachHelloResetsWhatAnEarlierOneEnabled() {
        assertThat(hello(XERROR, MUTATION_SEQNO)).containsExactly(MUTATION_SEQNO, XERROR);
        selectDefault();
        assertThat(call(Mcbp.set("reset", "v")).extras()).hasSize(16);

        assertThat(hello()).isEmpty();

        assertThat(call(Mcbp.set("reset", "v")).extras()).isEmpty();
        assertThat(hello(JSON_FEATURE)).containsExactly(JSON_FEATURE);
        assertThat(call(Mcbp.set("reset", "v")).extras()).isEmpty();
    }

    // ------------------------------------------------------------------------------------ XERROR

    @Test
    void xerrorOnSendsExtendedStatusesWithAJsonErrorContext() throws IOException {
        hello(XERROR, JSON_FEATURE);
        selectDefault();
        call(Mcbp.set("xe-locked", "v"));
        assertThat(call(Mcbp.getLocked("xe-locked", 10)).status()).isZero();

        Response locked = call(Mcbp.set("xe-locked", "w"));
        assertThat(locked.status()).isEqualTo(LOCKED);

        Response einval = call(Frames.request(GET_ERROR_MAP).value(new byte[] {0, 2, 0}));
        assertThat(einval.status()).isEqualTo(Mcbp.EINVAL);
        assertThat(einval.datatype() & 1).as("JSON datatype").isEqualTo(1);
        JsonNode body = JSON.readTree(einval.value());
        assertThat(body.path("error").path("context").asText()).isNotEmpty();
    }

    @Test
    void xerrorOffRemapsExtendedStatusesAndSendsNoBody() {
        hello(JSON_FEATURE);
        selectDefault();
        call(Mcbp.set("xo-locked", "v"));
        assertThat(call(Mcbp.getLocked("xo-locked", 10)).status()).isZero();

        Response locked = call(Mcbp.set("xo-locked", "w"));
        assertThat(locked.status()).as("LOCKED remapped for a mutation").isEqualTo(Mcbp.KEY_EEXISTS);
        assertThat(locked.value()).isEmpty();

        Response einval = call(Frames.request(GET_ERROR_MAP).value(new byte[] {0, 2, 0}));
        assertThat(einval.status()).isEqualTo(Mcbp.EINVAL);
        assertThat(einval.value()).isEmpty();
    }

    @Test
    void anUnknownCollectionIsExtendedWithXerrorAndEinvalWithout() throws IOException {
        hello(COLLECTIONS, XERROR, JSON_FEATURE);
        selectDefault();
        Response extended = call(Frames.request(Mcbp.GET).key(key(0x7e, "k")));
        assertThat(extended.status()).isEqualTo(UNKNOWN_COLLECTION);
        assertThat(JSON.readTree(extended.value()).path("manifest_uid").asText())
                .isEqualTo(Long.toHexString(bucket().collections().uid()));

        hello(COLLECTIONS);
        Response remapped = call(Frames.request(Mcbp.GET).key(key(0x7e, "k")));
        assertThat(remapped.status()).isEqualTo(Mcbp.EINVAL);
        assertThat(remapped.value()).isEmpty();
    }

    // ------------------------------------------------------------------------------------ MUTATION_SEQNO

    @Test
    void mutationSeqnoOnAddsVbucketUuidAndSeqnoToEveryMutation() {
        hello(MUTATION_SEQNO);
        selectDefault();
        int vb = vbucketOf("ms-k");

        Response set = call(Mcbp.set("ms-k", "1").vbucket(vb));
        assertThat(set.extras()).hasSize(16);
        assertThat(set.extrasLong(0)).isEqualTo(bucket().vbucketUuid(vb));
        long seqno = set.extrasLong(8);
        assertThat(seqno).isPositive();

        Response append = call(Mcbp.concat(Mcbp.APPEND, "ms-k", "0").vbucket(vb));
        assertThat(append.extras()).hasSize(16);
        assertThat(append.extrasLong(8)).isGreaterThan(seqno);
        Response incr = call(Mcbp.arithmetic(Mcbp.INCREMENT, "ms-k", 1, 0, 0).vbucket(vb));
        assertThat(incr.extras()).hasSize(16);
        assertThat(incr.valueLong()).isEqualTo(11);
        Response delete = call(Frames.request(Mcbp.DELETE).key("ms-k").vbucket(vb));
        assertThat(delete.extras()).hasSize(16);
        assertThat(delete.extrasLong(8)).isEqualTo(bucket().highSeqno(vb));
    }

    @Test
    void mutationSeqnoOffSendsMutationsWithoutExtras() {
        hello(XERROR);
        selectDefault();

        assertThat(call(Mcbp.set("mo-k", "1")).extras()).isEmpty();
        assertThat(call(Mcbp.concat(Mcbp.APPEND, "mo-k", "0")).extras()).isEmpty();
        Response incr = call(Mcbp.arithmetic(Mcbp.INCREMENT, "mo-k", 1, 0, 0));
        assertThat(incr.extras()).isEmpty();
        assertThat(incr.valueLong()).isEqualTo(11);
        assertThat(call(Frames.request(Mcbp.DELETE).key("mo-k")).extras()).isEmpty();
    }

    // ------------------------------------------------------------------------------------ JSON

    @Test
    void jsonOnMarksStoredJsonAndJsonOffMasksTheBit() {
        hello(JSON_FEATURE);
        selectDefault();
        assertThat(call(Mcbp.set("json-doc", "{\"a\":1}")).status()).isZero();
        assertThat(call(Mcbp.set("json-not", "{not json")).status()).isZero();

        assertThat(call(Mcbp.get("json-doc")).datatype()).isEqualTo(1);
        assertThat(call(Mcbp.get("json-not")).datatype()).isZero();

        try (McbpClient plain = server.client()) {
            Response r = plain.call(Mcbp.get("json-doc").opaque(5));
            assertThat(r.status()).isZero();
            assertThat(r.valueString()).isEqualTo("{\"a\":1}");
            assertThat(r.datatype())
                    .as("datatype masked for a client without JSON")
                    .isZero();
        }
        hello();
        assertThat(call(Mcbp.get("json-doc")).datatype()).isZero();
    }

    // ------------------------------------------------------------------------------------ COLLECTIONS

    @Test
    void collectionsOnPrefixesKeysWithTheCollectionId() {
        hello(COLLECTIONS);
        selectDefault();
        Response id = call(Frames.request(GET_COLLECTION_ID).key("s.c"));
        assertThat(id.status()).isZero();
        assertThat(ByteBuffer.wrap(id.extras()).getInt(8)).isEqualTo(collectionId);

        assertThat(call(Frames.request(Mcbp.SET)
                                .key(key(0, "col-k"))
                                .extras(Frames.storeExtras(0, 0))
                                .value("in default"))
                        .status())
                .isZero();
        assertThat(call(Frames.request(Mcbp.SET)
                                .key(key(collectionId, "col-k"))
                                .extras(Frames.storeExtras(0, 0))
                                .value("in s.c"))
                        .status())
                .isZero();

        assertThat(call(Frames.request(Mcbp.GET).key(key(0, "col-k"))).valueString())
                .isEqualTo("in default");
        assertThat(call(Frames.request(Mcbp.GET).key(key(collectionId, "col-k")))
                        .valueString())
                .isEqualTo("in s.c");
        assertThat(bucket().get(new DocKey(collectionId, "col-k".getBytes(StandardCharsets.UTF_8)))
                        .status()
                        .code())
                .isZero();
        // GetK answers the key as sent, prefix included.
        Response getk = call(Frames.request(Mcbp.GETK).key(key(collectionId, "col-k")));
        assertThat(getk.key()).isEqualTo(key(collectionId, "col-k"));
    }

    @Test
    void collectionsOffTakesKeysAsPlainDefaultCollectionKeys() {
        hello();
        selectDefault();
        assertThat(call(Mcbp.set("plain-k", "plain")).status()).isZero();
        byte[] prefixed = key(0, "plain-k");
        assertThat(call(Frames.request(Mcbp.GET).key(prefixed)).status())
                .as("the prefix byte is part of the key")
                .isEqualTo(Mcbp.KEY_ENOENT);

        try (McbpClient withCollections = server.client()) {
            withCollections.call(Frames.request(HELLO).key("c").value(new byte[] {0, COLLECTIONS}));
            withCollections.call(Frames.request(SELECT_BUCKET).key("default"));
            Response r =
                    withCollections.call(Frames.request(Mcbp.GET).key(prefixed).opaque(9));
            assertThat(r.status()).isZero();
            assertThat(r.valueString()).isEqualTo("plain");
        }
    }

    // ------------------------------------------------------------------------------------ cluster config

    private static byte[] known(long epoch, long revision) {
        return ByteBuffer.allocate(16).putLong(epoch).putLong(revision).array();
    }

    @Test
    void knownVersionOnAnswersAnEmptyBodyWhenTheClientIsCurrent() throws IOException {
        hello(KNOWN_VERSION, JSON_FEATURE);
        selectDefault();
        Response full = call(Frames.request(GET_CLUSTER_CONFIG));
        JsonNode config = JSON.readTree(full.value());
        long epoch = config.path("revEpoch").asLong();
        long rev = config.path("rev").asLong();
        assertThat(full.datatype()).isEqualTo(1);

        Response current = call(Frames.request(GET_CLUSTER_CONFIG).extras(known(epoch, rev)));
        assertThat(current.status()).isZero();
        assertThat(current.value()).isEmpty();
        Response older = call(Frames.request(GET_CLUSTER_CONFIG).extras(known(epoch, rev - 1)));
        assertThat(JSON.readTree(older.value()).path("rev").asLong()).isEqualTo(rev);
        Response olderEpoch = call(Frames.request(GET_CLUSTER_CONFIG).extras(known(epoch - 1, rev + 100)));
        assertThat(olderEpoch.value()).isNotEmpty();
    }

    @Test
    void withoutJsonTheConfigComesWithoutTheJsonDatatype() {
        hello(KNOWN_VERSION);
        selectDefault();
        Response full = call(Frames.request(GET_CLUSTER_CONFIG));
        assertThat(full.status()).isZero();
        assertThat(full.valueString()).startsWith("{");
        assertThat(full.datatype()).isZero();
    }

    @Test
    void dedupeOnSendsAnEmptyNotMyVbucketBodyOnceTheClientHasTheMap() throws IOException {
        hello(DEDUPE_NMVB, KNOWN_VERSION, XERROR);
        selectDefault();
        Response before = call(Mcbp.get("nmvb").vbucket(1024));
        assertThat(before.status()).isEqualTo(NOT_MY_VBUCKET);
        JsonNode config = JSON.readTree(before.value());
        assertThat(config.path("name").asText()).isEqualTo("default");

        call(Frames.request(GET_CLUSTER_CONFIG)
                .extras(known(
                        config.path("revEpoch").asLong(), config.path("rev").asLong())));

        Response after = call(Mcbp.get("nmvb").vbucket(1024));
        assertThat(after.status()).isEqualTo(NOT_MY_VBUCKET);
        assertThat(after.value()).isEmpty();
    }

    @Test
    void dedupeOnCountsAConfigFetchedWithoutAKnownVersionAsKnown() {
        hello(DEDUPE_NMVB, XERROR);
        selectDefault();
        assertThat(call(Frames.request(GET_CLUSTER_CONFIG)).value()).isNotEmpty();

        Response nmvb = call(Mcbp.get("nmvb").vbucket(1024));
        assertThat(nmvb.status()).isEqualTo(NOT_MY_VBUCKET);
        assertThat(nmvb.value()).as("the client was just sent the current map").isEmpty();
    }

    @Test
    void dedupeOnRecordsTheServersVersionNotTheStaleOneTheClientClaimed() throws IOException {
        hello(DEDUPE_NMVB, KNOWN_VERSION, XERROR);
        selectDefault();
        JsonNode config = JSON.readTree(call(Frames.request(GET_CLUSTER_CONFIG)).value());
        Response newer = call(Frames.request(GET_CLUSTER_CONFIG)
                .extras(known(
                        config.path("revEpoch").asLong(), config.path("rev").asLong() - 1)));
        assertThat(newer.value())
                .as("the client's map was older: it is sent the current one")
                .isNotEmpty();

        Response nmvb = call(Mcbp.get("nmvb").vbucket(1024));
        assertThat(nmvb.status()).isEqualTo(NOT_MY_VBUCKET);
        assertThat(nmvb.value()).isEmpty();
    }

    @Test
    void selectingAnotherBucketForgetsTheMapTheClientHad() throws IOException {
        hello(DEDUPE_NMVB, KNOWN_VERSION, XERROR);
        selectDefault();
        JsonNode config = JSON.readTree(call(Frames.request(GET_CLUSTER_CONFIG)).value());
        assertThat(call(Frames.request(GET_CLUSTER_CONFIG)
                                .extras(known(
                                        config.path("revEpoch").asLong(),
                                        config.path("rev").asLong())))
                        .value())
                .isEmpty();

        assertThat(call(Frames.request(SELECT_BUCKET).key("other")).status()).isZero();

        Response nmvb = call(Mcbp.get("nmvb").vbucket(1024));
        assertThat(nmvb.status()).isEqualTo(NOT_MY_VBUCKET);
        assertThat(JSON.readTree(nmvb.value()).path("name").asText())
                .as("the other bucket's map")
                .isEqualTo("other");
    }

    @Test
    void dedupeOnSendsTheMapWithTheFirstNotMyVbucketOnly() throws IOException {
        hello(DEDUPE_NMVB, XERROR);
        selectDefault();
        Response first = call(Mcbp.get("nmvb").vbucket(1024));
        assertThat(JSON.readTree(first.value()).path("name").asText()).isEqualTo("default");

        Response second = call(Mcbp.get("nmvb").vbucket(1024));
        assertThat(second.status()).isEqualTo(NOT_MY_VBUCKET);
        assertThat(second.value())
                .as("the first NotMyVbucket carried the current map")
                .isEmpty();
    }

    @Test
    void dedupeOffAlwaysSendsTheMapWithNotMyVbucket() throws IOException {
        hello(KNOWN_VERSION, XERROR);
        selectDefault();
        JsonNode config = JSON.readTree(call(Frames.request(GET_CLUSTER_CONFIG)).value());
        call(Frames.request(GET_CLUSTER_CONFIG)
                .extras(known(
                        config.path("revEpoch").asLong(), config.path("rev").asLong())));

        Response nmvb = call(Mcbp.get("nmvb").vbucket(1024));
        assertThat(nmvb.status()).isEqualTo(NOT_MY_VBUCKET);
        assertThat(JSON.readTree(nmvb.value()).path("name").asText()).isEqualTo("default");
    }

    // ------------------------------------------------------------------------------------ flexible framing

    /** Durability frame: id 1, length 1, level 1 (majority) (mcbp-protocol.md 2.2). */
    private static final byte[] DURABILITY_MAJORITY = {0x11, 0x01};
    /** Durability with a timeout: id 1, length 3, level 1, 0x0e10 ms, as the SDK sends it (sdk-compat.md 1.3). */
    private static final byte[] DURABILITY_WITH_TIMEOUT = {0x13, 0x01, 0x0e, 0x10};
    /** PreserveTtl frame: id 5, length 0. */
    private static final byte[] PRESERVE = {0x50};

    private void durableAndPreservingWritesAreServed() {
        selectDefault();
        Response durable = call(Mcbp.set("flex-k", "v").flex(DURABILITY_MAJORITY));
        assertThat(durable.status()).isZero();
        assertThat(durable.magic()).isEqualTo(0x81);
        assertThat(call(Mcbp.set("flex-k", "v2").flex(DURABILITY_WITH_TIMEOUT)).status())
                .isZero();

        assertThat(call(Mcbp.store(Mcbp.SET, "flex-ttl", "v", 0, 1000)).status())
                .isZero();
        long expiry = bucket().getMeta(DocKey.ofDefault("flex-ttl".getBytes(StandardCharsets.UTF_8)))
                .expiry();
        assertThat(expiry).isNotZero();
        assertThat(call(Mcbp.store(Mcbp.REPLACE, "flex-ttl", "w", 0, 0).flex(PRESERVE))
                        .status())
                .isZero();
        assertThat(bucket().getMeta(DocKey.ofDefault("flex-ttl".getBytes(StandardCharsets.UTF_8)))
                        .expiry())
                .isEqualTo(expiry);
        assertThat(call(Mcbp.get("flex-ttl")).valueString()).isEqualTo("w");
    }

    @Test
    void altRequestSyncReplicationAndPreserveTtlOnAcceptDurabilityAndPreserveTtlFrames() {
        assertThat(hello(ALT_REQUEST, SYNC_REPLICATION, PRESERVE_TTL))
                .containsExactly(ALT_REQUEST, SYNC_REPLICATION, PRESERVE_TTL);
        durableAndPreservingWritesAreServed();
    }

    /**
     * The three are informational (mcbp-protocol.md 6.2, "Info"): the ack tells the client it may send
     * such frames; this server decodes them whether or not they were negotiated.
     */
    @Test
    void altRequestSyncReplicationAndPreserveTtlOffChangeNothingOnTheWire() {
        assertThat(hello(XERROR)).containsExactly(XERROR);
        durableAndPreservingWritesAreServed();
    }
}
