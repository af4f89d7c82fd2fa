package io.kvfrontend.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * Switches a kv-frontend server's output mode at runtime: {@code POST /settings/output-mode} on its
 * management port with {@code mode=spool|sync}, as an administrator.
 */
final class ModeSwitch {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Target target;
    private final String user;
    private final String password;

    ModeSwitch(Target target, String user, String password) {
        if (target.mgmtPort() < 0) {
            throw new BenchException("--switch-mode needs the management port: --target HOST:PORT,MGMT_PORT");
        }
        this.target = target;
        this.user = user;
        this.password = password;
    }

    /** Sets the mode; the answer names the old and new mode. */
    String set(String mode) {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://" + (target.host().contains(":") ? "[" + target.host() + "]" : target.host())
                                + ":" + target.mgmtPort() + "/settings/output-mode"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("mode=" + mode));
        if (user != null && !user.isEmpty()) {
            b.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404) {
                throw new BenchException(target.host() + ":" + target.mgmtPort() + " has no runtime mode switch "
                        + "(POST /settings/output-mode answered 404)");
            }
            if (r.statusCode() != 200) {
                throw new BenchException("switching " + target + " to " + mode + " failed: HTTP " + r.statusCode() + " "
                        + r.body().strip());
            }
            return r.body();
        } catch (IOException e) {
            throw new BenchException(
                    "cannot reach " + target.host() + ":" + target.mgmtPort() + " to switch modes: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }
}
