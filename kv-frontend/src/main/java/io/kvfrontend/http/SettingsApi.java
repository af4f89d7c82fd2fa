package io.kvfrontend.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * Runtime settings on the management port, for administrators:
 *
 * <ul>
 *   <li>{@code GET /settings/output-mode}: {@code {"mode":"spool"}}.</li>
 *   <li>{@code POST /settings/output-mode} with the form body {@code mode=spool|sync}: switches the
 *       mode of producers that start from now on (a producer mid-stream finishes in the mode it
 *       started with) and answers {@code {"old":"spool","new":"sync"}}. A missing or unknown mode is
 *       400 with the reason, a caller who is not an administrator 403; neither changes anything.</li>
 * </ul>
 *
 * <p><b>Thread-safe.</b>
 */
public final class SettingsApi {
    /** The server's switchable output mode, as the endpoint sees it. */
    public interface OutputModeSwitch {
        /** The current mode's configuration name ({@code spool} or {@code sync}). */
        String outputMode();

        /**
         * Makes {@code mode} current and returns the previous mode's name.
         *
         * @param origin who asked, for the log
         * @throws IllegalArgumentException if {@code mode} is not a mode
         */
        String switchOutputMode(String mode, String origin);
    }

    private final OutputModeSwitch modes;

    public SettingsApi(OutputModeSwitch modes) {
        this.modes = modes;
    }

    /** Adds {@code /settings/output-mode} (GET and POST). */
    public MgmtRouter.Builder addTo(MgmtRouter.Builder router) {
        return router.get("/settings/output-mode", MgmtRouter.Access.AUTHENTICATED, this::get)
                .post("/settings/output-mode", MgmtRouter.Access.AUTHENTICATED, this::post);
    }

    HttpAnswer get(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        return HttpAnswer.json(("{\"mode\":\"" + modes.outputMode() + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    HttpAnswer post(HttpRequestInfo request) {
        if (!request.isAdmin()) {
            return forbidden();
        }
        String mode = request.form().get("mode");
        if (mode == null) {
            return HttpAnswer.error(
                    HttpResponseStatus.BAD_REQUEST, "Missing form field mode (mode=spool or mode=sync)");
        }
        String old;
        try {
            old = modes.switchOutputMode(mode, "HTTP, user " + request.who());
        } catch (IllegalArgumentException e) {
            return HttpAnswer.error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
        return HttpAnswer.json(
                ("{\"old\":\"" + old + "\",\"new\":\"" + modes.outputMode() + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static HttpAnswer forbidden() {
        return HttpAnswer.error(HttpResponseStatus.FORBIDDEN, "Runtime settings need an administrator");
    }
}
