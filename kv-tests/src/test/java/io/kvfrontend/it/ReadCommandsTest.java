package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import org.junit.jupiter.api.Test;

/** The Get family on the wire (mcbp-protocol.md 4.2) and the validation rules shared by reads (3.2, 4.1). */
class ReadCommandsTest extends OneServerPerClass {
    @Test
    void getAnswersFlagsValueAndCasWithoutTheKey() {
        Response set = c.call(store(SET, "get", "value", 0xCAFEBABE, 0).opaque(1));
        assertThat(set.status()).isEqualTo(SUCCESS);

        Response r = c.call(get("get").opaque(0x7EADBEEF));

        assertThat(r.magic()).isEqualTo(0x81);
        assertThat(r.opcode()).isEqualTo(GET);
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.opaque()).isEqualTo(0x7EADBEEF);
        assertThat(r.cas()).isEqualTo(set.cas()).isNotZero();
        assertThat(r.extras()).hasSize(4);
        assertThat(r.extrasInt(0)).isEqualTo(0xCAFEBABE);
        assertThat(r.key()).isEmpty();
        assertThat(r.valueString()).isEqualTo("value");
        assertThat(r.datatype()).isZero();
    }

    @Test
    void getOfAMissingKeyAnswersKeyEnoentWithAnEmptyBody() {
        Response r = c.call(get("get-missing").opaque(3));
        assertThat(r.status()).isEqualTo(KEY_ENOENT);
        assertThat(r.opaque()).isEqualTo(3);
        assertThat(r.extras()).isEmpty();
        assertThat(r.key()).isEmpty();
        assertThat(r.value()).isEmpty();
    }

    @Test
    void getReplicaIsNotMyVbucketBecauseThisNodeHoldsNoReplicas() {
        mustSet(c, "replica", "v");
        // GetReplica 0x83 (mcbp-protocol.md 4.2): a single node with numReplicas 0 holds no replica
        // vBucket, so an existing and a missing key alike are NotMyVbucket, with the map in the body.
        for (String key : new String[] {"replica", "replica-missing"}) {
            Response r = c.call(keyed(0x83, key).opaque(9));
            assertThat(r.status()).as(key).isEqualTo(0x07);
            assertThat(r.opaque()).isEqualTo(9);
            assertThat(r.valueString()).contains("\"numReplicas\":0");
        }
        Response badCas = c.call(keyed(0x83, "replica").cas(1));
        assertThat(badCas.status()).isEqualTo(EINVAL);
    }

    @Test
    void getkEchoesTheKey() {
        mustSet(c, "getk", "v");
        Response r = c.call(keyed(GETK, "getk").opaque(4));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.keyString()).isEqualTo("getk");
        assertThat(r.valueString()).isEqualTo("v");
        assertThat(r.extras()).hasSize(4);
    }

    @Test
    void getkOfAMissingKeyAnswersKeyEnoent() {
        Response r = c.call(keyed(GETK, "getk-missing"));
        assertThat(r.status()).isEqualTo(KEY_ENOENT);
        assertThat(r.value()).isEmpty();
    }

    @Test
    void getkqEchoesTheKeyOfHitsAndSuppressesMisses() {
        mustSet(c, "getkq-1", "one");
        mustSet(c, "getkq-3", "three");
        c.send(keyed(GETKQ, "getkq-1").opaque(1))
                .send(keyed(GETKQ, "getkq-2").opaque(2))
                .send(keyed(GETKQ, "getkq-3").opaque(3))
                .send(noop().opaque(4));
        assertThat(c.receive(3))
                .extracting(Response::opaque, Response::keyString, Response::valueString)
                .containsExactly(tuple(1, "getkq-1", "one"), tuple(3, "getkq-3", "three"), tuple(4, "", ""));
    }

    @Test
    void getqSuppressesMissesAndAnswersHitsWithoutTheKey() {
        mustSet(c, "getq-1", "one");
        c.send(keyed(GETQ, "getq-0").opaque(1))
                .send(keyed(GETQ, "getq-1").opaque(2))
                .send(noop().opaque(3));
        assertThat(c.receive(2))
                .extracting(Response::opaque, Response::opcode, Response::keyString, Response::valueString)
                .containsExactly(tuple(2, GETQ, "", "one"), tuple(3, NOOP, "", ""));
    }

    @Test
    void aReadThatBreaksTheRequestRulesIsEinvalAndTheConnectionStaysOpen() {
        mustSet(c, "rules", "v");
        assertThat(c.call(get("rules").cas(5)).status()).as("non-zero CAS").isEqualTo(EINVAL);
        assertThat(c.call(get("rules").extras(Frames.int32(0))).status())
                .as("extras")
                .isEqualTo(EINVAL);
        assertThat(c.call(get("rules").value("x")).status()).as("value").isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(GET)).status()).as("no key").isEqualTo(EINVAL);
        assertThat(c.call(get("rules").datatype(0x01)).status()).as("datatype").isEqualTo(EINVAL);
        // Validation errors are sent for quiet opcodes too.
        c.send(keyed(GETQ, "rules").cas(5).opaque(9)).send(noop().opaque(10));
        assertThat(c.receive(2))
                .extracting(Response::opaque, Response::status)
                .containsExactly(tuple(9, EINVAL), tuple(10, SUCCESS));
        assertThat(c.call(get("rules")).valueString()).isEqualTo("v");
    }

    @Test
    void unknownOpcodesAreUnknownCommandAndKnownUnsupportedOnesNotSupported() {
        Response unknown = c.call(Frames.request(0x7f).opaque(1));
        assertThat(unknown.status()).isEqualTo(0x81);
        assertThat(unknown.opaque()).isEqualTo(1);
        Response getEx = c.call(keyed(0x49, "k").opaque(2)); // GetEx: a known opcode without an executor
        assertThat(getEx.status()).isEqualTo(NOT_SUPPORTED);
        assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
    }

    @Test
    void aKeyIsReadTheSameWhateverVbucketThePlainClientSends() {
        // Plain memcached clients send vBucket 0; the engine places keys by their own hash.
        mustSet(c, "vb", "v");
        assertThat(c.call(get("vb").vbucket(17)).valueString()).isEqualTo("v");
    }
}
