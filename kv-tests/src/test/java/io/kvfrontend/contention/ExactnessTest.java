package io.kvfrontend.contention;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Opcode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Nothing is lost under contention: many clients over real sockets on one key, each on its own
 * connection (so on both event loops), in both output modes.
 */
class ExactnessTest {
    private static final int CLIENTS = 8;
    private static final int BATCH = 100;

    /** Runs {@code work} once per client, concurrently, and waits for all (failing on the first failure). */
    private static void concurrently(TestServer server, ClientWork work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int n = i;
                Callable<Void> task = () -> {
                    try (McbpClient c = server.client()) {
                        work.run(n, c);
                    }
                    return null;
                };
                done.add(pool.submit(task));
            }
            for (Future<Void> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface ClientWork {
        void run(int client, McbpClient c) throws Exception;
    }

    private static Frames set(String key, String value, long cas) {
        return Frames.request(Opcode.SET.code())
                .extras(Frames.storeExtras(0, 0))
                .key(key)
                .value(value)
                .cas(cas);
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void eightClientsTimesOneHundredThousandIncrementsGiveExactlyEightHundredThousand(OutputMode mode)
            throws Exception {
        int perClient = 100_000;
        try (TestServer server = TestServer.start(mode);
                McbpClient c = server.client()) {
            assertThat(c.call(set("counter", "0", 0)).status()).isZero();
            concurrently(server, (n, client) -> {
                for (int sent = 0; sent < perClient; sent += BATCH) {
                    for (int i = 0; i < BATCH; i++) {
                        client.send(Frames.request(Opcode.INCREMENT.code())
                                .extras(Frames.arithmeticExtras(1, 0, 0))
                                .key("counter"));
                    }
                    for (Response r : client.receive(BATCH)) {
                        assertThat(r.status()).as("increment").isEqualTo(Status.SUCCESS.code());
                    }
                }
            });
            Response get = c.call(Frames.request(Opcode.GET.code()).key("counter"));
            assertThat(get.valueString()).isEqualTo(Integer.toString(CLIENTS * perClient));
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void compareAndSwapLoopsLoseNoUpdate(OutputMode mode) throws Exception {
        int perClient = 500;
        try (TestServer server = TestServer.start(mode);
                McbpClient c = server.client()) {
            assertThat(c.call(set("cas-counter", "0", 0)).status()).isZero();
            concurrently(server, (n, client) -> {
                int applied = 0;
                while (applied < perClient) {
                    Response read =
                            client.call(Frames.request(Opcode.GET.code()).key("cas-counter"));
                    assertThat(read.status()).isZero();
                    long next = Long.parseLong(read.valueString()) + 1;
                    Response write = client.call(set("cas-counter", Long.toString(next), read.cas()));
                    if (write.status() == Status.SUCCESS.code()) {
                        applied++;
                    } else {
                        assertThat(write.status()).as("lost race").isEqualTo(Status.KEY_EEXISTS.code());
                    }
                }
            });
            Response get = c.call(Frames.request(Opcode.GET.code()).key("cas-counter"));
            assertThat(get.valueString()).isEqualTo(Integer.toString(CLIENTS * perClient));
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void appendsFromManyClientsAreAllPresentOnce(OutputMode mode) throws Exception {
        int perClient = 2_000;
        try (TestServer server = TestServer.start(mode);
                McbpClient c = server.client()) {
            assertThat(c.call(set("log", "", 0)).status()).isZero();
            concurrently(server, (n, client) -> {
                for (int sent = 0; sent < perClient; sent += BATCH) {
                    for (int i = sent; i < sent + BATCH; i++) {
                        client.send(
                                Frames.request(Opcode.APPEND.code()).key("log").value(n + "-" + i + ";"));
                    }
                    for (Response r : client.receive(BATCH)) {
                        assertThat(r.status()).as("append").isEqualTo(Status.SUCCESS.code());
                    }
                }
            });
            String log = c.call(Frames.request(Opcode.GET.code()).key("log")).valueString();
            String[] tokens = log.split(";");
            Set<String> distinct = new HashSet<>(List.of(tokens));
            assertThat(tokens).hasSize(CLIENTS * perClient);
            assertThat(distinct).hasSize(CLIENTS * perClient);
            for (int n = 0; n < CLIENTS; n++) {
                // Each client's appends keep their order: one connection's commands run in order.
                int last = -1;
                for (String t : tokens) {
                    if (t.startsWith(n + "-")) {
                        int i = Integer.parseInt(t.substring(t.indexOf('-') + 1));
                        assertThat(i).isGreaterThan(last);
                        last = i;
                    }
                }
                assertThat(last).isEqualTo(perClient - 1);
            }
        }
    }
}
