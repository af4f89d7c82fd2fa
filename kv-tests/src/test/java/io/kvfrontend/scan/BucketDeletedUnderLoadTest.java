package io.kvfrontend.scan;

import static io.kvfrontend.scan.ScanWire.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A bucket deleted while range scans stream from it and pipelined writes go into it, in both output
 * modes: every client ends promptly with an error status or a closed connection (none hangs: a
 * missing answer fails the test by the client's read deadline), nothing leaks (the leak detector is
 * at PARANOID), the bucket and its scans are gone, and the other bucket serves as before.
 */
class BucketDeletedUnderLoadTest {
    private static final int CREATE_BUCKET = 0x85;
    private static final int DELETE_BUCKET = 0x86;
    private static final int SELECT_BUCKET = 0x89;
    private static final int WINDOW = 100;

    private static McbpClient login(TestServer server, String bucket) {
        McbpClient c = server.client();
        assertThat(c.call(Frames.request(0x21).key("PLAIN").value("\0Administrator\0password"))
                        .status())
                .isZero();
        hello(c);
        if (bucket != null) {
            assertThat(c.call(Frames.request(SELECT_BUCKET).key(bucket)).status())
                    .isZero();
        }
        return c;
    }

    /** Pipelined sets in windows until an answer is not Success or the connection ends; returns acked sets. */
    private static long write(McbpClient c, int client, AtomicLong progress) {
        long acked = 0;
        try {
            for (int round = 0; ; round++) {
                ByteArrayOutputStream window = new ByteArrayOutputStream();
                for (int i = 0; i < WINDOW; i++) {
                    window.writeBytes(Frames.request(SET)
                            .key("w" + client + "-" + (round * WINDOW + i))
                            .extras(Frames.storeExtras(0, 0))
                            .value(new byte[512])
                            .opaque(i)
                            .build());
                }
                c.sendRaw(window.toByteArray());
                for (int i = 0; i < WINDOW; i++) {
                    Response r = c.receive();
                    if (r.status() != SUCCESS) {
                        return acked;
                    }
                    acked++;
                    progress.incrementAndGet();
                }
            }
        } catch (UncheckedIOException closed) {
            return acked;
        }
    }

    /** Scans the whole bucket again and again until a create or continue fails or the connection ends. */
    private static long scan(McbpClient c, AtomicLong progress) {
        long frames = 0;
        try {
            while (true) {
                Response created = c.call(create(0, rangeJson("\0", false, "\u00ff", false, "")));
                if (created.status() != SUCCESS) {
                    return frames;
                }
                c.send(continueScan(0, created.value(), 0, 0, 0, 9));
                while (true) {
                    Response r = c.receive();
                    frames++;
                    if (r.status() == SUCCESS) {
                        progress.incrementAndGet();
                        continue;
                    }
                    if (r.status() != RANGE_SCAN_COMPLETE && r.status() != RANGE_SCAN_MORE) {
                        return frames;
                    }
                    break;
                }
            }
        } catch (UncheckedIOException closed) {
            return frames;
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void scansAndWritersEndCleanlyAndTheOtherBucketServes(OutputMode mode) throws Exception {
        try (TestServer server = TestServer.start(TestServer.withAuth()
                        .outputMode(mode)
                        .eventLoopThreads(2)
                        .mgmtPort(-1)
                        .build());
                McbpClient admin = login(server, null)) {
            assertThat(admin.call(Frames.request(CREATE_BUCKET).key("doomed").value("memcached\0num_vbuckets=1"))
                            .status())
                    .isZero();
            try (McbpClient seed = login(server, "doomed")) {
                for (int i = 0; i < 2_000; i++) {
                    set(seed, "seed-" + i, "x".repeat(1024));
                }
            }
            AtomicLong writes = new AtomicLong();
            AtomicLong scanned = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<McbpClient> clients = new ArrayList<>();
            try {
                List<Future<Long>> done = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    McbpClient w = login(server, "doomed");
                    McbpClient s = login(server, "doomed");
                    clients.add(w);
                    clients.add(s);
                    int client = i;
                    done.add(pool.submit(() -> write(w, client, writes)));
                    done.add(pool.submit(() -> scan(s, scanned)));
                }
                Await.until(
                        Duration.ofSeconds(30),
                        () -> writes.get() > 2_000 && scanned.get() > 20,
                        "writes and scans under way");

                assertThat(admin.call(Frames.request(DELETE_BUCKET).key("doomed"))
                                .status())
                        .isZero();

                for (Future<Long> f : done) {
                    f.get(60, TimeUnit.SECONDS); // every client ends; a hang fails its read deadline
                }
            } finally {
                pool.shutdownNow();
                clients.forEach(McbpClient::close);
            }
            assertThat(server.server().engine().bucketNames()).doesNotContain("doomed");
            try (McbpClient c = login(server, "default")) {
                assertThat(c.call(Frames.request(SET)
                                        .key("after")
                                        .extras(Frames.storeExtras(0, 0))
                                        .value("ok"))
                                .status())
                        .isZero();
                assertThat(c.call(Frames.request(0x00).key("after")).valueString())
                        .isEqualTo("ok");
            }
            Await.until(
                    Duration.ofSeconds(10),
                    () -> server.server().context().stats().currConnections.get() == 1,
                    "only the administrator's connection is left");
        }
    }
}
