package io.kvfrontend.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.GetFuture;
import net.spy.memcached.internal.OperationFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Thousands of spymemcached operations in flight on one connection: spymemcached writes whatever
 * is queued in one go and matches responses by opaque, so the server sees deep pipelines. With
 * optimization on, spymemcached also merges runs of gets and sets into quiet batches (GetQ/SetQ
 * terminated by a Noop).
 */
class SpymemcachedPipeliningTest {
    private static final int OPS = 3_000;
    private static ModeServers servers;

    @BeforeAll
    static void startServers() {
        servers = ModeServers.start();
    }

    @AfterAll
    static void stopServers() {
        servers.close();
    }

    @ParameterizedTest(name = "{0}, optimized={1}")
    @CsvSource({"SPOOL, false", "SYNC, true"})
    void thousandsOfAsyncSetsAndGetsInFlightAllComplete(OutputMode mode, boolean optimize) throws Exception {
        String prefix = "async-" + mode + "-" + optimize + "-";
        try (Spy s = Spy.connect(servers.port(mode), optimize)) {
            MemcachedClient c = s.client();
            List<OperationFuture<Boolean>> sets = new ArrayList<>(OPS);
            for (int i = 0; i < OPS; i++) {
                sets.add(c.set(prefix + i, 0, "value-" + i));
            }
            for (int i = 0; i < OPS; i++) {
                assertThat(sets.get(i).get(Spy.OP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                        .as("set %d", i)
                        .isTrue();
            }
            List<GetFuture<Object>> gets = new ArrayList<>(OPS);
            List<Future<Object>> misses = new ArrayList<>(OPS);
            for (int i = 0; i < OPS; i++) {
                gets.add(c.asyncGet(prefix + i));
                misses.add(c.asyncGet(prefix + "missing-" + i));
            }
            for (int i = 0; i < OPS; i++) {
                assertThat(gets.get(i).get(Spy.OP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                        .isEqualTo("value-" + i);
                assertThat(misses.get(i).get(Spy.OP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                        .isNull();
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"SPOOL", "SYNC"})
    void interleavedAsyncMutationsAndReadsOfOneKeyApplyInOrder(OutputMode mode) throws Exception {
        String key = "async-ordered-" + mode;
        try (Spy s = Spy.connect(servers.port(mode))) {
            MemcachedClient c = s.client();
            List<Future<Object>> reads = new ArrayList<>();
            List<OperationFuture<Long>> incrs = new ArrayList<>();
            assertThat(c.set(key, 0, "0").get()).isTrue();
            for (int i = 1; i <= 2_000; i++) {
                incrs.add(c.asyncIncr(key, 1));
                reads.add(c.asyncGet(key));
            }
            // One connection executes in arrival order, so the read after the i-th increment sees i.
            for (int i = 0; i < incrs.size(); i++) {
                assertThat(incrs.get(i).get(Spy.OP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                        .isEqualTo(i + 1);
                assertThat(reads.get(i).get(Spy.OP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                        .isEqualTo(Integer.toString(i + 1));
            }
        }
    }
}
