package io.kvfrontend.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Opcode;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.Scrape;
import io.kvfrontend.testsupport.StreamCommand;
import io.kvfrontend.testsupport.TestServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} scraped with the JDK's HTTP client from a server on real sockets: the
 * expected series are there under their Prometheus names, and they move by exactly what a raw MCBP
 * client did between two scrapes. Authentication is off here ({@code MetricsAuthTest} covers it).
 */
class MetricsEndpointTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int GET = 0x00;
    private static final int SET = 0x01;
    private static final int NOOP = 0x0a;
    private static final int GETQ = 0x09;
    private static final int STAT = 0x10;
    private static final int CREATE_BUCKET = 0x85;
    private static final int DELETE_BUCKET = 0x86;
    private static final int SELECT_BUCKET = 0x89;
    private static final int UNKNOWN_OPCODE = 0x77;

    private static StreamCommand stream;
    private static TestServer server;

    @BeforeAll
    static void start() {
        assertThat(Opcode.of(UNKNOWN_OPCODE)).isNull();
        stream = new StreamCommand(2);
        server = TestServer.start(
                TestServer.config().mgmtPort(0).build(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                List.of(stream.spec()));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (stream != null) {
            stream.close();
        }
    }

    private static Scrape scrape() {
        return Scrape.fetch(server.server().mgmtPort());
    }

    private static Frames set(String key, String value) {
        return Frames.request(SET).key(key).extras(Frames.storeExtras(0, 0)).value(value);
    }

    @Test
    void servesThePrometheusTextFormatWithServerJvmAndNettySeries() {
        HttpResponse<String> r = Scrape.get(server.server().mgmtPort(), null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        Scrape s = Scrape.parse(r.body());
        assertThat(r.body())
                .contains(
                        "# TYPE kv_commands_total counter",
                        "# TYPE kv_command_duration_seconds histogram",
                        "# TYPE kv_connections_open gauge");
        for (String name : List.of(
                "kv_connections_open",
                "kv_connections_accepted_total",
                "kv_connections_refused_total",
                "kv_connections_closed_total",
                "kv_frames_rejected_total",
                "kv_auth_failures_total",
                "kv_bytes_received_total",
                "kv_bytes_sent_total",
                "kv_output_spool_depth",
                "kv_output_spool_bytes",
                "kv_output_drains_total",
                "kv_output_loop_tasks_total",
                "kv_output_pauses_total",
                "kv_output_resumes_total",
                "kv_output_dropped_total",
                "kv_output_drain_items_count",
                "kv_output_handoff_wait_seconds_count",
                "jvm_gc_memory_allocated_bytes_total",
                "jvm_threads_live_threads",
                "jvm_classes_loaded_classes",
                "system_cpu_count",
                "process_uptime_seconds",
                "process_files_open_files")) {
            assertThat(s.samples(name)).as(name).isNotEmpty();
        }
        assertThat(s.has("kv_output_writes_total", "origin", "loop", "mode", "spool"))
                .isTrue();
        assertThat(s.has("kv_output_writes_total", "origin", "offloop", "mode", "spool"))
                .isTrue();
        assertThat(s.has("kv_eventloop_pending_tasks", "loop", "0")).isTrue();
        assertThat(s.has("kv_http_requests_total", "status", "200")).isTrue();
        // Served opcodes show their success counter before any traffic.
        assertThat(s.has("kv_commands_total", "opcode", "get_meta", "status", "success"))
                .isTrue();
        for (String name : List.of(
                "kv_bucket_items",
                "kv_bucket_memory_used_bytes",
                "kv_bucket_quota_bytes",
                "kv_bucket_quota_rejections_total",
                "kv_rangescan_open",
                "kv_rangescan_continuing",
                "cache_size",
                "cache_puts_total",
                "cache_evictions_total")) {
            assertThat(s.has(name, "bucket", "default")).as(name).isTrue();
        }
        assertThat(s.has("kv_bucket_expired_total", "bucket", "default", "reason", "pager"))
                .isTrue();
        assertThat(s.has("kv_bucket_expired_total", "bucket", "default", "reason", "access"))
                .isTrue();
        assertThat(s.has("cache_gets_total", "cache", "range_scans", "bucket", "default", "result", "hit"))
                .isTrue();
        assertThat(s.value("kv_bucket_quota_bytes", "bucket", "default")).isEqualTo(256.0 * 1024 * 1024);
        assertThat(s.has("jvm_memory_used_bytes", "area", "heap")).isTrue();
        assertThat(s.value("system_cpu_count")).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(s.has("netty_allocator_memory_used", "memory_type", "direct"))
                .isTrue();
        assertThat(s.has("netty_allocator_memory_used", "memory_type", "heap")).isTrue();
    }

    @Test
    void servesOpenMetricsWhenAskedForIt() {
        HttpResponse<String> r = Scrape.get(
                server.server().mgmtPort(),
                null,
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(r.body()).endsWith("# EOF\n").contains("# TYPE kv_commands counter");
        assertThat(Scrape.parse(r.body()).has("kv_commands_total", "opcode", "get", "status", "success"))
                .isTrue();
    }

    @Test
    void commandCountersMoveByExactlyTheCommandsAnswered() {
        int n = 37;
        try (McbpClient c = server.client()) {
            Scrape before = scrape();
            for (int i = 0; i < n; i++) {
                assertThat(c.call(set("count-" + i, "v" + i)).status()).isZero();
            }
            for (int i = 0; i < n; i++) {
                assertThat(c.call(Frames.request(GET).key("count-" + i)).status())
                        .isZero();
            }
            for (int i = 0; i < 5; i++) {
                assertThat(c.call(Frames.request(GET).key("absent-" + i)).status())
                        .isEqualTo(Status.KEY_ENOENT.code());
            }
            // Quiet misses answer nothing, but are counted with the status they would have had.
            for (int i = 0; i < 3; i++) {
                c.send(Frames.request(GETQ).key("absent-q-" + i));
            }
            assertThat(c.call(Frames.request(NOOP).opaque(9)).opaque()).isEqualTo(9);
            for (int i = 0; i < 4; i++) {
                assertThat(c.call(Frames.request(UNKNOWN_OPCODE)).status()).isEqualTo(Status.UNKNOWN_COMMAND.code());
            }
            Scrape after = scrape();

            assertThat(delta(before, after, "kv_commands_total", "opcode", "set", "status", "success"))
                    .isEqualTo(n);
            assertThat(delta(before, after, "kv_commands_total", "opcode", "get", "status", "success"))
                    .isEqualTo(n);
            assertThat(delta(before, after, "kv_commands_total", "opcode", "get", "status", "key_enoent"))
                    .isEqualTo(5);
            assertThat(delta(before, after, "kv_commands_total", "opcode", "getq", "status", "key_enoent"))
                    .isEqualTo(3);
            assertThat(delta(before, after, "kv_commands_total", "opcode", "noop", "status", "success"))
                    .isEqualTo(1);
            assertThat(delta(before, after, "kv_commands_total", "opcode", "unknown", "status", "unknown_command"))
                    .isEqualTo(4);
            assertThat(delta(before, after, "kv_command_duration_seconds_count", "opcode", "set"))
                    .isEqualTo(n);
            assertThat(delta(before, after, "kv_command_duration_seconds_count", "opcode", "get"))
                    .isEqualTo(n + 5);
            assertThat(delta(before, after, "kv_command_duration_seconds_count", "opcode", "unknown"))
                    .isEqualTo(4);
            assertThat(after.value("kv_command_duration_seconds_sum", "opcode", "get"))
                    .isGreaterThan(before.valueOrZero("kv_command_duration_seconds_sum", "opcode", "get"));
        }
    }

    @Test
    void latencyHistogramsHaveBucketsThatAddUpToTheCount() {
        try (McbpClient c = server.client()) {
            assertThat(c.call(set("hist", "v")).status()).isZero();
            for (int i = 0; i < 20; i++) {
                assertThat(c.call(Frames.request(GET).key("hist")).status()).isZero();
            }
            assertThat(c.call(Frames.request(NOOP)).status()).isZero();
        }
        Scrape s = scrape();
        for (String op : List.of("get", "set", "noop")) {
            List<Scrape.Sample> buckets =
                    s.samples(x -> x.name().equals("kv_command_duration_seconds_bucket") && x.has("opcode", op));
            assertThat(buckets).as(op).hasSize(CommandMetrics.BUCKETS.length + 1);
            Set<String> le = buckets.stream().map(b -> b.labels().get("le")).collect(Collectors.toSet());
            assertThat(le).contains("1.0E-5", "1.0E-4", "0.001", "0.01", "1.0", "5.0", "+Inf");
            double inf = s.value("kv_command_duration_seconds_bucket", "opcode", op, "le", "+Inf");
            assertThat(inf)
                    .isEqualTo(s.value("kv_command_duration_seconds_count", "opcode", op))
                    .isPositive();
            double previous = 0;
            for (Scrape.Sample b : buckets) {
                assertThat(b.value()).as("cumulative bucket %s", b).isGreaterThanOrEqualTo(previous);
                previous = b.value();
            }
            assertThat(s.samples(x -> x.name().equals("kv_command_duration_seconds_max") && x.has("opcode", op)))
                    .hasSize(1);
        }
    }

    @Test
    void aCommandThatWouldBlockIsTimedOnceToItsFinalResponse() {
        try (McbpClient c = server.client()) {
            Scrape before = scrape();
            for (int i = 0; i < 3; i++) {
                c.send(StreamCommand.request(100 + i, 2, 50, 16));
                Response r;
                do {
                    r = c.receive();
                } while (!r.valueString().startsWith("done:"));
                assertThat(r.valueString()).isEqualTo("done:100");
            }
            Scrape after = scrape();
            assertThat(delta(before, after, "kv_commands_total", "opcode", "observe", "status", "success"))
                    .isEqualTo(3);
            assertThat(delta(before, after, "kv_command_duration_seconds_count", "opcode", "observe"))
                    .isEqualTo(3);
            assertThat(delta(before, after, "kv_output_writes_total", "origin", "offloop", "mode", "spool"))
                    .isEqualTo(3 * 100);
        }
    }

    @Test
    void byteCountersMoveByExactlyWhatWentOverTheSocket() {
        try (McbpClient c = server.client()) {
            assertThat(c.call(Frames.request(NOOP)).status()).isZero();
            Scrape before = scrape();
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            long received = 0;
            for (int i = 0; i < 10; i++) {
                byte[] frame = set("bytes-" + i, "x".repeat(100 * i)).build();
                sent.writeBytes(frame);
                c.sendRaw(frame);
                received += size(c.receive());
                frame = Frames.request(GET).key("bytes-" + i).build();
                sent.writeBytes(frame);
                c.sendRaw(frame);
                received += size(c.receive());
            }
            Scrape after = scrape();
            assertThat(delta(before, after, "kv_bytes_received_total")).isEqualTo(sent.size());
            assertThat(delta(before, after, "kv_bytes_sent_total")).isEqualTo(received);
        }
    }

    private static long size(Response r) {
        return 24L + r.framingExtras().length + r.extras().length + r.key().length + r.value().length;
    }

    @Test
    void connectionMetersFollowOpensClosesAndRefusals() {
        try (TestServer limited = TestServer.start(
                TestServer.config().mgmtPort(0).maxConnections(2).build(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                List.of())) {
            int mgmt = limited.server().mgmtPort();
            Scrape initial = Scrape.fetch(mgmt);
            assertThat(initial.value("kv_connections_open")).isZero();
            McbpClient a = limited.client();
            McbpClient b = limited.client();
            try {
                assertThat(a.call(Frames.request(NOOP)).status()).isZero();
                assertThat(b.call(Frames.request(NOOP)).status()).isZero();
                Scrape two = Scrape.fetch(mgmt);
                assertThat(two.value("kv_connections_open")).isEqualTo(2);
                assertThat(two.value("kv_connections_accepted_total")).isEqualTo(2);
                try (McbpClient refused = limited.client()) {
                    refused.awaitClosedByServer(DEADLINE);
                }
                Scrape afterRefusal = Scrape.fetch(mgmt);
                assertThat(afterRefusal.value("kv_connections_refused_total")).isEqualTo(1);
                assertThat(afterRefusal.value("kv_connections_open")).isEqualTo(2);
                assertThat(afterRefusal.value("kv_connections_accepted_total")).isEqualTo(2);
                a.close();
                Await.until(
                        DEADLINE,
                        () -> Scrape.fetch(mgmt).value("kv_connections_closed_total") == 1,
                        "kv_connections_closed_total reaches 1");
                assertThat(Scrape.fetch(mgmt).value("kv_connections_open")).isEqualTo(1);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void framingErrorsAreCounted() {
        Scrape before = scrape();
        try (McbpClient c = server.client()) {
            c.sendRaw(Frames.request(NOOP).magic(0x42).build());
            c.awaitClosedByServer(DEADLINE);
        }
        assertThat(delta(before, scrape(), "kv_frames_rejected_total")).isEqualTo(1);
    }

    @Test
    void bucketSeriesAppearWhenABucketIsCreatedAndGoWhenItIsDeleted() {
        String bucket = "metered";
        try (McbpClient c = server.client()) {
            assertThat(scrape().samples(x -> bucket.equals(x.labels().get("bucket"))))
                    .isEmpty();
            assertThat(c.call(Frames.request(CREATE_BUCKET)
                                    .key(bucket)
                                    .value("memcached\0num_vbuckets=16;" + "max_size=67108864"))
                            .status())
                    .isZero();
            Scrape created = scrape();
            assertThat(created.value("kv_bucket_items", "bucket", bucket)).isZero();
            assertThat(created.value("kv_bucket_quota_bytes", "bucket", bucket)).isEqualTo(64.0 * 1024 * 1024);
            for (String name : List.of(
                    "kv_bucket_memory_used_bytes",
                    "kv_bucket_quota_rejections_total",
                    "kv_rangescan_open",
                    "cache_size",
                    "cache_puts_total")) {
                assertThat(created.has(name, "bucket", bucket)).as(name).isTrue();
            }

            assertThat(c.call(Frames.request(SELECT_BUCKET).key(bucket)).status())
                    .isZero();
            for (int i = 0; i < 12; i++) {
                assertThat(c.call(set("item-" + i, "value")).status()).isZero();
            }
            Scrape filled = scrape();
            assertThat(filled.value("kv_bucket_items", "bucket", bucket)).isEqualTo(12);
            assertThat(filled.value("kv_bucket_memory_used_bytes", "bucket", bucket))
                    .isPositive();

            assertThat(c.call(Frames.request(DELETE_BUCKET).key(bucket)).status())
                    .isZero();
            Scrape deleted = scrape();
            assertThat(deleted.samples(x -> bucket.equals(x.labels().get("bucket"))))
                    .isEmpty();
            assertThat(deleted.has("kv_bucket_items", "bucket", "default")).isTrue();

            // Created again under the same name: fresh series, counting the new bucket.
            assertThat(c.call(Frames.request(CREATE_BUCKET).key(bucket).value("memcached\0num_vbuckets=16"))
                            .status())
                    .isZero();
            assertThat(scrape().value("kv_bucket_items", "bucket", bucket)).isZero();
            assertThat(c.call(Frames.request(DELETE_BUCKET).key(bucket)).status())
                    .isZero();
            assertThat(scrape().samples(x -> bucket.equals(x.labels().get("bucket"))))
                    .isEmpty();
        }
    }

    /**
     * After traffic from several clients with distinctive keys: every label of every series comes
     * from a bounded set, and no label value is a key, an address or a client's port.
     */
    @Test
    void labelsComeOnlyFromBoundedSets() {
        List<McbpClient> clients = List.of(server.client(), server.client(), server.client());
        Set<String> ports = new HashSet<>();
        try {
            int i = 0;
            for (McbpClient c : clients) {
                ports.add(Integer.toString(c.socket().getLocalPort()));
                assertThat(c.call(set("secret-key-" + i, "v")).status()).isZero();
                assertThat(c.call(Frames.request(GET).key("secret-key-" + i)).status())
                        .isZero();
                assertThat(c.call(Frames.request(GET).key("secret-missing-" + i))
                                .status())
                        .isNotZero();
                i++;
            }
            Scrape s = scrape();
            Set<String> opcodes = Arrays.stream(Opcode.values())
                    .map(o -> o.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.toCollection(HashSet::new));
            opcodes.add("unknown");
            Set<String> statuses = Arrays.stream(Status.values())
                    .map(x -> x.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.toSet());
            Set<String> buckets = Set.copyOf(server.server().engine().bucketNames());
            Set<String> kvLabels =
                    Set.of("opcode", "status", "mode", "bucket", "origin", "loop", "reason", "outcome", "phase", "le");
            Set<String> loops = Set.of("0", "1");
            for (Scrape.Sample x : s.samples()) {
                for (var label : x.labels().entrySet()) {
                    String v = label.getValue();
                    assertThat(v)
                            .as("label %s of %s", label.getKey(), x.name())
                            .doesNotContain("secret-", "127.0.0.1", "/")
                            .isNotIn(ports);
                }
                if (x.name().startsWith("kv_")) {
                    assertThat(kvLabels)
                            .as("labels of %s", x)
                            .containsAll(x.labels().keySet());
                    check(x, "opcode", opcodes);
                    check(x, "bucket", buckets);
                    check(x, "mode", Set.of("spool", "sync"));
                    check(x, "origin", Set.of("loop", "offloop"));
                    check(
                            x,
                            "reason",
                            x.name().startsWith("kv_auth_failures")
                                    ? Arrays.stream(io.kvfrontend.auth.SaslOutcome.Refusal.values())
                                            .map(r -> r.tag())
                                            .collect(Collectors.toSet())
                                    : x.name().startsWith("kv_connections_timeouts")
                                            ? Set.of("auth", "frame")
                                            : Set.of("pager", "access"));
                    check(x, "outcome", Set.of("success", "failure"));
                    check(x, "phase", Set.of("io", "output", "tasks"));
                    check(x, "loop", loops);
                    if (x.name().startsWith("kv_commands")) {
                        check(x, "status", statuses);
                    }
                } else if (x.name().startsWith("cache_")) {
                    assertThat(Set.of("cache", "bucket", "result"))
                            .as("labels of %s", x)
                            .containsAll(x.labels().keySet());
                    check(x, "bucket", buckets);
                }
            }
        } finally {
            clients.forEach(McbpClient::close);
        }
    }

    private static void check(Scrape.Sample x, String label, Set<String> allowed) {
        String v = x.labels().get(label);
        if (v != null) {
            assertThat(allowed).as("%s of %s", label, x).contains(v);
        }
    }

    @Test
    void aStatRequestIsCountedLikeAnyCommand() {
        try (McbpClient c = server.client()) {
            Scrape before = scrape();
            c.send(Frames.request(STAT).key("connections"));
            assertThat(c.receiveStats())
                    .last()
                    .satisfies(r -> assertThat(r.status()).isZero());
            assertThat(delta(before, scrape(), "kv_commands_total", "opcode", "stat", "status", "success"))
                    .isEqualTo(1);
        }
    }

    @Test
    void aServerWithoutAPrometheusRegistrySaysSoWith404() {
        try (TestServer plain = TestServer.start(TestServer.config().mgmtPort(0).build())) {
            HttpResponse<String> r = Scrape.get(plain.server().mgmtPort(), null, null);
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).contains("not a Prometheus registry");
        }
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.value(name, labels) - before.valueOrZero(name, labels);
    }
}
