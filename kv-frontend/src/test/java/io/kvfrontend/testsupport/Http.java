package io.kvfrontend.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Plain HTTP requests to a management port, for tests (java.net.http, no mocks). */
public final class Http {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private Http() {}

    /** An HTTP Basic Authorization header value. */
    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code GET path} with an optional Authorization header. */
    public static HttpResponse<String> get(int port, String path, String authorization) {
        return send(port, path, "GET", null, null, authorization);
    }

    /** {@code POST path} with a form-encoded body and an optional Authorization header. */
    public static HttpResponse<String> postForm(int port, String path, String form, String authorization) {
        return send(port, path, "POST", form, "application/x-www-form-urlencoded", authorization);
    }

    /** Any method, with an optional body of a content type and an optional Authorization header. */
    public static HttpResponse<String> send(
            int port, String path, String method, String body, String contentType, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(TIMEOUT)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
