package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvfrontend.testsupport.Response;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Touch, GAT and GATQ on the wire (mcbp-protocol.md 4.2). */
class TouchTest extends OneServerPerClass {
    @Test
    void touchAnswersTheNewCasAndNoBody() {
        long setCas = mustSet(c, "t-touch", "v");
        Response r = c.call(withExpiry(TOUCH, "t-touch", 3600).opaque(6));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.opaque()).isEqualTo(6);
        assertThat(r.cas()).isNotZero().isNotEqualTo(setCas);
        assertThat(r.extras()).isEmpty();
        assertThat(r.value()).isEmpty();
        assertThat(c.call(get("t-touch")).cas()).isEqualTo(r.cas());
    }

    @Test
    void touchWithAShortExpiryMakesTheDocumentExpire() {
        mustSet(c, "t-expire", "v");
        assertThat(c.call(withExpiry(TOUCH, "t-expire", 1)).status()).isEqualTo(SUCCESS);
        Await.until(
                "the touched document expired",
                Duration.ofSeconds(5),
                () -> c.call(get("t-expire")).status() == KEY_ENOENT);
    }

    @Test
    void touchingAMissingKeyIsKeyEnoent() {
        assertThat(c.call(withExpiry(TOUCH, "t-missing", 10)).status()).isEqualTo(KEY_ENOENT);
        assertThat(c.call(withExpiry(GAT, "t-missing", 10)).status()).isEqualTo(KEY_ENOENT);
    }

    @Test
    void gatAnswersLikeGetWithTheNewCas() {
        long setCas = c.call(store(SET, "t-gat", "value", 31, 0)).cas();
        Response r = c.call(withExpiry(GAT, "t-gat", 3600));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.extrasInt(0)).isEqualTo(31);
        assertThat(r.valueString()).isEqualTo("value");
        assertThat(r.key()).isEmpty();
        assertThat(r.cas()).isNotZero().isNotEqualTo(setCas);
    }

    @Test
    void gatqSuppressesMissesAndAnswersHits() {
        mustSet(c, "t-gatq", "v");
        c.send(withExpiry(GATQ, "t-gatq-missing", 100).opaque(1))
                .send(withExpiry(GATQ, "t-gatq", 100).opaque(2))
                .send(noop().opaque(3));
        assertThat(c.receive(2))
                .extracting(Response::opaque, Response::opcode, Response::valueString)
                .containsExactly(tuple(2, GATQ, "v"), tuple(3, NOOP, ""));
    }

    @Test
    void touchAndGatWithoutTheExpiryExtrasOrWithACasAreEinval() {
        mustSet(c, "t-rules", "v");
        assertThat(c.call(keyed(TOUCH, "t-rules")).status()).isEqualTo(EINVAL);
        assertThat(c.call(keyed(GAT, "t-rules")).status()).isEqualTo(EINVAL);
        assertThat(c.call(withExpiry(TOUCH, "t-rules", 1).cas(3)).status()).isEqualTo(EINVAL);
        assertThat(c.call(withExpiry(GAT, "t-rules", 1).cas(3)).status()).isEqualTo(EINVAL);
    }
}
