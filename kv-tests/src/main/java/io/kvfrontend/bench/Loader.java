package io.kvfrontend.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * {@code kv-bench load}: writes documents {@code prefix + 00000000} .. {@code prefix + (n-1)} with
 * pipelined Sets over a few connections, values of one size or uniformly between two sizes.
 *
 * <p><b>Thread-safe</b> (stateless).
 */
final class Loader {
    private static final int DEPTH = 32;

    /** Value sizes: {@code N} or {@code MIN..MAX} (bytes, with k/m suffixes). */
    record Sizes(int min, int max) {
        static Sizes parse(String s) {
            String[] parts = s.trim().split("\\.\\.", -1);
            if (parts.length > 2) {
                throw new BenchException("size '" + s + "' is not SIZE or MIN..MAX");
            }
            int min = bytes(parts[0], s);
            int max = parts.length == 2 ? bytes(parts[1], s) : min;
            if (min < 1 || max < min || max > 20 * 1024 * 1024) {
                throw new BenchException("size '" + s + "' must be 1 byte to 20 MiB, MIN <= MAX");
            }
            return new Sizes(min, max);
        }

        private static int bytes(String v, String whole) {
            String t = v.trim().toLowerCase(java.util.Locale.ROOT);
            long mult = 1;
            if (t.endsWith("k")) {
                mult = 1024;
                t = t.substring(0, t.length() - 1);
            } else if (t.endsWith("m")) {
                mult = 1024 * 1024;
                t = t.substring(0, t.length() - 1);
            }
            try {
                return (int) Math.min(Integer.MAX_VALUE, Long.parseLong(t) * mult);
            } catch (NumberFormatException e) {
                throw new BenchException("size '" + whole + "' is not SIZE or MIN..MAX");
            }
        }

        @Override
        public String toString() {
            return min == max ? min + " B" : min + ".." + max + " B";
        }
    }

    /** What a load did. */
    record Summary(long documents, long bytes, long errors, int firstErrorStatus, double seconds) {}

    private Loader() {}

    static Summary load(
            PhaseRunner.Connect connect,
            String prefix,
            int documents,
            Sizes sizes,
            int connections,
            LongConsumer progress,
            AtomicBoolean stop) {
        int conns = Math.max(1, Math.min(connections, documents));
        ExecutorService pool = Executors.newFixedThreadPool(conns);
        AtomicLong bytes = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicInteger firstError = new AtomicInteger();
        long start = System.nanoTime();
        try {
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < conns; i++) {
                    clients.add(connect.open());
                }
                List<Future<?>> parts = new ArrayList<>();
                for (int i = 0; i < conns; i++) {
                    RawClient c = clients.get(i);
                    int from = (int) ((long) documents * i / conns);
                    int to = (int) ((long) documents * (i + 1) / conns);
                    parts.add(pool.submit(() -> {
                        part(c, prefix, from, to, sizes, bytes, errors, firstError, progress, stop);
                        return null;
                    }));
                }
                for (Future<?> f : parts) {
                    Futures.get(f, Duration.ofHours(1));
                }
            } finally {
                clients.forEach(RawClient::close);
            }
        } finally {
            pool.shutdownNow();
        }
        return new Summary(documents, bytes.get(), errors.get(), firstError.get(), (System.nanoTime() - start) / 1e9);
    }

    private static void part(
            RawClient c,
            String prefix,
            int from,
            int to,
            Sizes sizes,
            AtomicLong bytes,
            AtomicLong errors,
            AtomicInteger firstError,
            LongConsumer progress,
            AtomicBoolean stop) {
        Keys keys = new Keys(prefix);
        SplittableRandom random = new SplittableRandom(from);
        byte[] value = new byte[sizes.max()];
        int inFlight = 0;
        int next = from;
        while (next < to || inFlight > 0) {
            while (inFlight < DEPTH && next < to && !stop.get()) {
                int size = sizes.min() == sizes.max() ? sizes.min() : random.nextInt(sizes.min(), sizes.max() + 1);
                Arrays.fill(value, 0, size, (byte) ('a' + next % 26));
                byte[] v = size == value.length ? value : Arrays.copyOf(value, size);
                if (c.sendRoom() < 64 + size + prefix.length()) {
                    c.flush();
                }
                c.sendSet(keys.of(next), v, next);
                bytes.addAndGet(size);
                next++;
                inFlight++;
            }
            c.flush();
            if (inFlight == 0) {
                break;
            }
            c.receive();
            if (c.status() != RawClient.SUCCESS) {
                errors.incrementAndGet();
                firstError.compareAndSet(0, c.status());
            }
            inFlight--;
            progress.accept(1);
        }
    }
}
