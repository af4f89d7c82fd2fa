package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import io.netty.channel.ChannelOption;
import org.junit.jupiter.api.Test;

/** {@code socket-send-buffer}: a fixed kernel send buffer per connection, or the kernel's own. */
class SocketSendBufferTest {
    private static final int FIXED = 48 * 1024;

    @Test
    void aConfiguredSizeIsEachConnectionsSendBufferAndStatNamesIt() {
        try (TestServer server = TestServer.start(
                        TestServer.config().socketSendBuffer(FIXED).build());
                McbpClient c = server.client()) {
            int actual = sendBuffer(server, c);
            // Linux reserves twice what is asked for (socket(7)); other kernels take it as is.
            assertThat(actual).isBetween(FIXED, 2 * FIXED);
            assertThat(c.stats("output")).containsEntry("socket_send_buffer", Integer.toString(FIXED));
        }
    }

    @Test
    void zeroLeavesTheKernelsBufferAlone() {
        try (TestServer fixed = TestServer.start(
                        TestServer.config().socketSendBuffer(FIXED).build());
                TestServer auto = TestServer.start();
                McbpClient f = fixed.client();
                McbpClient a = auto.client()) {
            assertThat(a.stats("output")).containsEntry("socket_send_buffer", "0");
            // The kernel's default (net.ipv4.tcp_wmem's middle value, then auto-tuned) is not the fixed one.
            assertThat(sendBuffer(auto, a)).isNotEqualTo(sendBuffer(fixed, f));
        }
    }

    private static int sendBuffer(TestServer server, McbpClient c) {
        return server.connectionOf(c).channel().config().getOption(ChannelOption.SO_SNDBUF);
    }
}
