package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stat (mcbp-protocol.md 12): one packet per statistic (key = name, value = ASCII, opaque echoed,
 * CAS 0), terminated by an empty packet; an unknown group is one KeyEnoent packet and no terminator.
 * Each test has its own server, so the counts it checks are its own.
 */
class StatTest {

    private static Map<String, String> stats(McbpClient c, String group, int opaque) {
        List<Response> rs =
                c.send(Frames.request(STAT).key(group).opaque(opaque)).receiveStats();
        Response last = rs.get(rs.size() - 1);
        assertThat(last.status()).isEqualTo(SUCCESS);
        assertThat(last.key()).isEmpty();
        assertThat(last.value()).isEmpty();
        Map<String, String> m = new LinkedHashMap<>();
        for (Response r : rs) {
            assertThat(r.opcode()).isEqualTo(STAT);
            assertThat(r.opaque()).isEqualTo(opaque);
            assertThat(r.cas()).isZero();
            assertThat(r.extras()).isEmpty();
            assertThat(r.datatype()).isZero();
            if (r != last) {
                assertThat(r.key()).isNotEmpty();
                assertThat(m.put(r.keyString(), r.valueString()))
                        .as("duplicate stat %s", r.keyString())
                        .isNull();
            }
        }
        return m;
    }

    @Test
    void theGeneralGroupReportsProcessBucketAndCommandCounters() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            for (int i = 0; i < 7; i++) {
                mustSet(c, "stat-" + i, "v");
            }
            c.call(get("stat-0"));
            c.call(get("stat-1"));
            c.call(get("stat-missing"));

            Map<String, String> s = stats(c, "", 0xABCD);

