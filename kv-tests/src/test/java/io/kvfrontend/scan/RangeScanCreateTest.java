package io.kvfrontend.scan;

import static io.kvfrontend.scan.ScanWire.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RangeScanCreate over a raw socket (mcbp-protocol.md 11.1), in both output modes: every range
 * form, key-only and document scans with their exact encodings (11.2), collections, sampling,
 * snapshot requirements, and the errors.
 */
class RangeScanCreateTest {

    private static List<String> keys(String prefix, int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> String.format("%s%03d", prefix, i))
                .toList();
    }

    private static void load(McbpClient c, List<String> keys) {
        for (String k : keys) {
            set(c, k, "{\"k\":\"" + k + "\"}");
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void inclusiveAndExclusiveRangesReturnExactlyTheirKeysInOrder(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            load(c, keys("doc::", 100));
            load(c, List.of("a", "zebra", "doc:", "doc;"));

            byte[] id = mustCreate(c, 0, rangeJson("doc::000", false, "doc::049", false, "\"key_only\":true"));
            assertThat(scanKeys(c, 0, id, 0, 0)).containsExactlyElementsOf(keys("doc::", 50));

            id = mustCreate(c, 0, rangeJson("doc::000", true, "doc::049", true, "\"key_only\":true"));
            assertThat(scanKeys(c, 0, id, 0, 0))
                    .containsExactlyElementsOf(keys("doc::", 49).subList(1, 49));

            // Mixed: inclusive start, exclusive end, and the other way round.
            id = mustCreate(c, 0, rangeJson("doc::010", false, "doc::020", true, "\"key_only\":true"));
            assertThat(scanKeys(c, 0, id, 0, 0))
                    .containsExactlyElementsOf(keys("doc::", 20).subList(10, 20));
            id = mustCreate(c, 0, rangeJson("doc::010", true, "doc::020", false, "\"key_only\":true"));
            assertThat(scanKeys(c, 0, id, 0, 0))
                    .containsExactlyElementsOf(keys("doc::", 21).subList(11, 21));
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void prefixAsTheSdkEncodesItAndTheFullRange(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            List<String> docs = keys("doc::", 100);
            load(c, docs);
            List<String> others = List.of("a", "doc:", "doc;", "doc\u00ff", "zzz");
            load(c, others);

            // prefixScan("doc::"): start "doc::" inclusive, excl_end "doc::" + F4 8F BF BF.
            String prefix = "{\"range\":{\"start\":\"" + b64("doc::") + "\",\"excl_end\":\""
                    + b64(concat(bytes("doc::"), MAX_CODE_POINT)) + "\"},\"key_only\":true}";
            assertThat(scanKeys(c, 0, mustCreate(c, 0, prefix), 0, 0)).containsExactlyElementsOf(docs);

            // rangeScan(null, null) as the SDK sends it: start 0x00 inclusive, excl_end F4 8F BF BF.
            List<String> all = new ArrayList<>(docs);
            all.addAll(others);
            all.sort(null); // ASCII and 2-byte UTF-8 sort as raw bytes here
            String full = "{\"range\":{\"start\":\"AA==\",\"excl_end\":\"9I+/vw==\"},\"key_only\":true}";
            assertThat(scanKeys(c, 0, mustCreate(c, 0, full), 0, 0)).containsExactlyElementsOf(all);

            // Neither range nor sampling: the whole collection (kv_engine's behaviour).
            assertThat(scanKeys(c, 0, mustCreate(c, 0, "{\"key_only\":true}"), 0, 0))
                    .containsExactlyElementsOf(all);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void keysAreComparedAsUnsignedBytes(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            byte[] high = {'k', (byte) 0xc3, (byte) 0xa9}; // "ké": above every ASCII continuation
            byte[] low = {'k', 'z'};
            set(c, low, bytes("1"), 0, 0, 0);
            set(c, high, bytes("2"), 0, 0, 0);
            String json = "{\"range\":{\"start\":\"" + b64("k") + "\",\"end\":\"" + b64(new byte[] {'k', (byte) 0xff})
                    + "\"},\"key_only\":true}";
            byte[] id = mustCreate(c, 0, json);
            Continue r = continueOnce(c, 0, id, 0, 0, 0, 3, 0);
            assertThat(r.status()).isEqualTo(RANGE_SCAN_COMPLETE);
            assertThat(decodeKeys(r.payloads().get(0))).containsExactly(low, high);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void keyOnlyItemsAreEncodedByteExactly(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            byte[] longKey = new byte[128];
            Arrays.fill(longKey, (byte) 'x');
            set(c, bytes("key0"), bytes("v"), 0, 0, 0);
            set(c, bytes("key11"), bytes("v"), 0, 0, 0);
            set(c, longKey, bytes("v"), 0, 0, 0);
            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            Continue r = continueOnce(c, 0, id, 0, 0, 0, 0x01020304, 0);
            assertThat(r.status()).isEqualTo(RANGE_SCAN_COMPLETE);
            assertThat(r.items()).hasSize(1);
            ByteBuffer expected = ByteBuffer.allocate(5 + 6 + 2 + 128);
            expected.put(new byte[] {4, 'k', 'e', 'y', '0'})
                    .put(new byte[] {5, 'k', 'e', 'y', '1', '1'})
                    .put(new byte[] {(byte) 0x80, 0x01})
                    .put(longKey);
            assertThat(r.items().get(0).value()).containsExactly(expected.array());
            assertThat(r.items().get(0).datatype()).isZero();
            // The final frame exactly as the protocol doc's worked example: 81 db 0000 04 00 00a7 ...
            assertThat(r.last().magic()).isEqualTo(0x81);
            assertThat(r.last().extras()).containsExactly(0, 0, 0, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void documentItemsAreEncodedByteExactly(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            long expiry = System.currentTimeMillis() / 1000 + 3600;
            Stored a = set(c, bytes("a"), bytes("{\"n\":1}"), 0xdeadbeef, (int) expiry, 0x01);
            byte[] big = new byte[300];
            Arrays.fill(big, (byte) 'v');
            Stored b = set(c, bytes("b"), big, 7, 0, 0);
            byte[] id = mustCreate(c, 0, "{}");
            Continue r = continueOnce(c, 0, id, 0, 0, 0, 9, 1);
            assertThat(r.status()).isEqualTo(RANGE_SCAN_COMPLETE);
            assertThat(r.items()).hasSize(1);

            ByteBuffer expected = ByteBuffer.allocate(1000);
            expected.putInt(0xdeadbeef)
                    .putInt((int) expiry)
                    .putLong(a.seqno())
                    .putLong(a.cas())
                    .put((byte) 0x01)
                    .put((byte) 1)
                    .put((byte) 'a')
                    .put((byte) 7)
                    .put(bytes("{\"n\":1}"));
            expected.putInt(7)
                    .putInt(0)
                    .putLong(b.seqno())
                    .putLong(b.cas())
                    .put((byte) 0)
                    .put((byte) 1)
                    .put((byte) 'b')
                    .put(new byte[] {(byte) 0xac, 0x02})
                    .put(big);
            expected.flip();
            byte[] want = new byte[expected.remaining()];
            expected.get(want);
            assertThat(r.items().get(0).value()).containsExactly(want);

            List<Doc> docs = decodeDocs(r.items().get(0).value());
            assertThat(docs).extracting(Doc::keyString).containsExactly("a", "b");
            assertThat(docs.get(0).seqno()).isPositive().isLessThan(docs.get(1).seqno());
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aCollectionScanReturnsItsKeysWithoutThePrefix(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c, FEATURE_COLLECTIONS);
            for (String k : List.of("x1", "x2", "x3")) {
                set(c, concat(leb128(ScanServers.C1), bytes(k)), bytes("in-c1"), 0, 0, 0);
            }
            set(c, concat(leb128(0), bytes("x0")), bytes("in-default"), 0, 0, 0);

            byte[] id = mustCreate(
                    c,
                    0,
                    "{\"collection\":\"8\",\"range\":{\"start\":\"" + b64("x") + "\",\"end\":\"" + b64("y") + "\"}}");
            List<Doc> docs = scanDocs(c, 0, id, 0, 0);
            assertThat(docs).extracting(Doc::keyString).containsExactly("x1", "x2", "x3");
            assertThat(docs).extracting(Doc::valueString).containsOnly("in-c1");

            id = mustCreate(c, 0, "{\"key_only\":true}");
            assertThat(scanKeys(c, 0, id, 0, 0)).containsExactly("x0");

            Response r = c.call(create(0, "{\"collection\":\"ff\"}"));
            assertThat(r.status()).isEqualTo(UNKNOWN_COLLECTION);
            assertThat(r.valueString()).contains("manifest_uid");
            // The empty collection has no key in any range.
            assertThat(c.call(create(0, "{\"collection\":\"9\"}")).status()).isEqualTo(KEY_ENOENT);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void samplingIsDeterministicPerSeedAndNeverFailsForWantOfItems(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            List<String> all = keys("s", 400);
            load(c, all);

            List<String> first = scanKeys(
                    c, 0, mustCreate(c, 0, "{\"sampling\":{\"samples\":40,\"seed\":1234},\"key_only\":true}"), 0, 0);
            List<String> again = scanKeys(
                    c, 0, mustCreate(c, 0, "{\"sampling\":{\"samples\":40,\"seed\":1234},\"key_only\":true}"), 7, 0);
            List<String> other = scanKeys(
                    c, 0, mustCreate(c, 0, "{\"sampling\":{\"samples\":40,\"seed\":99},\"key_only\":true}"), 0, 0);
            assertThat(first)
                    .isEqualTo(again)
                    .doesNotHaveDuplicates()
                    .isNotEmpty()
                    .isSubsetOf(all);
            assertThat(other).isNotEqualTo(first).isSubsetOf(all);
            // Bernoulli with p = 40/400: a sample near 40, in key order.
            assertThat(first.size()).isBetween(10, 80);
            assertThat(first).isSorted();

            // More samples than items: everything, not ERANGE. A 63-bit seed (what the SDK sends) is fine.
            List<String> everything = scanKeys(
                    c,
                    0,
                    mustCreate(
                            c, 0, "{\"sampling\":{\"samples\":1000,\"seed\":9223372036854775807},\"key_only\":true}"),
                    0,
                    0);
            assertThat(everything).containsExactlyElementsOf(all);
            // Without a seed (0), and as documents.
            List<Doc> docs = scanDocs(c, 0, mustCreate(c, 0, "{\"sampling\":{\"samples\":5}}"), 0, 0);
            assertThat(docs)
                    .isNotEmpty()
                    .allSatisfy(d -> assertThat(d.valueString()).contains(d.keyString()));

            // An empty collection: KeyEnoent.
            assertThat(c.call(create(0, "{\"collection\":\"9\",\"sampling\":{\"samples\":5}}"))
                            .status())
                    .isEqualTo(KEY_ENOENT);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void snapshotRequirementsAreChecked(OutputMode mode) throws Exception {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client();
                McbpClient writer = server.client()) {
            hello(c);
            hello(writer);
            Stored first = set(c, "k1", "v1");
            Stored second = set(c, "k2", "v2");
            assertThat(first.vbUuid()).isPositive().isEqualTo(second.vbUuid());
            String uuid = Long.toUnsignedString(first.vbUuid());

            // Met: the uuid matches and the seqno is reached; the scan sees the write.
            byte[] id = mustCreate(c, 0, snap(uuid, second.seqno(), false, null));
            assertThat(scanKeys(c, 0, id, 0, 0)).containsExactly("k1", "k2");

            // Another uuid: VbUuidNotEqual.
            String wrong = Long.toUnsignedString(first.vbUuid() ^ 1);
            assertThat(c.call(create(0, snap(wrong, 1, false, null))).status()).isEqualTo(VB_UUID_NOT_EQUAL);

            // A seqno not reached and no timeout (or 0): Etmpfail at once.
            assertThat(c.call(create(0, snap(uuid, second.seqno() + 1, false, null)))
                            .status())
                    .isEqualTo(ETMPFAIL);
            assertThat(c.call(create(0, snap(uuid, second.seqno() + 1, false, 0L)))
                            .status())
                    .isEqualTo(ETMPFAIL);
            // Not reached within the timeout: Etmpfail.
            assertThat(c.call(create(0, snap(uuid, second.seqno() + 1000, false, 50L)))
                            .status())
                    .isEqualTo(ETMPFAIL);

            // Reached while the create waits: a write from another connection satisfies it.
            c.send(create(0, snap(uuid, second.seqno() + 1, false, 30_000L)).opaque(77));
            CompletableFuture<Response> created = CompletableFuture.supplyAsync(c::receive);
            Stored third = set(writer, "k3", "v3");
            Response r = created.get(20, TimeUnit.SECONDS);
            assertThat(r.opaque()).isEqualTo(77);
            assertThat(r.status()).isEqualTo(SUCCESS);
            assertThat(third.seqno()).isEqualTo(second.seqno() + 1);
            assertThat(scanKeys(c, 0, r.value(), 0, 0)).containsExactly("k1", "k2", "k3");

            // seqno_exists: the item stamped with that seqno must still be there.
            id = mustCreate(c, 0, snap(uuid, third.seqno(), true, null));
            assertThat(c.call(cancel(0, id)).status()).isEqualTo(SUCCESS);
            set(c, "k1", "v1 again"); // k1's first revision (first.seqno) is gone
            assertThat(c.call(create(0, snap(uuid, first.seqno(), true, null))).status())
                    .isEqualTo(NOT_STORED);
            assertThat(c.call(create(0, snap(uuid, first.seqno(), false, null))).status())
                    .isEqualTo(SUCCESS);
        }
    }

    private static String snap(String uuid, long seqno, boolean exists, Long timeoutMs) {
        return "{\"key_only\":true,\"snapshot_requirements\":{\"vb_uuid\":\"" + uuid + "\",\"seqno\":" + seqno
                + (exists ? ",\"seqno_exists\":true" : "") + (timeoutMs == null ? "" : ",\"timeout_ms\":" + timeoutMs)
                + "}}";
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void anEmptyRangeIsKeyEnoent(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            load(c, keys("doc::", 10));
            assertThat(c.call(create(0, rangeJson("zzz", false, "zzz\u00ff", false, "")))
                            .status())
                    .isEqualTo(KEY_ENOENT);
            // Start after end, and a single key excluded at both ends.
            assertThat(c.call(create(0, rangeJson("doc::005", false, "doc::001", false, "")))
                            .status())
                    .isEqualTo(KEY_ENOENT);
            assertThat(c.call(create(0, rangeJson("doc::005", true, "doc::005", false, "")))
                            .status())
                    .isEqualTo(KEY_ENOENT);
            // ... but included at both ends it is a range of one.
            byte[] id = mustCreate(c, 0, rangeJson("doc::005", false, "doc::005", false, "\"key_only\":true"));
            assertThat(scanKeys(c, 0, id, 0, 0)).containsExactly("doc::005");
            // A deleted key is not in the range any more.
            delete(c, "doc::005");
            assertThat(c.call(create(0, rangeJson("doc::005", false, "doc::005", false, "")))
                            .status())
                    .isEqualTo(KEY_ENOENT);
            // The response id of a failed create is an error with the request's opaque.
            Response r = c.call(create(0, rangeJson("q", false, "r", false, "")).opaque(4242));
            assertThat(r.opaque()).isEqualTo(4242);
            assertThat(r.status()).isEqualTo(KEY_ENOENT);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void malformedCreatesAreRejected(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client();
                McbpClient noJson = server.client()) {
            hello(c);
            set(c, "k", "v");
            String key251 = b64(new byte[251]);
            for (String json : List.of(
                    "not json",
                    "[]",
                    "{\"range\":{\"start\":\"" + b64("a") + "\"}}",
                    "{\"range\":{\"start\":\"" + b64("a") + "\",\"excl_start\":\"" + b64("a") + "\",\"end\":\""
                            + b64("b") + "\"}}",
                    "{\"range\":{\"start\":\"%%%\",\"end\":\"" + b64("b") + "\"}}",
                    "{\"range\":{\"start\":\"" + key251 + "\",\"end\":\"" + b64("b") + "\"}}",
                    "{\"range\":{\"start\":\"" + b64("a") + "\",\"end\":\"" + b64("b")
                            + "\"},\"sampling\":{\"samples\":1}}",
                    "{\"sampling\":{\"seed\":1}}",
                    "{\"sampling\":{\"samples\":-1}}",
                    "{\"key_only\":\"yes\"}",
                    "{\"collection\":8}",
                    "{\"collection\":\"xyz\"}",
                    "{\"name\":\"" + "n".repeat(51) + "\"}",
                    "{\"snapshot_requirements\":{\"vb_uuid\":1,\"seqno\":1}}",
                    "{\"snapshot_requirements\":{\"vb_uuid\":\"1\"}}",
                    "{\"key_only\":true,\"include_xattrs\":true}")) {
                Response r = c.call(create(0, json));
                assertThat(r.status()).as(json).isEqualTo(EINVAL);
            }
            // Unknown members are ignored; a name of 50 bytes is fine.
            byte[] id = mustCreate(c, 0, "{\"whatever\":[1,2],\"name\":\"" + "n".repeat(50) + "\"}");
            assertThat(c.call(cancel(0, id)).status()).isEqualTo(SUCCESS);
            // Datatype must be exactly JSON, and JSON must have been negotiated.
            assertThat(c.call(create(0, "{}").datatype(0)).status()).isEqualTo(EINVAL);
            Response r = noJson.call(create(0, "{}"));
            assertThat(r.status()).isEqualTo(EINVAL);
            // Extras, key or CAS are not allowed; the vBucket must be one of the bucket's.
            assertThat(c.call(create(0, "{}").key("k")).status()).isEqualTo(EINVAL);
            assertThat(c.call(create(0, "{}").cas(5)).status()).isEqualTo(EINVAL);
            assertThat(c.call(create(1, "{}")).status()).isEqualTo(NOT_MY_VBUCKET);
        }
    }

    /** Awaits a condition with a deadline (no sleeps). */
    static final class Await {
        static void until(java.util.function.BooleanSupplier condition, String what) {
            io.kvfrontend.testsupport.Await.until(java.time.Duration.ofSeconds(10), condition, what);
        }
    }
}
