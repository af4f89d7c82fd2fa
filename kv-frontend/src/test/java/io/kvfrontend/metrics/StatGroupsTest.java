package io.kvfrontend.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.Scrape;
import io.kvfrontend.testsupport.TestServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The STAT groups that mirror the meters give the same figures as a scrape taken right after them.
 * Each test has its own server and one client, so nothing else moves the figures in between except
 * the STAT command itself, whose own contribution (its count, its response frames and bytes) the
 * comparisons add explicitly.
 */
class StatGroupsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private TestServer server;
    private McbpClient client;

    /** A STAT group's name/value pairs, and the frames and bytes its answer took. */
    record Group(Map<String, String> stats, int frames, long bytes) {
        long num(String key) {
            String v = stats.get(key);
            assertThat(v).as("stat %s in %s", key, stats.keySet()).isNotNull();
            return Long.parseLong(v);
        }
    }

    @BeforeEach
    void start() {
        server = TestServer.start(
                TestServer.config().mgmtPort(0).build(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                List.of());
        client = server.client();
        for (int i = 0; i < 25; i++) {
            assertThat(client.call(Frames.request(0x01)
                                    .key("k" + i)
                                    .extras(Frames.storeExtras(0, 0))
                                    .value("value-" + i))
                            .status())
                    .isZero();
            assertThat(client.call(Frames.request(0x00).key("k" + i)).status()).isZero();
        }
        assertThat(client.call(Frames.request(0x00).key("missing")).status()).isEqualTo(1);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private Group stat(String group) {
        client.send(Frames.request(0x10).key(group));
        Map<String, String> m = new LinkedHashMap<>();
        List<Response> rs = client.receiveStats();
        long bytes = 0;
        for (Response r : rs) {
            assertThat(r.status()).as("STAT %s", group).isZero();
            bytes += 24L + r.extras().length + r.key().length + r.value().length;
            if (r.key().length > 0) {
                m.put(r.keyString(), r.valueString());
            }
        }
        return new Group(m, rs.size(), bytes);
    }

    private Scrape scrape() {
        return Scrape.fetch(server.server().mgmtPort());
    }

    @Test
    void connectionsGroupEqualsTheConnectionFrameAuthAndByteMeters() {
        try (McbpClient other = server.client()) {
            assertThat(other.call(Frames.request(0x0a)).status()).isZero();
        }
        Await.until(
                DEADLINE,
                () -> server.server().context().stats().closedConnections.sum() == 1,
                "the other connection is closed");
        Group g = stat("connections");
        Scrape s = scrape();
        assertThat(g.num("curr_connections")).isEqualTo(1).isEqualTo((long) s.value("kv_connections_open"));
        assertThat(g.num("total_connections")).isEqualTo(2).isEqualTo((long) s.value("kv_connections_accepted_total"));
        assertThat(g.num("closed_connections")).isEqualTo(1).isEqualTo((long) s.value("kv_connections_closed_total"));
        assertThat(g.num("rejected_conns")).isEqualTo((long) s.value("kv_connections_refused_total"));
        assertThat(g.num("framing_errors")).isEqualTo((long) s.value("kv_frames_rejected_total"));
        assertThat(g.num("auth_errors")).isEqualTo((long) s.sum("kv_auth_failures_total"));
        assertThat(g.num("bytes_read")).isPositive().isEqualTo((long) s.value("kv_bytes_received_total"));
        assertThat(g.num("bytes_written") + g.bytes()).isEqualTo((long) s.value("kv_bytes_sent_total"));
    }

    @Test
    void commandsGroupEqualsTheCommandCountersAndTimers() {
        Group g = stat("commands");
        Scrape s = scrape();
        assertThat(g.num("set:success")).isEqualTo(25);
        assertThat(g.num("get:success")).isEqualTo(25);
        assertThat(g.num("get:key_enoent")).isEqualTo(1);
        assertThat(g.stats()).doesNotContainKey("stat:success"); // counted once it has answered
        int counters = 0;
        for (Map.Entry<String, String> e : g.stats().entrySet()) {
            String[] parts = e.getKey().split(":");
            if (parts[1].startsWith("latency_")) {
                continue;
            }
            counters++;
            assertThat(Long.parseLong(e.getValue())).as(e.getKey()).isEqualTo((long)
                    s.value("kv_commands_total", "opcode", parts[0], "status", parts[1]));
        }
        assertThat(counters).isEqualTo(3);
        assertThat(s.value("kv_commands_total", "opcode", "stat", "status", "success"))
                .isEqualTo(1);
        for (String op : List.of("get", "set")) {
            assertThat(g.num(op + ":latency_count"))
                    .isEqualTo((long) s.value("kv_command_duration_seconds_count", "opcode", op));
            assertThat(g.num(op + ":latency_total_us"))
                    .isCloseTo(
                            (long) (s.value("kv_command_duration_seconds_sum", "opcode", op) * 1e6),
                            org.assertj.core.data.Offset.offset(1L));
            long max = g.num(op + ":latency_max_us");
            assertThat(max)
                    .isCloseTo(
                            (long) (s.value("kv_command_duration_seconds_max", "opcode", op) * 1e6),
                            org.assertj.core.data.Offset.offset(1L));
            double p50 = Double.parseDouble(g.stats().get(op + ":latency_p50_us"));
            double p90 = Double.parseDouble(g.stats().get(op + ":latency_p90_us"));
            double p99 = Double.parseDouble(g.stats().get(op + ":latency_p99_us"));
            assertThat(p50).isPositive().isLessThanOrEqualTo(p90);
            assertThat(p90).isLessThanOrEqualTo(p99);
            assertThat(p99).isLessThanOrEqualTo(max + 1);
        }
    }

    @Test
    void bucketsAndScansGroupsEqualTheBucketMeters() {
        Group b = stat("buckets");
        Group sc = stat("scans");
        Scrape s = scrape();
        assertThat(b.num("default:curr_items")).isEqualTo(25).isEqualTo((long)
                s.value("kv_bucket_items", "bucket", "default"));
        assertThat(b.num("default:mem_used")).isPositive().isEqualTo((long)
                s.value("kv_bucket_memory_used_bytes", "bucket", "default"));
        assertThat(b.num("default:quota")).isEqualTo((long) s.value("kv_bucket_quota_bytes", "bucket", "default"));
        assertThat(b.num("default:quota_rejections"))
                .isEqualTo((long) s.value("kv_bucket_quota_rejections_total", "bucket", "default"));
        assertThat(b.num("default:expired_pager"))
                .isEqualTo((long) s.value("kv_bucket_expired_total", "bucket", "default", "reason", "pager"));
        assertThat(b.num("default:expired_access"))
                .isEqualTo((long) s.value("kv_bucket_expired_total", "bucket", "default", "reason", "access"));
        assertThat(sc.num("default:range_scans_open"))
                .isEqualTo((long) s.value("kv_rangescan_open", "bucket", "default"));
        assertThat(sc.num("default:range_scans_continuing"))
                .isEqualTo((long) s.value("kv_rangescan_continuing", "bucket", "default"));
        assertThat(sc.num("default:range_scans_evictions"))
                .isEqualTo((long) s.value("cache_evictions_total", "cache", "range_scans", "bucket", "default"));
    }

    @Test
    void outputGroupEqualsTheOutputMetersPlusItsOwnFrames() {
        Group g = stat("output");
        Scrape s = scrape();
        assertThat(g.stats().get("output_mode")).isEqualTo("spool");
        assertThat(g.num("writes_loop") + g.frames())
                .isEqualTo((long) s.value("kv_output_writes_total", "origin", "loop", "mode", "spool"));
        assertThat(g.num("writes_offloop"))
                .isEqualTo((long) s.value("kv_output_writes_total", "origin", "offloop", "mode", "spool"));
        assertThat(g.num("drains")).isEqualTo((long) s.value("kv_output_drains_total", "mode", "spool"));
        assertThat(g.num("spool_depth")).isEqualTo((long) s.value("kv_output_spool_depth", "mode", "spool"));
    }

    @Test
    void jvmGroupReportsMemoryGcThreadsAndTheNettyAllocator() {
        Group g = stat("jvm");
        Scrape s = scrape();
        assertThat(g.num("heap_used")).isPositive();
        assertThat(g.num("heap_committed")).isGreaterThanOrEqualTo(g.num("heap_used"));
        assertThat(g.num("heap_max")).isGreaterThanOrEqualTo(g.num("heap_committed"));
        assertThat(g.num("nonheap_used")).isPositive();
        assertThat(g.stats().keySet())
                .anyMatch(k -> k.startsWith("gc:") && k.endsWith(":count"))
                .anyMatch(k -> k.startsWith("gc:") && k.endsWith(":time_ms"))
                .contains("buffers:direct:used", "threads_live", "threads_daemon", "classes_loaded", "uptime_ms");
        assertThat(g.num("threads_live")).isPositive();
        assertThat(g.num("processors")).isEqualTo((long) s.value("system_cpu_count"));
        assertThat(g.num("classes_unloaded")).isLessThanOrEqualTo((long) s.value("jvm_classes_unloaded_classes_total"));
        assertThat(s.has(
                        "netty_allocator_memory_used",
                        "allocator_type",
                        g.stats().get("netty_allocator"),
                        "memory_type",
                        "direct"))
                .isTrue();
        assertThat(g.num("netty_direct_used")).isNotNegative();
    }

    @Test
    void generalGroupKeepsItsMemcachedNames() {
        Group g = stat("");
        assertThat(g.stats())
                .containsKeys(
                        "pid",
                        "uptime",
                        "curr_connections",
                        "total_connections",
                        "cmd_get",
                        "cmd_set",
                        "get_hits",
                        "get_misses",
                        "bytes_read",
                        "bytes_written",
                        "curr_items");
        assertThat(g.num("get_hits")).isEqualTo(25);
        assertThat(g.num("get_misses")).isEqualTo(1);
    }
}
