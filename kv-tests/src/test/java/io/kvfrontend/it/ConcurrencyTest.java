package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many clients, spread over the server's event loops, updating the same few keys at once: every
 * increment and every successful compare-and-swap must count exactly once.
 */
class ConcurrencyTest {
    private static final int CLIENTS = 16;
    private static final int KEYS = 4;
    private static TestServer server;
    private ExecutorService pool;

    @BeforeAll
    static void startServer() {
        // Four loops: the sixteen connections land four to a loop, so updates of one key race across threads.
        server = TestServer.start(TestServer.config().eventLoopThreads(4).build());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void startPool() {
        pool = Executors.newFixedThreadPool(CLIENTS);
    }

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Runs {@code task(i)} for each client index on its own thread, all released at once; rethrows failures. */
    private void runClients(int clients, ClientTask task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int index = i;
            futures.add(pool.submit(() -> {
                start.await();
                task.run(index);
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(45, TimeUnit.SECONDS);
        }
    }

    @FunctionalInterface
    private interface ClientTask {
        void run(int client) throws Exception;
    }

    private static String readValue(McbpClient c, String key) {
        Response r = c.call(get(key));
        assertThat(r.status()).as("get %s", key).isEqualTo(SUCCESS);
        return r.valueString();
    }

    @Test
    void concurrentIncrementsOfSharedCountersAreAllCounted() throws Exception {
        int perClient = 1_000;
        runClients(CLIENTS, client -> {
            try (McbpClient c = server.client()) {
                for (int i = 0; i < perClient; i++) {
                    Response r = c.call(arithmetic(INCREMENT, "raw-counter-" + (i % KEYS), 1, 1, 0));
                    assertThat(r.status()).isEqualTo(SUCCESS);
                }
            }
        });
        // Each counter was created with 1 by its first increment and incremented by every later one.
        try (McbpClient c = server.client()) {
            for (int k = 0; k < KEYS; k++) {
                assertThat(readValue(c, "raw-counter-" + k)).isEqualTo(Integer.toString(CLIENTS * perClient / KEYS));
            }
        }
    }

    @Test
    void concurrentIncrementsAndDecrementsCancelOut() throws Exception {
        int perClient = 500;
        try (McbpClient c = server.client()) {
            mustSet(c, "raw-updown", "1000000");
        }
        runClients(CLIENTS, client -> {
            try (McbpClient c = server.client()) {
                int op = client % 2 == 0 ? INCREMENT : DECREMENT;
                for (int i = 0; i < perClient; i++) {
                    assertThat(c.call(arithmetic(op, "raw-updown", 3, 0, 0)).status())
                            .isEqualTo(SUCCESS);
                }
            }
        });
        try (McbpClient c = server.client()) {
            assertThat(readValue(c, "raw-updown")).isEqualTo("1000000");
        }
    }

    @Test
    void concurrentCasUpdatesOfSharedKeysLoseNoUpdate() throws Exception {
        int perClient = 150;
        try (McbpClient c = server.client()) {
            for (int k = 0; k < KEYS; k++) {
                mustSet(c, "raw-cas-" + k, "0");
            }
        }
        runClients(CLIENTS, client -> {
            try (McbpClient c = server.client()) {
                for (int i = 0; i < perClient; i++) {
                    String key = "raw-cas-" + ((client + i) % KEYS);
                    while (true) {
                        Response read = c.call(get(key));
                        assertThat(read.status()).isEqualTo(SUCCESS);
                        long next = Long.parseLong(read.valueString()) + 1;
                        Response write = c.call(set(key, Long.toString(next)).cas(read.cas()));
                        if (write.status() == SUCCESS) {
                            break;
                        }
                        assertThat(write.status())
                                .as("a lost race is KeyEexists")
                                .isEqualTo(KEY_EEXISTS);
                    }
                }
            }
        });
        try (McbpClient c = server.client()) {
            for (int k = 0; k < KEYS; k++) {
                assertThat(readValue(c, "raw-cas-" + k)).isEqualTo(Integer.toString(CLIENTS * perClient / KEYS));
            }
        }
    }

    @Test
    void concurrentSpymemcachedIncrementsAreAllCounted() throws Exception {
        int spyClients = 4;
        int perThread = 500;
        List<Spy> spies = new ArrayList<>();
        try {
            for (int i = 0; i < spyClients; i++) {
                spies.add(Spy.connect(server.port()));
            }
            // Four threads share each spymemcached client, as applications do.
            runClients(CLIENTS, thread -> {
                MemcachedClient c = spies.get(thread % spyClients).client();
                for (int i = 0; i < perThread; i++) {
                    assertThat(c.incr("spy-counter-" + (i % KEYS), 1, 1)).isPositive();
                }
            });
            MemcachedClient c = spies.get(0).client();
            for (int k = 0; k < KEYS; k++) {
                assertThat(c.get("spy-counter-" + k)).isEqualTo(Integer.toString(CLIENTS * perThread / KEYS));
            }
        } finally {
            spies.forEach(Spy::close);
        }
    }

    @Test
    void concurrentSpymemcachedCasUpdatesLoseNoUpdate() throws Exception {
        int spyClients = 4;
        int perThread = 100;
        List<Spy> spies = new ArrayList<>();
        try {
            for (int i = 0; i < spyClients; i++) {
                spies.add(Spy.connect(server.port()));
            }
            MemcachedClient first = spies.get(0).client();
            for (int k = 0; k < KEYS; k++) {
                assertThat(first.set("spy-cas-" + k, 0, "0").get()).isTrue();
            }
            runClients(CLIENTS, thread -> {
                MemcachedClient c = spies.get(thread % spyClients).client();
                for (int i = 0; i < perThread; i++) {
                    String key = "spy-cas-" + ((thread + i) % KEYS);
                    while (true) {
                        CASValue<Object> v = c.gets(key);
                        String next = Long.toString(Long.parseLong((String) v.getValue()) + 1);
                        CASResponse r = c.cas(key, v.getCas(), next);
                        if (r == CASResponse.OK) {
                            break;
                        }
                        assertThat(r).isEqualTo(CASResponse.EXISTS);
                    }
                }
            });
            for (int k = 0; k < KEYS; k++) {
                assertThat(first.get("spy-cas-" + k)).isEqualTo(Integer.toString(CLIENTS * perThread / KEYS));
            }
        } finally {
            spies.forEach(Spy::close);
        }
    }
}
