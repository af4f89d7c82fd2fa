package io.kvfrontend.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * What a route answers: a status and a body with its content type. Routes build answers; only
 * {@link MgmtHandler} turns them into Netty objects, so routes hold no reference-counted buffers.
 *
 * <p><b>Immutable</b> (the body array is not copied; routes hand over fresh arrays).
 *
 * @param status      HTTP status
 * @param contentType the {@code Content-Type} header
 * @param body        the body bytes
 */
public record HttpAnswer(HttpResponseStatus status, String contentType, byte[] body) {
    public static final String JSON = "application/json";

    /** A 200 with a JSON body. */
    public static HttpAnswer json(byte[] body) {
        return new HttpAnswer(HttpResponseStatus.OK, JSON, body);
    }

    /** A status with an empty body, as Couchbase Server answers a management change that worked. */
    public static HttpAnswer empty(HttpResponseStatus status) {
        return new HttpAnswer(status, JSON, new byte[0]);
    }

    /**
     * A 400 with Couchbase Server's validation body {@code {"errors":{field:message}}}, from which
     * the SDKs' managers read what was wrong.
     */
    public static HttpAnswer fieldError(String field, String message) {
        StringBuilder sb = new StringBuilder("{\"errors\":{\"");
        escape(sb, field);
        sb.append("\":\"");
        escape(sb, message);
        sb.append("\"}}");
        return new HttpAnswer(
                HttpResponseStatus.BAD_REQUEST, JSON, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void escape(StringBuilder sb, String s) {
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                sb.append('\\').append(ch);
            } else if (ch < 0x20) {
                sb.append(String.format("\\u%04x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
    }

    /** An error with a small JSON body {@code {"error": message}}. */
    public static HttpAnswer error(HttpResponseStatus status, String message) {
        StringBuilder sb = new StringBuilder("{\"error\":\"");
        escape(sb, message);
        return new HttpAnswer(status, JSON, sb.append("\"}").toString().getBytes(StandardCharsets.UTF_8));
    }
}
