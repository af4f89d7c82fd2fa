package io.kvfrontend.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import io.kvfrontend.testsupport.Scrape;
import io.kvfrontend.testsupport.TestServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees: the official SDK works against the server while Prometheus-style scrapes
 * of {@code /metrics} (with the administrator's credentials, as {@code metrics-auth} wants by
 * default) show its upserts and gets by opcode and status, exactly.
 */
class SdkMetricsTest {

    @Test
    void sdkOperationsShowUpInTheScrapeByOpcodeAndStatus() {
        try (TestServer server = TestServer.start(
                TestServer.withAuth().mgmtPort(0).build(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                List.of())) {
            int mgmt = server.server().mgmtPort();
            String auth = "Basic "
                    + Base64.getEncoder()
                            .encodeToString((Sdk.ADMIN + ":" + Sdk.PASSWORD).getBytes(StandardCharsets.UTF_8));
            Cluster cluster = Sdk.connect(Sdk.connectionString(server.port(), mgmt), Sdk.ADMIN, Sdk.PASSWORD);
            try {
                Collection c = Sdk.warmDefaultCollection(cluster.bucket("default"));
                Scrape before = Scrape.parse(Scrape.get(mgmt, auth, null).body());
                int n = 40;
                for (int i = 0; i < n; i++) {
                    c.upsert("sdk-metrics-" + i, JsonObject.create().put("i", i));
                }
                for (int i = 0; i < n; i++) {
                    assertThat(c.get("sdk-metrics-" + i).contentAsObject().getInt("i"))
                            .isEqualTo(i);
                }
                assertThatThrownBy(() -> c.get("sdk-metrics-absent")).isInstanceOf(DocumentNotFoundException.class);
                Scrape after = Scrape.parse(Scrape.get(mgmt, auth, null).body());

                assertThat(delta(before, after, "kv_commands_total", "opcode", "set", "status", "success"))
                        .isEqualTo(n);
                assertThat(delta(before, after, "kv_commands_total", "opcode", "get", "status", "success"))
                        .isEqualTo(n);
                assertThat(delta(before, after, "kv_commands_total", "opcode", "get", "status", "key_enoent"))
                        .isEqualTo(1);
                assertThat(delta(before, after, "kv_command_duration_seconds_count", "opcode", "get"))
                        .isEqualTo(n + 1);
                assertThat(after.value("kv_bucket_items", "bucket", "default")).isGreaterThanOrEqualTo(n);
                assertThat(after.value("kv_connections_open")).isPositive();
                assertThat(delta(before, after, "kv_bytes_received_total")).isPositive();
                assertThat(after.sum("kv_auth_failures_total")).isZero();
                // SCRAM finishes with SaslStep, PLAIN with SaslAuth.
                assertThat(after.valueOrZero("kv_commands_total", "opcode", "sasl_auth", "status", "success")
                                + after.valueOrZero("kv_commands_total", "opcode", "sasl_step", "status", "success"))
                        .isPositive();
            } finally {
                cluster.disconnect();
            }
        }
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.value(name, labels) - before.valueOrZero(name, labels);
    }
}
