package io.kvfrontend.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A connection churn soak: at a fixed rate, a new connection sends HELLO, a PLAIN login,
 * SELECT_BUCKET, a set and a get (pipelined), waits for the five answers and closes; every
 * {@code abortEvery}-th one instead resets the connection (SO_LINGER 0) right after sending its
 * requests, as a client that dies mid-conversation. Every sample interval it prints one row of the
 * server's state: connections open, live heap (with a server pid: {@code jcmd GC.class_histogram}
 * after a full collection), Netty's direct memory, NIO direct buffers, threads and open files (from
 * {@code /metrics}). At the end, once the server has seen every close, it compares the last row
 * with the first one after warm-up and says whether each figure stayed flat.
 *
 * <p>Not thread-safe; one run per instance.
 */
final class ChurnSoak {
    private static final int SET = 0x01;
    private static final int GET = 0x00;
    private static final int ANSWERS = 5;
    private static final int KEYS = 1000;

    /** How much a figure may differ from its warm value and still count as flat. */
    private static final long HEAP_SLACK_BYTES = 4L << 20;

    private static final long DIRECT_SLACK_BYTES = 4L << 20;
    private static final int FILES_SLACK = 4;

    private final Target target;
    private final double rate;
    private final int inFlight;
    private final int abortEvery;
    private final String user;
    private final String password;
    private final String bucket;
    private final PrintWriter out;