            assertThat(s)
                    .containsEntry("pid", Long.toString(ProcessHandle.current().pid()))
                    .containsEntry("curr_items", "7")
                    .containsEntry("cmd_get", "3")
                    .containsEntry("get_hits", "2")
                    .containsEntry("get_misses", "1")
                    .containsEntry("cmd_set", "7")
                    .containsEntry("curr_connections", "1")
                    .containsEntry("version", server.server().context().version())
                    .containsKeys("uptime", "time", "total_connections", "bytes_read", "bytes_written");
            assertThat(Long.parseLong(s.get("uptime"))).isNotNegative();
            assertThat(Long.parseLong(s.get("time")))
                    .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(5L));
        }
    }

    @Test
    void theBucketsGroupCountsTheItemsOfEachBucket() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            assertThat(stats(c, "buckets", 1)).containsEntry("default:curr_items", "0");
            for (int i = 0; i < 25; i++) {
                mustSet(c, "bucket-stat-" + i, "v");
            }
            mustSet(c, "bucket-stat-0", "overwrite, not a new item");
            c.call(keyed(DELETE, "bucket-stat-24"));

            Map<String, String> s = stats(c, "buckets", 2);

            assertThat(s)
                    .containsEntry("default:curr_items", "24")
                    .containsEntry("default:vbuckets", "1024")
                    .containsKeys("default:mem_used", "default:quota");
            assertThat(Long.parseLong(s.get("default:mem_used"))).isPositive();
        }
    }

    @Test
    void theBucketsGroupListsEveryBucketWithItsOwnCount() {
        BucketConfig other = new BucketConfig("other", 1L << 20, 16, 1024, false);
        try (TestServer server = TestServer.start(TestServer.config()
                        .buckets(List.of(BucketConfig.defaults("default"), other))
                        .build());
                McbpClient c = server.client()) {
            mustSet(c, "in-default", "v"); // plain clients always use the bucket named "default"
            Map<String, String> s = stats(c, "buckets", 7);
            assertThat(s)
                    .containsEntry("default:curr_items", "1")
                    .containsEntry("other:curr_items", "0")
                    .containsEntry("other:quota", Long.toString(1L << 20))
                    .containsEntry("other:vbuckets", "16");
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void theOutputGroupNamesTheConfiguredMode(OutputMode mode) {
        try (TestServer server = TestServer.start(mode);
                McbpClient c = server.client()) {
            assertThat(stats(c, "output", 3)).containsEntry("output_mode", mode.configName());
            assertThat(stats(c, "", 4)).containsEntry("output_mode", mode.configName());
        }
    }

    @Test
    void anUnknownGroupIsOneKeyEnoentPacketWithoutATerminator() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            c.send(Frames.request(STAT).key("no-such-group").opaque(5)).send(noop().opaque(6));
            List<Response> rs = c.receive(2);
            assertThat(rs.get(0).opcode()).isEqualTo(STAT);
            assertThat(rs.get(0).status()).isEqualTo(KEY_ENOENT);
            assertThat(rs.get(0).opaque()).isEqualTo(5);
            assertThat(rs.get(1).opcode())
                    .as("next packet is the Noop's, not a terminator")
                    .isEqualTo(NOOP);
            assertThat(rs.get(1).opaque()).isEqualTo(6);
        }
    }

    @Test
    void statStreamsOfPipelinedRequestsDoNotInterleave() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            c.send(Frames.request(STAT).opaque(1))
                    .send(Frames.request(STAT).key("buckets").opaque(2))
                    .send(noop().opaque(3));
            List<Response> first = c.receiveStats();
            List<Response> second = c.receiveStats();
            assertThat(first).extracting(Response::opaque).containsOnly(1);
            assertThat(second).extracting(Response::opaque).containsOnly(2);
            assertThat(c.receive().opaque()).isEqualTo(3);
        }
    }

    @Test
    void commandCountersCountEachOutcome() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            long stale = mustSet(c, "counted", "1"); // cmd_set 1
            mustSet(c, "counted", "2"); // cmd_set 2
            mustSet(c, "counter", "5"); // cmd_set 3
            c.call(set("counted", "3").cas(stale)); // cmd_set 4, cas_badval
            long cas = c.call(get("counted")).cas(); // cmd_get 1, get_hits 1
            c.call(set("counted", "4").cas(cas)); // cmd_set 5, cas_hits
            c.call(set("counted-missing", "x").cas(cas)); // cmd_set 6, cas_misses
            c.send(keyed(GETQ, "nothing")); // cmd_get 2, get_misses 1 (quiet: no answer)
            c.call(keyed(GETK, "counted")); // cmd_get 3, get_hits 2
            c.call(arithmetic(INCREMENT, "counter", 1, 0, 0)); // incr_hits
            c.call(arithmetic(INCREMENT, "nothing", 1, 0, NO_CREATE)); // incr_misses
            c.call(arithmetic(DECREMENT, "counter", 1, 0, 0)); // decr_hits
            c.call(arithmetic(DECREMENT, "counter", 1, 0, 0)); // decr_hits
            c.call(arithmetic(DECREMENT, "nothing", 1, 0, NO_CREATE)); // decr_misses
            c.call(withExpiry(TOUCH, "counted", 100)); // cmd_touch 1, touch_hits
            c.call(withExpiry(TOUCH, "nothing", 100)); // cmd_touch 2, touch_misses
            c.call(getLocked("counter", 5)); // cmd_lock
            c.call(keyed(DELETE, "counted")); // delete_hits
            c.call(keyed(DELETE, "counted")); // delete_misses
            c.call(keyed(DELETE, "nothing")); // delete_misses

            Map<String, String> s = stats(c, "", 1);

            assertThat(s)
                    .containsEntry("cmd_set", "6")
                    .containsEntry("cas_badval", "1")
                    .containsEntry("cas_hits", "1")
                    .containsEntry("cas_misses", "1")
                    .containsEntry("cmd_get", "3")
                    .containsEntry("get_hits", "2")
                    .containsEntry("get_misses", "1")
                    .containsEntry("incr_hits", "1")
                    .containsEntry("incr_misses", "1")
                    .containsEntry("decr_hits", "2")
                    .containsEntry("decr_misses", "1")
                    .containsEntry("cmd_touch", "2")
                    .containsEntry("touch_hits", "1")
                    .containsEntry("touch_misses", "1")
                    .containsEntry("cmd_lock", "1")
                    .containsEntry("delete_hits", "1")
                    .containsEntry("delete_misses", "2")
                    .containsEntry("cmd_flush", "0");
        }
    }

    @Test
    void byteCountersCoverWhatWasSentAndReceived() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            byte[] request = Frames.request(SET)
                    .key("bytes")
                    .extras(Frames.storeExtras(0, 0))
                    .value(new byte[10_000])
                    .build();
            c.sendRaw(request).receive();
            assertThat(c.call(get("bytes")).value()).hasSize(10_000);
            Map<String, String> s = stats(c, "", 1);
            assertThat(Long.parseLong(s.get("bytes_read"))).isGreaterThanOrEqualTo(request.length);
            assertThat(Long.parseLong(s.get("bytes_written"))).isGreaterThanOrEqualTo(10_000);
        }
    }
}
