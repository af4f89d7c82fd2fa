package io.kvfrontend.scan;

import static io.kvfrontend.scan.ScanWire.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.Connection;
import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.RangeScanSettings;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Http;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The runtime mode switch ({@code POST /settings/output-mode}) while a range scan streams: the scan
 * that is running finishes intact in the mode it started with, the next scan uses the new mode, and
 * {@code STAT output}, the meters and the endpoint agree on the mode and on how many producers run in
 * each. From each mode to the other.
 */
class OutputModeSwitchTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final int DOCS = 2000;
    private static final int SIZE = 4096;

    private static OutputMode other(OutputMode m) {
        return m == OutputMode.SPOOL ? OutputMode.SYNC : OutputMode.SPOOL;
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aScanMidStreamKeepsItsModeAndTheNextScanUsesTheNewOne(OutputMode from) {
        OutputMode to = other(from);
        try (TestServer server = ScanServers.start(
                        ScanServers.config(from)
                                .mgmtPort(0)
                                .spoolWaterMarks(64 * 1024, 256 * 1024)
                                .build(),
                        RangeScanSettings.defaults());
                McbpClient loader = server.client();
                McbpClient slow = McbpClient.connect(server.port(), 16 * 1024)) {
            OutputMetrics metrics = server.server().context().outputMetrics();
            int mgmt = server.server().mgmtPort();
            hello(loader);
            hello(slow);
            RangeScanContinueTest.loadDocs(loader, DOCS, SIZE); // 8 MB: more than the socket buffers hold
            assertThat(Http.get(mgmt, "/settings/output-mode", null).body())
                    .isEqualTo("{\"mode\":\"" + from.configName() + "\"}");

            // A scan streams to a client that does not read: its producer is parked on full output.
            byte[] id = mustCreate(slow, 0, "{}");
            slow.send(continueScan(0, id, 0, 0, 0, 41));
            Connection conn = server.connectionOf(slow);
            Await.until(
                    DEADLINE,
                    () -> ScanServers.stats(server).continuing() == 1
                            && !conn.output().hasCapacity()
                            && metrics.snapshot(from).producers() == 1,
                    () -> "scan not streaming: " + metrics.snapshot(from));

            HttpResponse<String> switched =
                    Http.postForm(mgmt, "/settings/output-mode", "mode=" + to.configName(), null);
            assertThat(switched.statusCode()).isEqualTo(200);
            assertThat(switched.body())
                    .isEqualTo("{\"old\":\"" + from.configName() + "\",\"new\":\"" + to.configName() + "\"}");
            assertThat(metrics.mode()).isEqualTo(to);

            // Everyone agrees: the mode is the new one, the running producer is still counted in the old.
            Map<String, String> stat = stat(loader);
            assertThat(stat)
                    .containsEntry("output_mode", to.configName())
                    .containsEntry("producers_" + from.configName(), "1")
                    .containsEntry("producers_" + to.configName(), "0");
            assertThat(gauge(server, "kv.output.mode", to)).isEqualTo(1);
            assertThat(gauge(server, "kv.output.mode", from)).isZero();
            assertThat(gauge(server, "kv.output.producers", from)).isEqualTo(1);
            assertThat(gauge(server, "kv.output.producers", to)).isZero();
            assertThat(Http.get(mgmt, "/settings/output-mode", null).body()).contains(to.configName());
            assertThat(general(loader)).containsEntry("output_mode", to.configName());
            long toWritesBefore = metrics.snapshot(to).offLoopWrites();
            long handOffsBefore = metrics.snapshot(OutputMode.SYNC).handOffs();

            // The running scan finishes intact, every frame still written in its own mode.
            assertThat(readScan(slow, 41)).isEqualTo(DOCS);
            Await.until(DEADLINE, () -> metrics.snapshot(from).producers() == 0, "producer not counted out");
            assertThat(metrics.snapshot(to).offLoopWrites()).isEqualTo(toWritesBefore);
            if (from == OutputMode.SYNC) {
                assertThat(metrics.snapshot(OutputMode.SYNC).handOffs()).isGreaterThan(handOffsBefore);
            } else {
                assertThat(metrics.snapshot(OutputMode.SYNC).handOffs()).isEqualTo(handOffsBefore);
            }

            // A scan that starts now writes in the new mode.
            long fromWrites = metrics.snapshot(from).offLoopWrites();
            long handOffs = metrics.snapshot(OutputMode.SYNC).handOffs();
            byte[] id2 = mustCreate(loader, 0, "{}");
            loader.send(continueScan(0, id2, 0, 0, 0, 42));
            assertThat(readScan(loader, 42)).isEqualTo(DOCS);
            assertThat(metrics.snapshot(to).offLoopWrites()).isPositive();
            assertThat(metrics.snapshot(from).offLoopWrites()).isEqualTo(fromWrites);
            if (to == OutputMode.SYNC) {
                assertThat(metrics.snapshot(OutputMode.SYNC).handOffs()).isGreaterThan(handOffs);
            } else {
                assertThat(metrics.snapshot(OutputMode.SYNC).handOffs()).isEqualTo(handOffs);
            }
            Await.until(DEADLINE, () -> metrics.snapshot(to).producers() == 0, "producer not counted out");
            assertThat(stat(loader)).containsEntry("producers_spool", "0").containsEntry("producers_sync", "0");
        }
    }

    /** Reads one continue's frames to its end; returns the documents, checked in order. */
    private static int readScan(McbpClient c, int opaque) {
        List<Doc> got = new ArrayList<>();
        while (true) {
            Response r = c.receive();
            assertThat(r.opaque()).isEqualTo(opaque);
            if (r.status() != SUCCESS) {
                assertThat(r.status()).isEqualTo(RANGE_SCAN_COMPLETE);
                break;
            }
            got.addAll(decodeDocs(r.value()));
        }
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).keyString()).isEqualTo(String.format("d%06d", i));
            assertThat(got.get(i).value()).hasSize(SIZE);
        }
        return got.size();
    }

    private static double gauge(TestServer server, String name, OutputMode mode) {
        return server.server()
                .context()
                .registry()
                .get(name)
                .tag("mode", mode.configName())
                .gauge()
                .value();
    }

    private static Map<String, String> stat(McbpClient c) {
        return statGroup(c, "output");
    }

    private static Map<String, String> general(McbpClient c) {
        return statGroup(c, "");
    }

    private static Map<String, String> statGroup(McbpClient c, String group) {
        return c.stats(group);
    }
}
