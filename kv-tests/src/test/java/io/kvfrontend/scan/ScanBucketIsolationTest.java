package io.kvfrontend.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.config.UserConfig;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Http;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A user limited to one bucket can neither select nor scan another, over MCBP or HTTP: a scan's id
 * is only meaningful in the bucket that made it, so another bucket's scan id, even guessed or
 * leaked, is "no such scan" and leaves that scan running for its owner.
 */
class ScanBucketIsolationTest {
    private static final int SASL_AUTH = 0x21;
    private static final int SELECT_BUCKET = 0x89;

    private static void login(McbpClient c, String user, String password, String bucket) {
        ScanWire.hello(c);
        assertThat(c.call(Frames.request(SASL_AUTH).key("PLAIN").value("\0" + user + "\0" + password))
                        .status())
                .isZero();
        assertThat(c.call(Frames.request(SELECT_BUCKET).key(bucket)).status()).isZero();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aUserOfOneBucketCanNeitherSelectNorScanAnother(OutputMode mode) throws Exception {
        BucketConfig other = new BucketConfig(
                "other", BucketConfig.DEFAULT_QUOTA_BYTES, 1, BucketConfig.DEFAULT_MAX_VALUE_BYTES, true, List.of());
        try (TestServer server = TestServer.start(ScanServers.config(mode)
                        .authEnabled(true)
                        .mgmtPort(0)
                        .buckets(List.of(ScanServers.bucket(), other))
                        .users(List.of(
                                UserConfig.admin("Administrator", "password"),
                                UserConfig.forBuckets("app", "app-pw", Set.of("default"))))
                        .build());
                McbpClient owner = server.client();
                McbpClient app = server.client()) {
            login(owner, "Administrator", "password", "other");
            for (int i = 0; i < 20; i++) {
                ScanWire.set(owner, "secret-" + i, "v" + i);
            }
            byte[] id = ScanWire.mustCreate(owner, 0, "{\"key_only\":true}");

            login(app, "app", "app-pw", "default");
            assertThat(app.call(Frames.request(SELECT_BUCKET).key("other")).status())
                    .isEqualTo(Status.EACCESS.code());
            ScanWire.Continue stolen = ScanWire.continueOnce(app, 0, id, 0, 0, 0, 77, 0);
            assertThat(stolen.items()).isEmpty();
            assertThat(stolen.status()).isEqualTo(Status.KEY_ENOENT.code());
            assertThat(app.call(ScanWire.cancel(0, id)).status()).isEqualTo(Status.KEY_ENOENT.code());
            // Still on its own bucket, whose data it may read.
            assertThat(app.call(Frames.request(0x00).key("secret-1")).status()).isEqualTo(Status.KEY_ENOENT.code());

            assertThat(ScanWire.scanKeys(owner, 0, id, 0, 0)).hasSize(20);

            String auth = Http.basic("app", "app-pw");
            int mgmt = server.server().mgmtPort();
            assertThat(Http.get(mgmt, "/pools/default/b/other", auth).statusCode())
                    .isEqualTo(403);
            assertThat(Http.get(mgmt, "/pools/default/buckets/other", auth).statusCode())
                    .isEqualTo(403);
            assertThat(Http.get(mgmt, "/pools/default/buckets", auth).body())
                    .contains("\"default\"")
                    .doesNotContain("\"other\"");
        }
    }
}
