package io.kvfrontend.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code GET /metrics}: the Prometheus scrape of the server's meter registry, in the Prometheus
 * text format (0.0.4), or OpenMetrics 1.0 when the {@code Accept} header asks for
 * {@code application/openmetrics-text} (as Prometheus itself does).
 *
 * <p>Access follows {@code metrics-auth}: on (the default, when authentication is on), the caller
 * needs HTTP Basic credentials of a user who may see every bucket, since the series name every
 * bucket, and bucket names are not shown to users without access elsewhere either (403 otherwise);
 * off, the route is public.
 *
 * <p>A server whose registry is not (and does not contain) a {@link PrometheusMeterRegistry}, as
 * when a test passes a {@code SimpleMeterRegistry}, answers 404 with a message saying so.
 *
 * <p><b>Thread-safe.</b> A scrape runs on the HTTP connection's event loop: it reads every meter
 * once and renders text (a few hundred series here; well under a millisecond), without locks held
 * against the MCBP path.
 */
public final class MetricsApi {
    static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry prometheus;
    private final boolean authenticated;

    /**
     * @param registry      the server's registry (a Prometheus one, or a composite holding one)
     * @param authenticated whether {@code /metrics} asks for credentials
     */
    public MetricsApi(MeterRegistry registry, boolean authenticated) {
        this.prometheus = prometheus(registry);
        this.authenticated = authenticated;
    }

    /** Adds {@code /metrics}. */
    public MgmtRouter.Builder addTo(MgmtRouter.Builder router) {
        return router.get(
                "/metrics", authenticated ? MgmtRouter.Access.AUTHENTICATED : MgmtRouter.Access.PUBLIC, this::metrics);
    }

    HttpAnswer metrics(HttpRequestInfo request) {
        if (prometheus == null) {
            return HttpAnswer.error(
                    HttpResponseStatus.NOT_FOUND,
                    "Metrics are not exported: this server's meter registry is not a Prometheus registry");
        }
        if (authenticated && !request.mayUseAllBuckets()) {
            return HttpAnswer.error(HttpResponseStatus.FORBIDDEN, "Metrics need a user with access to every bucket");
        }
        String type = request.accept() != null && request.accept().contains("application/openmetrics-text")
                ? OPENMETRICS
                : TEXT;
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            // The writer is chosen from this exact type, not the client's header, so the answer's
            // Content-Type is always the format written.
            prometheus.scrape(out, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new HttpAnswer(HttpResponseStatus.OK, type, out.toByteArray());
    }

    /** The registry, or the first Prometheus registry of a composite, or {@code null}. */
    static PrometheusMeterRegistry prometheus(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry p) {
            return p;
        }
        if (registry instanceof CompositeMeterRegistry c) {
            for (MeterRegistry r : c.getRegistries()) {
                PrometheusMeterRegistry p = prometheus(r);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }
}