    private final LongAdder completed = new LongAdder();
    private final LongAdder aborted = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);

    ChurnSoak(
            Target target,
            double rate,
            int inFlight,
            int abortEvery,
            String user,
            String password,
            String bucket,
            PrintWriter out) {
        this.target = target;
        this.rate = rate;
        this.inFlight = inFlight;
        this.abortEvery = abortEvery;
        this.user = user;
        this.password = password;
        this.bucket = bucket;
        this.out = out;
    }

    /** One row: what the client did in the interval and the server's state at its end. */
    record Sample(
            double seconds,
            long cycles,
            long aborts,
            long failures,
            double cyclesPerSecond,
            double p50Millis,
            double p99Millis,
            long connections,
            long liveHeap,
            long nettyDirect,
            long nioDirect,
            long threads,
            long files) {}

    /** Runs for {@code duration}, a row every {@code every}; 0 when nothing failed and all stayed flat. */
    int run(Duration duration, Duration every, Duration warmUp, Long serverPid) throws InterruptedException {
        if (target.mgmtPort() < 0) {
            throw new BenchException("churn needs the server's /metrics: give --target HOST:PORT,MGMT_PORT");
        }
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        List<Sample> rows = new ArrayList<>();
        try {
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
            out.printf(
                    Locale.ROOT,
                    "churn: %.0f connections/s for %s against %s (every %d%s resets mid-conversation), %s%n",
                    rate,
                    duration,
                    target,
                    abortEvery,
                    abortEvery == 1 ? "st" : abortEvery == 2 ? "nd" : abortEvery == 3 ? "rd" : "th",
                    epoll ? "epoll" : "nio");
            header();
            long start = System.nanoTime();
            rows.add(sample(0, start, start, new long[2], serverPid));
            print(rows.get(0));
            Semaphore permits = new Semaphore(inFlight);
            long period = (long) (1e9 / rate);
            long end = start + duration.toNanos();
            long nextSample = start + every.toNanos();
            long lastSample = start;
            long[] last = new long[2];
            for (long i = 0; ; i++) {
                long due = start + i * period;
                if (due >= end) {
                    break;
                }
                long now;
                while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                }
                if (now >= nextSample) {
                    Sample s = sample(now - start, lastSample, now, last, serverPid);
                    rows.add(s);
                    print(s);
                    lastSample = now;
                    nextSample += every.toNanos();
                }
                permits.acquire();
                launch(b, i, permits);
            }
            permits.acquire(inFlight);
            awaitServerDrained();
            long now = System.nanoTime();
            Sample s = sample(now - start, lastSample, now, last, serverPid);
            rows.add(s);
            print(s);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        failures.forEach((reason, n) -> out.printf(Locale.ROOT, "  failed: %,d x %s%n", n.get(), reason));
        boolean flat = verdict(rows, warmUp);
        out.flush();
        return failed.sum() == 0 && flat ? 0 : 1;
    }

    private void launch(Bootstrap b, long i, Semaphore permits) {
        boolean abort = abortEvery > 0 && i % abortEvery == abortEvery - 1;
        Cycle cycle = new Cycle(permits, abort, "soak-" + (i % KEYS));
        Bootstrap c = b.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 24, 8, 4, 12, 0), cycle);
            }
        });
        if (abort) {
            c.option(ChannelOption.SO_LINGER, 0);
        }
        c.connect(new InetSocketAddress(target.host(), target.port())).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                cycle.fail(
                        f.cause().getClass().getSimpleName() + ": " + f.cause().getMessage());
            }
        });
    }

    /** The server reads closes after the client sends them: wait until it has no connection left. */
    private void awaitServerDrained() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            ServerMeters m = ServerMeters.scrape(target, user, password);
            if (m.sum("kv_connections_open") == 0) {
                return;
            }
            Thread.sleep(100); // polling another process: nothing to await on
        }
        out.println("  (the server still counts open connections 30 s after the last close)");
    }

    private Sample sample(long sinceStart, long from, long to, long[] last, Long serverPid) {
        long c = completed.sum();
        long a = aborted.sum();
        long f = failed.sum();
        Histogram h = latency.getIntervalHistogram();
        double seconds = Math.max((to - from) / 1e9, 1e-9);
        double cps = sinceStart == 0 ? 0 : (c + a - last[0] - last[1]) / seconds;
        last[0] = c;
        last[1] = a;
        long heap = serverPid == null ? -1 : ConnectionScale.Histogram.of(serverPid).total;
        ServerMeters m = ServerMeters.scrape(target, user, password);
        return new Sample(
                sinceStart / 1e9,
                c,
                a,
                f,
                cps,
                h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1e6,
                h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1e6,
                (long) m.sum("kv_connections_open"),
                heap,
                (long) m.sum("netty_allocator_memory_used", l -> l.contains("memory_type=\"direct\"")),
                (long) m.sum("jvm_buffer_memory_used_bytes", l -> l.contains("id=\"direct\"")),
                (long) m.sum("jvm_threads_live_threads"),
                serverPid != null ? openFiles(serverPid) : (long) m.sum("process_files_open_files"));
    }

    /** The server's open file descriptors, counted in /proc (the meter counts the scrape's own). */
    private static long openFiles(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private void header() {
        out.printf(
                Locale.ROOT,
                "%8s %10s %8s %6s %8s %8s %8s %6s %12s %12s %12s %7s %6s%n",
                "time s",
                "cycles",
                "resets",
                "failed",
                "conn/s",
                "p50 ms",
                "p99 ms",
                "open",
                "live heap",
                "netty direct",
                "nio direct",
                "threads",
                "files");
    }

    private void print(Sample s) {
        out.printf(
                Locale.ROOT,
                "%8.0f %,10d %,8d %,6d %,8.0f %8.2f %8.2f %6d %,12d %,12d %,12d %7d %6d%n",
                s.seconds(),
                s.cycles(),
                s.aborts(),
                s.failures(),
                s.cyclesPerSecond(),
                s.p50Millis(),
                s.p99Millis(),
                s.connections(),
                s.liveHeap(),
                s.nettyDirect(),
                s.nioDirect(),
                s.threads(),
                s.files());
        out.flush();
    }

    /**
     * The last row (taken with no connection open) against the first row after {@code warmUp}: the
     * pools, caches and JIT fill up during the first minute, so the start is not the reference.
     */
    private boolean verdict(List<Sample> rows, Duration warmUp) {
        Sample end = rows.get(rows.size() - 1);
        Sample warm = rows.stream()
                .filter(r -> r.seconds() >= warmUp.toSeconds())
                .findFirst()
                .orElse(rows.get(0));
        if (warm == end) {
            warm = rows.get(0);
        }
        out.printf(
                Locale.ROOT,
                "cycles: %,d completed, %,d reset, %,d failed in %.0f s (%.0f/s)%n",
                end.cycles(),
                end.aborts(),
                end.failures(),
                end.seconds(),
                (end.cycles() + end.aborts() + end.failures()) / Math.max(end.seconds(), 1e-9));
        boolean flat = true;
        out.printf(Locale.ROOT, "end (no connection open) against %.0f s (after warm-up):%n", warm.seconds());
        if (end.liveHeap() >= 0) {
            flat &= flat("live heap", warm.liveHeap(), end.liveHeap(), HEAP_SLACK_BYTES);
        }
        flat &= flat("netty direct", warm.nettyDirect(), end.nettyDirect(), DIRECT_SLACK_BYTES);
        flat &= flat("nio direct", warm.nioDirect(), end.nioDirect(), DIRECT_SLACK_BYTES);
        flat &= flat("threads", warm.threads(), end.threads(), 0);
        flat &= flat("open files", warm.files(), end.files(), FILES_SLACK);
        out.println(flat ? "FLAT" : "GREW");
        return flat;
    }

    private boolean flat(String what, long warm, long end, long slack) {
        boolean ok = end - warm <= slack;
        out.printf(
                Locale.ROOT,
                "  %-12s %,14d -> %,14d (%+,d; %s, allowed %+,d)%n",
                what,
                warm,
                end,
                end - warm,
                ok ? "flat" : "GREW",
                slack);
        return ok;
    }

    /** One connection's cycle: five pipelined requests, their answers, a close (or a reset). */
    private final class Cycle extends ChannelInboundHandlerAdapter {
        private final Semaphore permits;
        private final boolean abort;
        private final byte[] key;
        private long started;
        private int answers;
        private boolean done;

        Cycle(Semaphore permits, boolean abort, String key) {
            this.permits = permits;
            this.abort = abort;
            this.key = key.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            started = System.nanoTime();
            ByteBuf buf = ctx.alloc().buffer(512);
            ConnectionScale.login(buf, "kv-bench-churn", user, password, bucket);
            byte[] value = new byte[64];
            java.util.Arrays.fill(value, (byte) 'v');
            ConnectionScale.request(buf, SET, key, new byte[8], value, 4);
            ConnectionScale.request(buf, GET, key, new byte[0], 5);
            if (abort) {
                ctx.writeAndFlush(buf).addListener((ChannelFuture f) -> {
                    if (!done) {
                        done = true;
                        aborted.increment();
                        permits.release();
                    }
                    f.channel().close();
                });
            } else {
                ctx.writeAndFlush(buf).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                if (done) {
                    return;
                }
                int opcode = frame.getUnsignedByte(1);
                int status = frame.getUnsignedShort(6);
                if (status != 0) {
                    fail(String.format(Locale.ROOT, "opcode 0x%02x answered with status 0x%02x", opcode, status));
                    ctx.close();
                } else if (++answers == ANSWERS) {
                    ctx.close().addListener(f -> {
                        latency.recordValue(Math.min(System.nanoTime() - started, TimeUnit.SECONDS.toNanos(60)));
                        if (!done) {
                            done = true;
                            completed.increment();
                            permits.release();
                        }
                    });
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done && answers < ANSWERS) {
                fail("closed by the server after " + answers + " of " + ANSWERS + " answers");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause.getClass().getSimpleName() + ": " + cause.getMessage());
            ctx.close();
        }

        void fail(String reason) {
            if (!done) {
                done = true;
                failed.increment();
                failures.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
                permits.release();
            }
        }
    }
}
