package io.kvfrontend.http;

import static io.kvfrontend.testsupport.Http.basic;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.config.UserConfig;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.server.KvServer;
import io.kvfrontend.testsupport.Http;
import io.kvfrontend.testsupport.LogCapture;
import io.kvfrontend.testsupport.TestServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code /settings/output-mode} with authentication on: administrators read and switch the mode;
 * bad values, other users, missing credentials, other methods and other body types are refused with
 * a reason and change nothing.
 */
class SettingsEndpointTest {
    private static final String PATH = "/settings/output-mode";
    private static final String ADMIN = basic("Administrator", "password");

    private static KvServer start() throws InterruptedException {
        return KvServer.start(TestServer.withAuth()
                .mgmtPort(0)
                .users(List.of(
                        UserConfig.admin("Administrator", "password"),
                        UserConfig.forBuckets("app", "app-pw", Set.of("default"))))
                .build());
    }

    @Test
    void anAdministratorSwitchesTheModeAndGetsTheOldAndNewOne() throws Exception {
        try (KvServer server = start();
                LogCapture logs = new LogCapture()) {
            int port = server.mgmtPort();
            assertThat(Http.get(port, PATH, ADMIN).body()).isEqualTo("{\"mode\":\"spool\"}");
            HttpResponse<String> r = Http.postForm(port, PATH, "mode=sync", ADMIN);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(r.body()).isEqualTo("{\"old\":\"spool\",\"new\":\"sync\"}");
            assertThat(server.context().outputMetrics().mode()).isEqualTo(OutputMode.SYNC);
            assertThat(server.context().outputStats()).containsEntry("output_mode", "sync");
            assertThat(Http.get(port, PATH, ADMIN).body()).isEqualTo("{\"mode\":\"sync\"}");
            // Case-insensitive, like the configuration; switching to the current mode is a no-op answer.
            assertThat(Http.postForm(port, PATH, "mode=SPOOL", ADMIN).body())
                    .isEqualTo("{\"old\":\"sync\",\"new\":\"spool\"}");
            assertThat(Http.postForm(port, PATH, "mode=spool", ADMIN).body())
                    .isEqualTo("{\"old\":\"spool\",\"new\":\"spool\"}");
            assertThat(logs.messages())
                    .anyMatch(m ->
                            m.contains("output mode switched from spool to sync") && m.contains("user Administrator"));
        }
    }

    @Test
    void refusalsSayWhyAndChangeNothing() throws Exception {
        try (KvServer server = start()) {
            int port = server.mgmtPort();
            HttpResponse<String> bad = Http.postForm(port, PATH, "mode=fast", ADMIN);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("spool, sync").contains("fast");
            HttpResponse<String> missing = Http.postForm(port, PATH, "other=1", ADMIN);
            assertThat(missing.statusCode()).isEqualTo(400);
            assertThat(missing.body()).contains("mode=spool or mode=sync");
            assertThat(Http.postForm(port, PATH, "", ADMIN).statusCode()).isEqualTo(400);

            HttpResponse<String> app = Http.postForm(port, PATH, "mode=sync", basic("app", "app-pw"));
            assertThat(app.statusCode()).isEqualTo(403);
            assertThat(app.body()).contains("administrator");
            assertThat(Http.get(port, PATH, basic("app", "app-pw")).statusCode())
                    .isEqualTo(403);
            assertThat(Http.postForm(port, PATH, "mode=sync", null).statusCode())
                    .isEqualTo(401);
            assertThat(Http.postForm(port, PATH, "mode=sync", basic("Administrator", "nope"))
                            .statusCode())
                    .isEqualTo(401);

            HttpResponse<String> put =
                    Http.send(port, PATH, "PUT", "mode=sync", "application/x-www-form-urlencoded", ADMIN);
            assertThat(put.statusCode()).isEqualTo(405);
            assertThat(put.headers().firstValue("Allow")).hasValue("GET, POST");
            HttpResponse<String> json = Http.send(port, PATH, "POST", "{\"mode\":\"sync\"}", "application/json", ADMIN);
            assertThat(json.statusCode()).isEqualTo(415);
            assertThat(json.body()).contains("application/x-www-form-urlencoded");
            // GET-only routes say so too.
            HttpResponse<String> postMetrics = Http.postForm(port, "/metrics", "a=b", ADMIN);
            assertThat(postMetrics.statusCode()).isEqualTo(405);
            assertThat(postMetrics.headers().firstValue("Allow")).hasValue("GET");

            assertThat(server.context().outputMetrics().mode()).isEqualTo(OutputMode.SPOOL);
            assertThat(Http.get(port, PATH, ADMIN).body()).isEqualTo("{\"mode\":\"spool\"}");
        }
    }
}
