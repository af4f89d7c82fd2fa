package io.kvfrontend.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Scrape;
import io.kvfrontend.testsupport.TestServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A {@code /metrics} scrape (milliseconds for a server in use) never runs on an event loop that
 * serves MCBP connections: a gauge records the thread that reads it during a scrape.
 */
class ScrapeThreadTest {
    @Test
    void aScrapeRunsOnTheManagementLoopNotOnAnMcbpLoop() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Set<String> readers = ConcurrentHashMap.newKeySet();
        Gauge.builder("test.scrape.reader", readers, r -> {
                    r.add(Thread.currentThread().getName());
                    return 1;
                })
                .register(registry);
        try (TestServer server = TestServer.start(
                        TestServer.config().mgmtPort(0).eventLoopThreads(1).build(), registry, List.of());
                McbpClient c = server.client()) {
            assertThat(c.call(Frames.request(0x0a)).status()).isZero();
            readers.clear();
            Scrape s = Scrape.fetch(server.server().mgmtPort());
            assertThat(s.value("test_scrape_reader")).isEqualTo(1.0);
            assertThat(readers)
                    .isNotEmpty()
                    .allMatch(n -> n.startsWith("kv-mgmt-"), "the management loop")
                    .noneMatch(n -> n.startsWith("kv-loop-"));
        }
    }
}
