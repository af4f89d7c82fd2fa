package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.protocol.Opcode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DatatypeRule.JSON ("exactly JSON", e.g. RangeScanCreate) must also require that the client
 * negotiated JSON with HELLO (mcbp-protocol.md 11.1: "HELLO JSON must be acked, else Einval"), as
 * RAW_OR_JSON and DOCUMENT already do. Fails today: the dispatcher accepts it.
 */
class JsonDatatypeRuleTest {
    @Test
    void exactlyJsonNeedsNegotiatedJson() {
        CommandSpec spec = CommandSpec.of(Opcode.OBSERVE, Command::respondSuccess)
                .value(CommandSpec.Presence.REQUIRED)
                .datatype(CommandSpec.DatatypeRule.JSON)
                .build();
        try (TestServer server = TestServer.start(TestServer.config().build(), List.of(spec));
                McbpClient c = server.client()) {
            assertThat(c.call(Frames.request(Opcode.OBSERVE.code())
                                    .datatype(0x01)
                                    .value("{}"))
                            .status())
                    .isEqualTo(0x04);
        }
    }
}
