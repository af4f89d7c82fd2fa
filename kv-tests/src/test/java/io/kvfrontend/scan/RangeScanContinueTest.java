package io.kvfrontend.scan;

import static io.kvfrontend.scan.ScanWire.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.RangeScanSettings;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RangeScanContinue and RangeScanCancel over a raw socket (mcbp-protocol.md 11.2, 11.3), in both
 * output modes: the frame sequence of every limit, opaques, cancel, unknown ids, a continue while
 * one runs, and the registry's limits and expiry.
 */
class RangeScanContinueTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    /** {@code n} keys {@code k0000..} whose key-only encoding is exactly 6 bytes (LEB128 5, 5 bytes). */
    private static List<String> load(McbpClient c, int n) {
        List<String> keys =
                IntStream.range(0, n).mapToObj(i -> String.format("k%04d", i)).toList();
        for (int start = 0; start < n; start += 1000) {
            int end = Math.min(n, start + 1000);
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (String k : keys.subList(start, end)) {
                batch.writeBytes(Frames.request(SET)
                        .key(k)
                        .extras(Frames.storeExtras(0, 0))
                        .value("value-of-" + k)
                        .build());
            }
            c.sendRaw(batch.toByteArray());
            for (Response r : c.receive(end - start)) {
                assertThat(r.status()).isZero();
            }
        }
        return keys;
    }

    private static List<String> keysOf(Continue r) {
        List<String> out = new ArrayList<>();
        for (byte[] p : r.payloads()) {
            decodeKeys(p).forEach(k -> out.add(new String(k)));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void itemLimitEndsEachContinueWithMoreThenComplete(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            List<String> keys = load(c, 25);
            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            List<String> seen = new ArrayList<>();
            int[] expected = {10, 10, 5};
            for (int i = 0; i < 3; i++) {
                Continue r = continueOnce(c, 0, id, 10, 0, 0, 0x100 + i, 0);
                assertThat(r.items()).as("small batches fit one frame").hasSize(1);
                assertThat(keysOf(r)).hasSize(expected[i]);
                assertThat(r.status()).isEqualTo(i < 2 ? RANGE_SCAN_MORE : RANGE_SCAN_COMPLETE);
                seen.addAll(keysOf(r));
            }
            assertThat(seen).containsExactlyElementsOf(keys);
            // Complete removed the scan.
            assertThat(c.call(continueScan(0, id, 10, 0, 0, 9)).status()).isEqualTo(KEY_ENOENT);

            // A limit that lands exactly on the last key completes the scan at once.
            id = mustCreate(c, 0, "{\"key_only\":true}");
            Continue r = continueOnce(c, 0, id, 25, 0, 0, 0x200, 0);
            assertThat(r.status()).isEqualTo(RANGE_SCAN_COMPLETE);
            assertThat(keysOf(r)).containsExactlyElementsOf(keys);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void byteLimitCountsItemBytesAndAlwaysSendsOneItem(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            List<String> keys = load(c, 25);
            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            // 6 bytes per key: 60 bytes is 10 keys; 61 is 11 (the limit is reached inside the 11th).
            assertThat(keysOf(continueOnce(c, 0, id, 0, 0, 60, 1, 0))).hasSize(10);
            assertThat(keysOf(continueOnce(c, 0, id, 0, 0, 61, 2, 0))).hasSize(11);
            // A limit below one item still sends one.
            Continue one = continueOnce(c, 0, id, 0, 0, 1, 3, 0);
            assertThat(keysOf(one)).containsExactly("k0021");
            assertThat(one.status()).isEqualTo(RANGE_SCAN_MORE);
            // Item and byte limits together: whichever comes first.
            assertThat(keysOf(continueOnce(c, 0, id, 2, 0, 60, 4, 0))).containsExactly("k0022", "k0023");
            Continue last = continueOnce(c, 0, id, 0, 0, 600, 5, 0);
            assertThat(keysOf(last)).containsExactly("k0024");
            assertThat(last.status()).isEqualTo(RANGE_SCAN_COMPLETE);

            // Documents: the byte limit counts whole document records.
            id = mustCreate(c, 0, "{}");
            Continue docs = continueOnce(c, 0, id, 0, 0, 1, 6, 1);
            assertThat(docs.status()).isEqualTo(RANGE_SCAN_MORE);
            assertThat(decodeDocs(docs.items().get(0).value())).hasSize(1);
            assertThat(c.call(cancel(0, id)).status()).isEqualTo(SUCCESS);
            assertThat(keys).hasSize(25);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void withoutLimitsAContinueSendsBatchesOfAboutEightKibAndOneFinalFrame(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            List<String> keys = load(c, 5000); // 30000 bytes of key-only items
            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            Continue r = continueOnce(c, 0, id, 0, 0, 0, 0xabcdef, 0);
            assertThat(r.status()).isEqualTo(RANGE_SCAN_COMPLETE);
            assertThat(r.items()).hasSize(4);
            for (int i = 0; i < 3; i++) {
                assertThat(r.items().get(i).value().length).isBetween(8192, 8192 + 6);
            }
            assertThat(keysOf(r)).containsExactlyElementsOf(keys);

            // A time limit alone (the SDK sends its whole scan timeout) is a cap, not a wait.
            id = mustCreate(c, 0, "{\"key_only\":true}");
            r = continueOnce(c, 0, id, 0, 75_000, 0, 7, 0);
            assertThat(r.status()).isEqualTo(RANGE_SCAN_COMPLETE);
            assertThat(keysOf(r)).containsExactlyElementsOf(keys);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aTimeLimitEndsContinuesWithMoreAndLosesNothing(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            List<String> keys = load(c, 3000);
            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            List<String> seen = new ArrayList<>();
            int opaque = 0;
            while (true) {
                // 1 ms: how many items fit is up to the machine; every continue still sends one or more.
                Continue r = continueOnce(c, 0, id, 0, 1, 0, ++opaque, 0);
                assertThat(keysOf(r)).isNotEmpty();
                seen.addAll(keysOf(r));
                if (r.status() == RANGE_SCAN_COMPLETE) {
                    break;
                }
                assertThat(r.status()).isEqualTo(RANGE_SCAN_MORE);
            }
            assertThat(seen).containsExactlyElementsOf(keys);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void pipelinedContinuesKeepTheirOpaquesAndOrder(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            List<String> keys = load(c, 100);
            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 4; i++) {
                batch.writeBytes(continueScan(0, id, 30, 0, 0, 50 + i).build());
                batch.writeBytes(Frames.request(0x0a).opaque(90 + i).build()); // NOOP behind each
            }
            batch.writeBytes(continueScan(0, id, 30, 0, 0, 60).build()); // the scan is gone by then
            c.sendRaw(batch.toByteArray());
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Continue r = receiveContinue(c, 50 + i, 0);
                assertThat(r.status()).isEqualTo(i < 3 ? RANGE_SCAN_MORE : RANGE_SCAN_COMPLETE);
                seen.addAll(keysOf(r));
                Response noop = c.receive();
                assertThat(noop.opcode()).isEqualTo(0x0a);
                assertThat(noop.opaque()).isEqualTo(90 + i);
            }
            assertThat(seen).containsExactlyElementsOf(keys);
            Response gone = c.receive();
            assertThat(gone.opaque()).isEqualTo(60);
            assertThat(gone.status()).isEqualTo(KEY_ENOENT);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void cancelUnknownIdsAndWrongVbuckets(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            load(c, 10);
            byte[] unknown = new byte[16];
            unknown[3] = 42;
            assertThat(c.call(continueScan(0, unknown, 0, 0, 0, 1)).status()).isEqualTo(KEY_ENOENT);
            assertThat(c.call(cancel(0, unknown)).status()).isEqualTo(KEY_ENOENT);

            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            assertThat(c.call(continueScan(1, id, 0, 0, 0, 2)).status()).isEqualTo(NOT_MY_VBUCKET);
            assertThat(c.call(cancel(1, id)).status()).isEqualTo(NOT_MY_VBUCKET);
            Response cancelled = c.call(cancel(0, id).opaque(31));
            assertThat(cancelled.status()).isEqualTo(SUCCESS);
            assertThat(cancelled.opaque()).isEqualTo(31);
            assertThat(cancelled.value()).isEmpty();
            assertThat(c.call(continueScan(0, id, 0, 0, 0, 3)).status()).isEqualTo(KEY_ENOENT);
            assertThat(c.call(cancel(0, id)).status()).isEqualTo(KEY_ENOENT);

            // Wrong extras sizes are invalid requests.
            assertThat(c.call(Frames.request(CONTINUE).extras(new byte[16])).status())
                    .isEqualTo(EINVAL);
            assertThat(c.call(Frames.request(CANCEL).extras(new byte[28])).status())
                    .isEqualTo(EINVAL);
            assertThat(ScanServers.stats(server).open()).isZero();
        }
    }

    /**
     * A continue parked on a client that does not read: a second continue of the same scan gets
     * Ebusy, and a cancel ends the running one with RangeScanCancelled after the items it sent.
     */
    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aContinueWhileOneRunsIsBusyAndCancelEndsTheRunningOne(OutputMode mode) {
        try (TestServer server = ScanServers.start(
                        ScanServers.config(mode)
                                .spoolWaterMarks(16 * 1024, 64 * 1024)
                                .build(),
                        RangeScanSettings.defaults());
                McbpClient loader = server.client();
                McbpClient slow = McbpClient.connect(server.port(), 8 * 1024);
                McbpClient other = server.client()) {
            hello(loader);
            hello(slow);
            hello(other);
            loadDocs(loader, 3000, 4096); // 12 MB: far more than the socket buffers and the high-water mark
            byte[] id = mustCreate(slow, 0, "{}");
            slow.send(continueScan(0, id, 0, 0, 0, 5));
            Await.until(
                    DEADLINE,
                    () -> ScanServers.stats(server).continuing() == 1
                            && !server.connectionOf(slow).output().hasCapacity(),
                    () -> "continue not parked: " + ScanServers.stats(server));

            Response busy = other.call(continueScan(0, id, 0, 0, 0, 6));
            assertThat(busy.status()).isEqualTo(EBUSY);
            assertThat(other.call(cancel(0, id)).status()).isEqualTo(SUCCESS);

            int items = 0;
            while (true) {
                Response r = slow.receive();
                assertThat(r.opaque()).isEqualTo(5);
                if (r.status() != SUCCESS) {
                    assertThat(r.status()).isEqualTo(RANGE_SCAN_CANCELLED);
                    break;
                }
                items += decodeDocs(r.value()).size();
            }
            assertThat(items).isPositive().isLessThan(3000);
            assertThat(slow.call(continueScan(0, id, 0, 0, 0, 7)).status()).isEqualTo(KEY_ENOENT);
            Await.until(DEADLINE, () -> ScanServers.stats(server).continuing() == 0, "continue still counted");
            assertThat(ScanServers.stats(server).open()).isZero();
            assertThat(ScanServers.stats(server).cancelled()).isEqualTo(1);
        }
    }

    static void loadDocs(McbpClient c, int n, int size) {
        byte[] value = new byte[size];
        for (int start = 0; start < n; start += 200) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            int end = Math.min(n, start + 200);
            for (int i = start; i < end; i++) {
                String k = String.format("d%06d", i);
                byte[] v = value.clone();
                byte[] kb = k.getBytes();
                for (int j = 0; j < v.length; j++) {
                    v[j] = kb[j % kb.length];
                }
                batch.writeBytes(Frames.request(SET)
                        .key(k)
                        .extras(Frames.storeExtras(i, 0))
                        .value(v)
                        .build());
            }
            c.sendRaw(batch.toByteArray());
            for (Response r : c.receive(end - start)) {
                assertThat(r.status()).isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void anAbandonedScanExpiresAfterTheIdleTimeout(OutputMode mode) {
        RangeScanSettings scans = RangeScanSettings.defaults().withIdleTimeout(Duration.ofMillis(200));
        try (TestServer server = ScanServers.start(mode, scans);
                McbpClient c = server.client()) {
            hello(c);
            load(c, 30);
            byte[] abandoned = mustCreate(c, 0, "{\"key_only\":true}");
            byte[] untouched = mustCreate(c, 0, "{\"key_only\":true}");
            assertThat(continueOnce(c, 0, abandoned, 10, 0, 0, 1, 0).status()).isEqualTo(RANGE_SCAN_MORE);
            Await.until(
                    DEADLINE,
                    () -> ScanServers.stats(server).expired() == 2,
                    () -> "scans not expired: " + ScanServers.stats(server));
            assertThat(ScanServers.stats(server).open()).isZero();
            assertThat(c.call(continueScan(0, abandoned, 0, 0, 0, 2)).status()).isEqualTo(KEY_ENOENT);
            assertThat(c.call(cancel(0, untouched)).status()).isEqualTo(KEY_ENOENT);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aScanEndsAtItsLifetimeEvenWhileInUse(OutputMode mode) {
        RangeScanSettings scans = RangeScanSettings.defaults().withMaxLifetime(Duration.ofMillis(300));
        try (TestServer server = ScanServers.start(mode, scans);
                McbpClient c = server.client()) {
            hello(c);
            int n = 20_000;
            load(c, n);
            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            int opaque = 0;
            // Keep using it, one key per continue: it is never idle, yet it goes at the end of its
            // life, long before 20000 round trips are over.
            while (true) {
                Continue r = continueOnce(c, 0, id, 1, 0, 0, ++opaque, 0);
                if (r.status() == KEY_ENOENT || r.status() == RANGE_SCAN_CANCELLED) {
                    break; // gone between continues, or during one
                }
                assertThat(r.status()).as("continue " + opaque).isEqualTo(RANGE_SCAN_MORE);
                assertThat(keysOf(r)).hasSize(1);
            }
            assertThat(opaque).isLessThan(n);
            Await.until(DEADLINE, () -> ScanServers.stats(server).open() == 0, "scan still open");
            assertThat(ScanServers.stats(server).expired()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void concurrentScansAreLimitedPerConnectionAndPerBucket(OutputMode mode) {
        RangeScanSettings scans = RangeScanSettings.defaults().withLimits(3, 2);
        try (TestServer server = ScanServers.start(mode, scans);
                McbpClient a = server.client();
                McbpClient b = server.client()) {
            hello(a);
            hello(b);
            load(a, 10);
            byte[] a1 = mustCreate(a, 0, "{}");
            mustCreate(a, 0, "{}");
            assertThat(a.call(create(0, "{}")).status())
                    .as("third scan of one connection")
                    .isEqualTo(EBUSY);
            byte[] b1 = mustCreate(b, 0, "{}");
            assertThat(b.call(create(0, "{}")).status())
                    .as("fourth scan of the bucket")
                    .isEqualTo(EBUSY);
            assertThat(ScanServers.stats(server).rejected()).isEqualTo(2);

            // Ending scans frees their slots at once: by cancel, and by completion.
            assertThat(a.call(cancel(0, a1)).status()).isEqualTo(SUCCESS);
            mustCreate(b, 0, "{}");
            assertThat(continueOnce(b, 0, b1, 0, 0, 0, 1, 1).status()).isEqualTo(RANGE_SCAN_COMPLETE);
            mustCreate(a, 0, "{}");
            assertThat(ScanServers.stats(server).open()).isEqualTo(3);

            // A closed connection's scans go with it.
            b.close();
            Await.until(DEADLINE, () -> ScanServers.stats(server).open() == 2, "b's scan not released");
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void scanStatsAppearInStatAndMetrics(OutputMode mode) {
        try (TestServer server = ScanServers.start(mode);
                McbpClient c = server.client()) {
            hello(c);
            load(c, 10);
            byte[] id = mustCreate(c, 0, "{\"key_only\":true}");
            scanKeys(c, 0, id, 0, 0);
            mustCreate(c, 0, "{}");
            c.send(Frames.request(STAT).key("scans"));
            Map<String, String> stats = c.receiveStats().stream()
                    .filter(r -> r.key().length > 0)
                    .collect(Collectors.toMap(Response::keyString, Response::valueString));
            assertThat(stats)
                    .containsEntry("default:range_scans_open", "1")
                    .containsEntry("default:range_scans_created", "2")
                    .containsEntry("default:range_scans_completed", "1")
                    .containsEntry("default:range_scans_items_sent", "10")
                    .containsEntry("default:range_scans_bytes_sent", "60")
                    .containsEntry("default:range_scans_lookup_hits", "1")
                    .containsKey("default:range_scans_evictions");
            var registry = server.server().context().registry();
            assertThat(registry.get("kv.rangescan.open")
                            .tag("bucket", "default")
                            .gauge()
                            .value())
                    .isEqualTo(1.0);
            assertThat(registry.get("cache.gets")
                            .tag("cache", "range_scans")
                            .tag("bucket", "default")
                            .tag("result", "hit")
                            .functionCounter()
                            .count())
                    .isEqualTo(1.0);
        }
    }
}
