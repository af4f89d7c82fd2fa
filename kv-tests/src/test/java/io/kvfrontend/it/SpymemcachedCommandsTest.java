package io.kvfrontend.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.OperationFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every command spymemcached (a plain memcached binary-protocol client, no HELLO, no XERROR) exposes,
 * against a real server. Tests use their own keys, so they share one server per output mode.
 */
class SpymemcachedCommandsTest {
    private static ModeServers servers;

    @BeforeAll
    static void startServers() {
        servers = ModeServers.start();
    }

    @AfterAll
    static void stopServers() {
        servers.close();
    }

    private static Spy spy() {
        return Spy.connect(servers.port(OutputMode.SPOOL));
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void setThenGetReturnsTheStoredValue(OutputMode mode) throws Exception {
        try (Spy s = Spy.connect(servers.port(mode))) {
            MemcachedClient c = s.client();
            assertThat(c.set("set-get", 0, "hello").get()).isTrue();
            assertThat(c.get("set-get")).isEqualTo("hello");
            assertThat(c.set("set-get", 0, "again").get()).isTrue();
            assertThat(c.get("set-get")).isEqualTo("again");
        }
    }

    @Test
    void getOfAMissingKeyReturnsNull() {
        try (Spy s = spy()) {
            assertThat(s.client().get("never-stored")).isNull();
        }
    }

    @Test
    void transcodedValuesRoundTripThroughTheStoredFlags() throws Exception {
        // spymemcached's serializing transcoder records the Java type in the item flags; only a server that
        // stores and echoes the flags gives back the same type. Large values are compressed (another flag).
        byte[] big = new byte[64 * 1024];
        Arrays.fill(big, (byte) 'x');
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.set("flags-int", 0, 42).get()).isTrue();
            assertThat(c.set("flags-long", 0, 1L << 40).get()).isTrue();
            assertThat(c.set("flags-bytes", 0, big).get()).isTrue();
            assertThat(c.set("flags-list", 0, new ArrayList<>(List.of("a", "b")))
                            .get())
                    .isTrue();
            assertThat(c.get("flags-int")).isEqualTo(42);
            assertThat(c.get("flags-long")).isEqualTo(1L << 40);
            assertThat(c.get("flags-bytes")).isEqualTo(big);
            assertThat(c.get("flags-list")).isEqualTo(List.of("a", "b"));
        }
    }

    @Test
    void getsReturnsTheCasOfTheLatestRevision() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            OperationFuture<Boolean> first = c.set("gets", 0, "v1");
            assertThat(first.get()).isTrue();
            CASValue<Object> v1 = c.gets("gets");
            assertThat(v1.getValue()).isEqualTo("v1");
            assertThat(v1.getCas()).isNotZero().isEqualTo(first.getCas());
            assertThat(c.set("gets", 0, "v2").get()).isTrue();
            CASValue<Object> v2 = c.gets("gets");
            assertThat(v2.getValue()).isEqualTo("v2");
            assertThat(v2.getCas()).isNotEqualTo(v1.getCas());
            assertThat(c.gets("gets-missing")).isNull();
        }
    }

    @Test
    void addStoresOnlyWhenTheKeyIsAbsent() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.add("add", 0, "first").get()).isTrue();
            assertThat(c.add("add", 0, "second").get()).isFalse();
            assertThat(c.get("add")).isEqualTo("first");
        }
    }

    @Test
    void replaceStoresOnlyWhenTheKeyIsPresent() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.replace("replace", 0, "nothing there").get()).isFalse();
            assertThat(c.get("replace")).isNull();
            assertThat(c.set("replace", 0, "old").get()).isTrue();
            assertThat(c.replace("replace", 0, "new").get()).isTrue();
            assertThat(c.get("replace")).isEqualTo("new");
        }
    }

    @Test
    void deleteRemovesTheKeyAndReportsAMissingOne() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.set("delete", 0, "v").get()).isTrue();
            assertThat(c.delete("delete").get()).isTrue();
            assertThat(c.get("delete")).isNull();
            assertThat(c.delete("delete").get()).isFalse();
        }
    }

    @Test
    void deleteWithCasDeletesOnlyTheMatchingRevision() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            long stale = c.set("delete-cas", 0, "v1").getCas();
            long current = c.set("delete-cas", 0, "v2").getCas();
            assertThat(c.delete("delete-cas", stale).get()).isFalse();
            assertThat(c.get("delete-cas")).isEqualTo("v2");
            assertThat(c.delete("delete-cas", current).get()).isTrue();
            assertThat(c.get("delete-cas")).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void casSucceedsOnceThenReportsExistsForTheStaleCasAndNotFoundForAMissingKey(OutputMode mode) throws Exception {
        try (Spy s = Spy.connect(servers.port(mode))) {
            MemcachedClient c = s.client();
            assertThat(c.set("cas", 0, "v1").get()).isTrue();
            long cas = c.gets("cas").getCas();
            assertThat(c.cas("cas", cas, "v2")).isEqualTo(CASResponse.OK);
            assertThat(c.get("cas")).isEqualTo("v2");
            // The same CAS again is now stale: KeyEexists on the wire.
            assertThat(c.cas("cas", cas, "v3")).isEqualTo(CASResponse.EXISTS);
            assertThat(c.get("cas")).isEqualTo("v2");
            assertThat(c.cas("cas-missing", cas, "v")).isEqualTo(CASResponse.NOT_FOUND);
            assertThat(c.get("cas-missing")).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void incrAndDecrCreateWithTheDefaultThenCount(OutputMode mode) throws Exception {
        try (Spy s = Spy.connect(servers.port(mode))) {
            MemcachedClient c = s.client();
            // A missing counter is created holding the default; the delta is not applied (memcached).
            assertThat(c.incr("counter", 5, 10)).isEqualTo(10);
            assertThat(c.incr("counter", 5)).isEqualTo(15);
            assertThat(c.decr("counter", 3)).isEqualTo(12);
            assertThat(c.get("counter")).isEqualTo("12");
            assertThat(c.decr("counter", 100)).as("decrement floors at zero").isZero();
            assertThat(c.decr("counter-d", 1, 7)).isEqualTo(7);
            assertThat(c.asyncIncr("counter-d", 2).get()).isEqualTo(9);
            assertThat(c.asyncDecr("counter-d", 4).get()).isEqualTo(5);
        }
    }

    @Test
    void incrAndDecrWithoutADefaultDoNotCreateAMissingCounter() {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.incr("no-counter", 1)).isEqualTo(-1);
            assertThat(c.decr("no-counter", 1)).isEqualTo(-1);
            assertThat(c.get("no-counter")).isNull();
        }
    }

    @Test
    void incrWithDefaultAndExpiryCreatesACounterThatExpires() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.incr("counter-exp", 1, 100, 1)).isEqualTo(100);
            Await.until(
                    "the counter created with a 1 s expiry is gone",
                    Duration.ofSeconds(5),
                    () -> c.get("counter-exp") == null);
        }
    }

    @Test
    void incrOnANonNumericValueFails() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.set("not-a-number", 0, "abc").get()).isTrue();
            OperationFuture<Long> f = c.asyncIncr("not-a-number", 1);
            assertThat(f.get()).isEqualTo(-1);
            assertThat(f.getStatus().isSuccess()).isFalse();
            assertThat(c.get("not-a-number")).isEqualTo("abc");
        }
    }

    @Test
    void appendAndPrependConcatenateWithoutCas() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.set("concat", 0, "b").get()).isTrue();
            assertThat(c.append("concat", "c").get()).isTrue();
            assertThat(c.prepend("concat", "a").get()).isTrue();
            assertThat(c.get("concat")).isEqualTo("abc");
        }
    }

    @Test
    void appendAndPrependWithCasApplyOnlyToTheMatchingRevision() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.set("concat-cas", 0, "m").get()).isTrue();
            long cas = c.gets("concat-cas").getCas();
            assertThat(c.append(cas, "concat-cas", "z").get()).isTrue();
            assertThat(c.prepend(cas, "concat-cas", "a").get()).as("stale CAS").isFalse();
            long now = c.gets("concat-cas").getCas();
            assertThat(c.prepend(now, "concat-cas", "a").get()).isTrue();
            assertThat(c.get("concat-cas")).isEqualTo("amz");
        }
    }

    @Test
    void appendAndPrependToAMissingKeyStoreNothing() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.append("concat-missing", "x").get()).isFalse();
            assertThat(c.prepend("concat-missing", "x").get()).isFalse();
            assertThat(c.get("concat-missing")).isNull();
        }
    }

    @Test
    void touchReportsAMissingKeyAndKeepsTheValue() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.touch("touch-missing", 100).get()).isFalse();
            assertThat(c.set("touch", 0, "v").get()).isTrue();
            assertThat(c.touch("touch", 3600).get()).isTrue();
            assertThat(c.get("touch")).isEqualTo("v");
        }
    }

    @Test
    void getAndTouchReturnsTheValueWithANewCas() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.getAndTouch("gat-missing", 100)).isNull();
            long setCas = c.set("gat", 0, "v").getCas();
            CASValue<Object> v = c.getAndTouch("gat", 3600);
            assertThat(v.getValue()).isEqualTo("v");
            // Touching makes a new revision (new expiry), so its CAS is new too.
            assertThat(v.getCas()).isNotZero().isNotEqualTo(setCas);
            assertThat(c.gets("gat").getCas()).isEqualTo(v.getCas());
        }
    }

    /** spymemcached 2.12 sends a bulk get as one GetQ per key followed by a Noop, matching hits by opaque. */
    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void getBulkReturnsExactlyThePresentKeys(OutputMode mode) throws Exception {
        try (Spy s = Spy.connect(servers.port(mode))) {
            MemcachedClient c = s.client();
            List<String> present = IntStream.range(0, 200)
                    .mapToObj(i -> "bulk-" + mode + "-" + i)
                    .toList();
            List<OperationFuture<Boolean>> sets = new ArrayList<>();
            for (String k : present) {
                sets.add(c.set(k, 0, "value-of-" + k));
            }
            for (OperationFuture<Boolean> f : sets) {
                assertThat(f.get()).isTrue();
            }
            List<String> asked = new ArrayList<>(present);
            IntStream.range(0, 100).forEach(i -> asked.add("bulk-missing-" + mode + "-" + i));
            Collections.shuffle(asked, new Random(7));

            Map<String, Object> got = c.getBulk(asked);

            assertThat(got).isEqualTo(present.stream().collect(Collectors.toMap(k -> k, k -> "value-of-" + k)));
            assertThat(c.getBulk("bulk-missing-" + mode + "-1", "bulk-missing-" + mode + "-2"))
                    .isEmpty();
        }
    }

    @Test
    void getStatsReturnsTheGeneralGroup() throws Exception {
        try (Spy s = spy()) {
            MemcachedClient c = s.client();
            assertThat(c.set("stats", 0, "v").get()).isTrue();
            assertThat(c.get("stats")).isEqualTo("v");
            Map<SocketAddress, Map<String, String>> all = c.getStats();
            assertThat(all).hasSize(1);
            Map<String, String> stats = all.values().iterator().next();
            assertThat(stats)
                    .containsEntry("pid", Long.toString(ProcessHandle.current().pid()))
                    .containsKeys(
                            "uptime",
                            "curr_items",
                            "cmd_get",
                            "cmd_set",
                            "get_hits",
                            "get_misses",
                            "curr_connections",
                            "total_connections");
            assertThat(Long.parseLong(stats.get("cmd_get"))).isPositive();
            assertThat(Long.parseLong(stats.get("curr_items"))).isPositive();
        }
    }

    @Test
    void getStatsOfTheBucketsGroupListsTheDefaultBucket() {
        try (Spy s = spy()) {
            Map<String, String> stats =
                    s.client().getStats("buckets").values().iterator().next();
            assertThat(stats).containsKeys("default:curr_items", "default:mem_used", "default:quota");
        }
    }

    @Test
    void getVersionsReturnsTheServerVersion() {
        try (Spy s = spy()) {
            Map<SocketAddress, String> versions = s.client().getVersions();
            assertThat(versions).hasSize(1);
            assertThat(versions.values().iterator().next())
                    .isEqualTo(servers.get(OutputMode.SPOOL).server().context().version())
                    .isNotBlank();
        }
    }
}
