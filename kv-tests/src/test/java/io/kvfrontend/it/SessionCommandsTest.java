package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import org.junit.jupiter.api.Test;

/** Noop, Version and Verbosity (mcbp-protocol.md 4.2). */
class SessionCommandsTest extends OneServerPerClass {
    @Test
    void noopAnswersAnEmptySuccess() {
        Response r = c.call(noop().opaque(0x12345678));
        assertThat(r.opcode()).isEqualTo(NOOP);
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.opaque()).isEqualTo(0x12345678);
        assertThat(r.cas()).isZero();
        assertThat(r.extras()).isEmpty();
        assertThat(r.key()).isEmpty();
        assertThat(r.value()).isEmpty();
    }

    @Test
    void versionAnswersTheServerVersionAsARawValue() {
        Response r = c.call(Frames.request(VERSION).opaque(2));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.opaque()).isEqualTo(2);
        assertThat(r.datatype()).isZero();
        assertThat(r.valueString())
                .isNotBlank()
                .isEqualTo(server.server().context().version());
    }

    @Test
    void verbosityIsAcceptedWithItsLevelExtras() {
        Response r = c.call(Frames.request(VERBOSITY).extras(Frames.int32(2)).opaque(3));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.opaque()).isEqualTo(3);
        assertThat(r.value()).isEmpty();
    }

    @Test
    void sessionCommandsWithBodiesTheyMustNotHaveAreEinval() {
        assertThat(c.call(Frames.request(VERBOSITY)).status())
                .as("verbosity without extras")
                .isEqualTo(EINVAL);
        assertThat(c.call(noop().key("k")).status()).as("noop with a key").isEqualTo(EINVAL);
        assertThat(c.call(noop().cas(1)).status()).as("noop with a CAS").isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(VERSION).value("v")).status())
                .as("version with a value")
                .isEqualTo(EINVAL);
        assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
    }
}
