package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.auth.SaslOutcome.Refusal;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.LogCapture;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every refused authentication is logged once at WARN, with mechanism, user name, remote address and
 * reason, never the password, proof or client message, and counted by reason.
 */
class AuthRefusalLogTest {
    private static final int SASL_AUTH = 0x21;
    private static final int SASL_STEP = 0x22;

    @Test
    void eachRefusalIsOneWarningAndOneCountOfItsReason() {
        try (TestServer server = TestServer.start(TestServer.withAuth()
                        .users(List.of(
                                UserConfig.admin("Administrator", "password"),
                                UserConfig.forBuckets("app", "app-pw", Set.of("default"))))
                        .build());
                LogCapture logs = new LogCapture();
                McbpClient c = server.client()) {
            var stats = server.server().context().stats();
            assertThat(c.call(Frames.request(SASL_AUTH).key("PLAIN").value("\0app\0secret-guess-1"))
                            .status())
                    .isEqualTo(Status.AUTH_ERROR.code());
            assertThat(c.call(Frames.request(SASL_AUTH).key("PLAIN").value("\0mallory\0secret-guess-2"))
                            .status())
                    .isEqualTo(Status.AUTH_ERROR.code());
            assertThat(c.call(Frames.request(SASL_AUTH).key("CRAM-MD5").value("x"))
                            .status())
                    .isEqualTo(Status.AUTH_ERROR.code());
            assertThat(c.call(Frames.request(SASL_AUTH).key("SCRAM-SHA512").value("n,,n=app,r="))
                            .status())
                    .isEqualTo(Status.EINVAL.code());
            assertThat(c.call(Frames.request(SASL_STEP).key("SCRAM-SHA512").value("c=biws,r=x,p=AAAA"))
                            .status())
                    .isEqualTo(Status.EINVAL.code());

            assertThat(stats.authFailures(Refusal.WRONG_PASSWORD)).isEqualTo(1);
            assertThat(stats.authFailures(Refusal.UNKNOWN_USER)).isEqualTo(1);
            assertThat(stats.authFailures(Refusal.UNKNOWN_MECHANISM)).isEqualTo(1);
            assertThat(stats.authFailures(Refusal.MALFORMED)).isEqualTo(1);
            assertThat(stats.authFailures(Refusal.OUT_OF_SEQUENCE)).isEqualTo(1);
            assertThat(stats.authFailures.sum()).isEqualTo(5);

            List<String> refused = logs.warningsAndErrors().stream()
                    .filter(l -> l.contains("authentication refused"))
                    .toList();
            String remote = c.socket().getLocalSocketAddress().toString();
            assertThat(refused).hasSize(5);
            assertThat(refused.get(0))
                    .contains("mechanism PLAIN, user 'app', remote " + remote)
                    .endsWith(": wrong password");
            assertThat(refused.get(1)).contains("user 'mallory'").endsWith(": unknown user");
            assertThat(refused.get(2))
                    .contains("mechanism CRAM-MD5, user (none)")
                    .contains("unknown mechanism");
            assertThat(refused.get(3)).contains("user 'app'").contains("malformed message: client nonce is empty");
            assertThat(refused.get(4)).contains("out of sequence");
            assertThat(String.join("\n", refused))
                    .doesNotContain("secret-guess")
                    .doesNotContain("c=biws")
                    .doesNotContain("AAAA");
        }
    }
}
