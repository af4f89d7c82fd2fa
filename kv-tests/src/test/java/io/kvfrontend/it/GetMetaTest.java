package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GetMeta and GetqMeta (mcbp-protocol.md 4.2): extras {@code deleted u32 | flags u32 | expiry u32 |
 * seqno u64}, plus a datatype byte for version 2; CAS in the header.
 */
class GetMetaTest extends OneServerPerClass {
    private Response getMeta(String key, Integer version) {
        Frames f = keyed(GET_META, key);
        if (version != null) {
            f.extras((byte) (int) version);
        }
        return c.call(f);
    }

    @Test
    void versionsZeroAndOneAnswerTwentyBytesOfMetadata() {
        Response set = c.call(store(SET, "meta", "value", 0x0102_0304, 0));
        for (Integer version : new Integer[] {null, 0, 1}) {
            Response r = getMeta("meta", version);
            assertThat(r.status()).as("version %s", version).isEqualTo(SUCCESS);
            assertThat(r.extras()).as("version %s", version).hasSize(20);
            assertThat(r.extrasInt(0)).as("deleted").isZero();
            assertThat(r.extrasInt(4)).as("flags").isEqualTo(0x0102_0304);
            assertThat(r.extrasInt(8)).as("expiry").isZero();
            assertThat(r.extrasLong(12)).as("seqno").isPositive();
            assertThat(r.cas()).isEqualTo(set.cas());
            assertThat(r.key()).isEmpty();
            assertThat(r.value()).as("no value").isEmpty();
        }
    }

    @Test
    void versionTwoAppendsTheDatatypeAsTheLastByte() {
        mustSet(c, "meta-raw", "text");
        c.call(arithmetic(INCREMENT, "meta-json", 1, 7, 0)); // counters are stored as JSON
        Response raw = getMeta("meta-raw", 2);
        Response json = getMeta("meta-json", 2);
        assertThat(raw.extras()).hasSize(21);
        assertThat(json.extras()).hasSize(21);
        assertThat(raw.extras()[20]).isEqualTo((byte) 0x00);
        assertThat(json.extras()[20]).isEqualTo((byte) 0x01);
        assertThat(json.extrasInt(0)).isZero();
        assertThat(json.extrasLong(12)).isPositive();
    }

    @Test
    void theExpiryIsAnsweredAsAnAbsoluteUnixTime() {
        long before = System.currentTimeMillis() / 1000;
        c.call(store(SET, "meta-exp", "v", 0, 1000));
        long after = System.currentTimeMillis() / 1000;
        long expiry = Integer.toUnsignedLong(getMeta("meta-exp", null).extrasInt(8));
        assertThat(expiry).isBetween(before + 1000, after + 1000);
    }

    @Test
    void everyMutationAdvancesTheSeqno() {
        mustSet(c, "meta-seq", "1");
        long first = getMeta("meta-seq", null).extrasLong(12);
        mustSet(c, "meta-seq", "2");
        long second = getMeta("meta-seq", null).extrasLong(12);
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void getMetaOfAMissingOrDeletedKeyIsKeyEnoent() {
        assertThat(getMeta("meta-missing", null).status()).isEqualTo(KEY_ENOENT);
        mustSet(c, "meta-deleted", "v");
        c.call(keyed(DELETE, "meta-deleted"));
        assertThat(getMeta("meta-deleted", 2).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void getqMetaSuppressesMissesAndAnswersHits() {
        mustSet(c, "meta-q", "v");
        c.send(keyed(GETQ_META, "meta-q-missing").opaque(1))
                .send(keyed(GETQ_META, "meta-q").extras((byte) 2).opaque(2))
                .send(noop().opaque(3));
        List<Response> rs = c.receive(2);
        assertThat(rs)
                .extracting(Response::opaque, Response::opcode, Response::status)
                .containsExactly(tuple(2, GETQ_META, SUCCESS), tuple(3, NOOP, SUCCESS));
        assertThat(rs.get(0).extras()).hasSize(21);
    }

    @Test
    void aLockedDocumentsCasIsHiddenFromGetMeta() {
        mustSet(c, "meta-locked", "v");
        assertThat(c.call(getLocked("meta-locked", 10)).status()).isEqualTo(SUCCESS);
        assertThat(getMeta("meta-locked", null).cas()).isEqualTo(LOCKED_CAS);
    }

    @Test
    void anUnknownVersionIsEinval() {
        mustSet(c, "meta-v3", "v");
        assertThat(getMeta("meta-v3", 3).status()).isEqualTo(EINVAL);
        assertThat(c.call(keyed(GET_META, "meta-v3").extras(new byte[2])).status())
                .isEqualTo(EINVAL);
    }
}
