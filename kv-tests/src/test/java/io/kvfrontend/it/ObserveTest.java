package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * ObserveSeqno (0x91) and Observe (0x92), the legacy durability polls (mcbp-protocol.md 4.2): an
 * in-memory bucket reports every applied mutation as persisted.
 */
class ObserveTest extends OneServerPerClass {
    static final int OBSERVE_SEQNO = 0x91;
    static final int OBSERVE = 0x92;
    static final int GET_META_V2 = 0xa0;

    private static int vbucketOf(String key) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) ((crc.getValue() >>> 16) & 0x7fff) & 1023;
    }

    @Test
    void observeSeqnoReportsTheMutationAsPersistedAndChecksTheUuid() {
        Response set = c.call(set("obs", "v").vbucket(vbucketOf("obs")));
        assertThat(set.status()).isEqualTo(SUCCESS);
        int vb = vbucketOf("obs");
        long uuid = server.server().engine().bucket("default").vbucketUuid(vb);
        long high = server.server().engine().bucket("default").highSeqno(vb);

        Response r = c.call(Frames.request(OBSERVE_SEQNO)
                .vbucket(vb)
                .value(ByteBuffer.allocate(8).putLong(uuid).array()));
        assertThat(r.status()).isEqualTo(SUCCESS);
        ByteBuffer v = ByteBuffer.wrap(r.value());
        assertThat(r.value()).hasSize(27);
        assertThat(v.get()).as("format: no failover").isZero();
        assertThat(v.getShort() & 0xffff).isEqualTo(vb);
        assertThat(v.getLong()).isEqualTo(uuid);
        long persisted = v.getLong();
        long current = v.getLong();
        assertThat(current).isEqualTo(high).isPositive();
        assertThat(persisted).isEqualTo(current);

        Response wrongUuid = c.call(Frames.request(OBSERVE_SEQNO)
                .vbucket(vb)
                .value(ByteBuffer.allocate(8).putLong(uuid + 1).array()));
        assertThat(wrongUuid.status()).isEqualTo(KEY_ENOENT);
        assertThat(c.call(Frames.request(OBSERVE_SEQNO).vbucket(vb).value(new byte[4]))
                        .status())
                .isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(OBSERVE_SEQNO).vbucket(4000).value(new byte[8]))
                        .status())
                .isEqualTo(0x07);
    }

    @Test
    void observeAnswersEachKeysStateAndCas() {
        long cas = mustSet(c, "obs-a", "v");
        ByteBuffer req = ByteBuffer.allocate(64);
        for (String k : new String[] {"obs-a", "obs-missing"}) {
            byte[] key = k.getBytes(StandardCharsets.UTF_8);
            req.putShort((short) vbucketOf(k)).putShort((short) key.length).put(key);
        }
        Response r = c.call(Frames.request(OBSERVE).value(java.util.Arrays.copyOf(req.array(), req.position())));
        assertThat(r.status()).isEqualTo(SUCCESS);
        ByteBuffer v = ByteBuffer.wrap(r.value());
        String[] keys = {"obs-a", "obs-missing"};
        for (String k : keys) {
            assertThat(v.getShort() & 0xffff).isEqualTo(vbucketOf(k));
            byte[] key = new byte[v.getShort()];
            v.get(key);
            assertThat(new String(key, StandardCharsets.UTF_8)).isEqualTo(k);
            int state = v.get() & 0xff;
            long keyCas = v.getLong();
            if (k.equals("obs-a")) {
                assertThat(state).as("found, persisted").isEqualTo(0x01);
                assertThat(keyCas).isEqualTo(cas);
            } else {
                assertThat(state).as("not found").isEqualTo(0x80);
            }
        }
        assertThat(v.hasRemaining()).isFalse();

        assertThat(c.call(Frames.request(OBSERVE).value(new byte[] {0, 1, 0})).status())
                .isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(OBSERVE).value(new byte[] {0, 1, 0, 9, 'a'}))
                        .status())
                .isEqualTo(EINVAL);
        assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
    }
}
