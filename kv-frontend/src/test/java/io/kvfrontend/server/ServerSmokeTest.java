package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.TestServer;
import org.junit.jupiter.api.Test;

class ServerSmokeTest {
    @Test
    void storesAndReadsBackOverARealSocket() {
        try (TestServer server = TestServer.start();
                McbpClient c = server.client()) {
            Response set = c.call(Frames.request(0x01)
                    .key("k")
                    .extras(Frames.storeExtras(7, 0))
                    .value("v")
                    .opaque(1));
            assertThat(set.status()).isZero();
            Response get = c.call(Frames.request(0x00).key("k").opaque(2));
            assertThat(get.valueString()).isEqualTo("v");
            assertThat(get.extrasInt(0)).isEqualTo(7);
            assertThat(get.cas()).isEqualTo(set.cas());
        }
    }
}
