package io.kvfrontend.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests the management endpoint answered, by status. The statuses are a fixed, bounded set
 * (whatever the endpoint can answer), so they are fine as a meter tag (conventions.md, "Metrics").
 *
 * <p><b>Thread-safe</b> (adders; any event loop counts).
 */
public final class HttpStats {
    /** Every status the endpoint answers; anything else is counted as 500. */
    static final int[] STATUSES = {200, 400, 401, 403, 404, 405, 500};

    private final LongAdder[] counts = new LongAdder[STATUSES.length];

    public HttpStats() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void count(int status) {
        counts[index(status)].increment();
    }

    private static int index(int status) {
        for (int i = 0; i < STATUSES.length; i++) {
            if (STATUSES[i] == status) {
                return i;
            }
        }
        return index(500);
    }

    /** Requests answered with {@code status}. */
    public long requests(int status) {
        return counts[index(status)].sum();
    }

    /** Every request answered, whatever its status. */
    public long requests() {
        long n = 0;
        for (LongAdder a : counts) {
            n += a.sum();
        }
        return n;
    }

    /** Non-zero counts by status, in status order. */
    public Map<Integer, Long> snapshot() {
        Map<Integer, Long> m = new TreeMap<>();
        for (int i = 0; i < STATUSES.length; i++) {
            long n = counts[i].sum();
            if (n > 0) {
                m.put(STATUSES[i], n);
            }
        }
        return m;
    }

    /** {@code kv.http.requests}, tagged by status. */
    public void bindTo(MeterRegistry registry) {
        for (int i = 0; i < STATUSES.length; i++) {
            LongAdder a = counts[i];
            FunctionCounter.builder("kv.http.requests", a, LongAdder::sum)
                    .tag("status", Integer.toString(STATUSES[i]))
                    .description("requests the management HTTP endpoint answered")
                    .register(registry);
        }
    }
}
