package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import org.junit.jupiter.api.Test;

/** Set/Add/Replace/Delete/Append/Prepend on the wire: CAS rules (mcbp-protocol.md 3.2) and statuses (4.2). */
class MutationCommandsTest extends OneServerPerClass {
    @Test
    void aMutationAnswersANewCasAndNoBodyForAClientWithoutMutationSeqno() {
        Response first = c.call(set("m-cas", "1").opaque(11));
        Response second = c.call(set("m-cas", "2").opaque(12));
        assertThat(first.status()).isEqualTo(SUCCESS);
        assertThat(first.opaque()).isEqualTo(11);
        assertThat(first.cas()).isNotZero();
        assertThat(second.cas()).isNotZero().isNotEqualTo(first.cas());
        assertThat(second.extras()).isEmpty();
        assertThat(second.key()).isEmpty();
        assertThat(second.value()).isEmpty();
    }

    @Test
    void setWithCasReplacesOnlyTheMatchingRevision() {
        long cas = mustSet(c, "m-setcas", "1");
        Response ok = c.call(set("m-setcas", "2").cas(cas));
        assertThat(ok.status()).isEqualTo(SUCCESS);
        assertThat(c.call(set("m-setcas", "3").cas(cas)).status()).isEqualTo(KEY_EEXISTS);
        assertThat(c.call(get("m-setcas")).valueString()).isEqualTo("2");
        assertThat(c.call(set("m-setcas-missing", "1").cas(cas)).status()).isEqualTo(KEY_ENOENT);
        assertThat(c.call(get("m-setcas-missing")).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void addAndReplaceFollowExistence() {
        assertThat(c.call(store(REPLACE, "m-ar", "x", 0, 0)).status()).isEqualTo(KEY_ENOENT);
        assertThat(c.call(store(ADD, "m-ar", "a", 0, 0)).status()).isEqualTo(SUCCESS);
        assertThat(c.call(store(ADD, "m-ar", "b", 0, 0)).status()).isEqualTo(KEY_EEXISTS);
        assertThat(c.call(store(REPLACE, "m-ar", "c", 0, 0)).status()).isEqualTo(SUCCESS);
        assertThat(c.call(get("m-ar")).valueString()).isEqualTo("c");
    }

    @Test
    void addWithANonZeroCasIsEinval() {
        assertThat(c.call(store(ADD, "m-addcas", "a", 0, 0).cas(1)).status()).isEqualTo(EINVAL);
        assertThat(c.call(get("m-addcas")).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void replaceWithCasReplacesOnlyTheMatchingRevision() {
        long cas = mustSet(c, "m-repcas", "1");
        mustSet(c, "m-repcas", "2");
        assertThat(c.call(store(REPLACE, "m-repcas", "3", 0, 0).cas(cas)).status())
                .isEqualTo(KEY_EEXISTS);
        assertThat(c.call(get("m-repcas")).valueString()).isEqualTo("2");
    }

    @Test
    void deleteWithCasDeletesOnlyTheMatchingRevision() {
        long cas = mustSet(c, "m-delcas", "1");
        long now = mustSet(c, "m-delcas", "2");
        assertThat(c.call(keyed(DELETE, "m-delcas").cas(cas)).status()).isEqualTo(KEY_EEXISTS);
        Response deleted = c.call(keyed(DELETE, "m-delcas").cas(now));
        assertThat(deleted.status()).isEqualTo(SUCCESS);
        assertThat(deleted.cas()).isNotZero();
        assertThat(c.call(keyed(DELETE, "m-delcas")).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void appendAndPrependKeepFlagsAndMakeANewRevision() {
        Response set = c.call(store(SET, "m-concat", "mid", 77, 0));
        Response appended = c.call(concat(APPEND, "m-concat", ">"));
        Response prepended = c.call(concat(PREPEND, "m-concat", "<"));
        assertThat(appended.status()).isEqualTo(SUCCESS);
        assertThat(prepended.status()).isEqualTo(SUCCESS);
        assertThat(appended.cas()).isNotEqualTo(set.cas());
        Response r = c.call(get("m-concat"));
        assertThat(r.valueString()).isEqualTo("<mid>");
        assertThat(r.extrasInt(0)).isEqualTo(77);
        assertThat(r.cas()).isEqualTo(prepended.cas());
    }

    @Test
    void appendOrPrependToAMissingKeyIsNotStored() {
        assertThat(c.call(concat(APPEND, "m-concat-missing", "x")).status()).isEqualTo(NOT_STORED);
        assertThat(c.call(concat(PREPEND, "m-concat-missing", "x")).status()).isEqualTo(NOT_STORED);
        assertThat(c.call(get("m-concat-missing")).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void appendWithAStaleCasIsKeyEexists() {
        long cas = mustSet(c, "m-concat-cas", "a");
        mustSet(c, "m-concat-cas", "b");
        assertThat(c.call(concat(APPEND, "m-concat-cas", "x").cas(cas)).status())
                .isEqualTo(KEY_EEXISTS);
        assertThat(c.call(get("m-concat-cas")).valueString()).isEqualTo("b");
    }

    @Test
    void anEmptyValueIsStoredAndAppendsNothing() {
        assertThat(c.call(set("m-empty", "")).status()).isEqualTo(SUCCESS);
        Response r = c.call(get("m-empty"));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.value()).isEmpty();
        assertThat(c.call(concat(APPEND, "m-empty", "")).status()).isEqualTo(SUCCESS);
    }

    @Test
    void aMutationThatBreaksTheRequestRulesIsEinval() {
        assertThat(c.call(Frames.request(SET).key("m-rules").value("v")).status())
                .as("no extras")
                .isEqualTo(EINVAL);
        assertThat(c.call(concat(APPEND, "m-rules", "v").extras(Frames.int32(0)))
                        .status())
                .as("append extras")
                .isEqualTo(EINVAL);
        assertThat(c.call(set("m-rules", "v").datatype(0x04)).status())
                .as("xattr datatype")
                .isEqualTo(EINVAL);
        assertThat(c.call(set("m-rules", "{}").datatype(0x01)).status())
                .as("JSON not negotiated")
                .isEqualTo(EINVAL);
        assertThat(c.call(keyed(DELETE, "m-rules").value("v")).status())
                .as("delete value")
                .isEqualTo(EINVAL);
        assertThat(c.call(get("m-rules")).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void aBinaryValueRoundTripsByteForByte() {
        byte[] value = new byte[256];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) i;
        }
        assertThat(c.call(Frames.request(SET)
                                .key("m-binary")
                                .extras(Frames.storeExtras(0, 0))
                                .value(value))
                        .status())
                .isEqualTo(SUCCESS);
        assertThat(c.call(get("m-binary")).value()).isEqualTo(value);
    }
}
