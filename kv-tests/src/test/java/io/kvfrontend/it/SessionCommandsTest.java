package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Noop, Version and Verbosity (mcbp-protocol.md 4.2). */
class SessionCommandsTest {
    private static TestServer server;
    private McbpClient c;

    @BeforeAll
    static void startServer() {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        c = server.client();
    }

    @AfterEach
    void disconnect() {
        c.close();
    }

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
        assertThat(r.valueString()).isNotBlank().isEqualTo(server.server().context().version());
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
        assertThat(c.call(Frames.request(VERBOSITY)).status()).as("verbosity without extras").isEqualTo(EINVAL);
        assertThat(c.call(noop().key("k")).status()).as("noop with a key").isEqualTo(EINVAL);
        assertThat(c.call(noop().cas(1)).status()).as("noop with a CAS").isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(VERSION).value("v")).status()).as("version with a value").isEqualTo(EINVAL);
        assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
    }
}
