package io.kvfrontend.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Opens many authenticated connections and holds them idle: each one sends HELLO, a PLAIN login,
 * SELECT_BUCKET and one get, pipelined, and counts as ready when all four are answered. Connections
 * come from several loopback source addresses (each gives one range of ephemeral ports towards the
 * server), so that more than one range's worth of connections can be open at once.
 *
 * <p>With a server process id on this machine, it also measures the server's live heap per idle
 * connection: {@code jcmd PID GC.class_histogram} (a full collection, then the live objects) before
 * the connections open and once they are all ready, printed as bytes per connection, with the
 * classes that grew the most; and again after they are closed, to show the memory comes back.
 *
 * <p>Not thread-safe; one run per instance.
 */
final class ConnectionScale {
    private static final int HELLO = 0x1f;
    private static final int SASL_AUTH = 0x21;
    private static final int SELECT_BUCKET = 0x89;
    private static final int GET = 0x00;
    private static final int ANSWERS = 4;

    private final Target target;
    private final int count;
    private final List<InetAddress> sources;
    private final int inFlight;
    private final String user;
    private final String password;
    private final String bucket;
    private final PrintWriter out;

    private final Set<Channel> ready = ConcurrentHashMap.newKeySet();
    private final LongAdder failed = new LongAdder();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();

    ConnectionScale(
            Target target,
            int count,
            List<InetAddress> sources,
            int inFlight,
            String user,
            String password,
            String bucket,
            PrintWriter out) {
        this.target = target;
        this.count = count;
        this.sources = sources;
        this.inFlight = inFlight;
        this.user = user;
        this.password = password;
        this.bucket = bucket;
        this.out = out;
    }

    /** {@code 127.0.0.2+4} (four addresses from 127.0.0.2) or a comma-separated list. */
    static List<InetAddress> parseSources(String spec) {
        List<InetAddress> list = new ArrayList<>();
        try {
            int plus = spec.indexOf('+');
            if (plus > 0) {
                byte[] first = InetAddress.getByName(spec.substring(0, plus)).getAddress();
                int n = Integer.parseInt(spec.substring(plus + 1));
                if (first.length != 4 || n < 1 || (first[3] & 0xff) + n > 255) {
                    throw new BenchException("--sources " + spec + ": need an IPv4 address and 1.."
                            + "(255 - its last byte) addresses, e.g. 127.0.0.2+4");
                }
                for (int i = 0; i < n; i++) {
                    byte[] a = first.clone();
                    a[3] = (byte) ((first[3] & 0xff) + i);
                    list.add(InetAddress.getByAddress(a));
                }
            } else {
                for (String s : spec.split(",")) {
                    list.add(InetAddress.getByName(s.trim()));
                }
            }
        } catch (UnknownHostException | NumberFormatException e) {
            throw new BenchException("--sources " + spec + ": " + e.getMessage());
        }
        return list;
    }

    /** Opens, holds for {@code hold} (or until stdin ends when {@code hold} is null), closes. */
    int run(Duration hold, Long serverPid) throws InterruptedException {
        Histogram before = serverPid == null ? null : Histogram.of(serverPid);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
            if (epoll) {
                // The port is chosen at connect, per (source, destination): a full range per source.
                b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
            }
            Semaphore permits = new Semaphore(inFlight);
            long start = System.nanoTime();
            long lastReport = start;
            for (int i = 0; i < count; i++) {
                permits.acquire();
                Setup setup = new Setup(permits);
                b.clone()
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 24, 8, 4, 12, 0), setup);
                            }
                        })
                        .connect(
                                new InetSocketAddress(target.host(), target.port()),
                                new InetSocketAddress(sources.get(i % sources.size()), 0))
                        .addListener((ChannelFuture f) -> {
                            if (!f.isSuccess()) {
                                setup.fail(f.cause().getClass().getSimpleName() + ": "
                                        + f.cause().getMessage());
                            }
                        });
                long now = System.nanoTime();
                if (now - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                    lastReport = now;
                    out.printf(
                            Locale.ROOT, "  %,d started, %,d ready, %,d failed%n", i + 1, ready.size(), failed.sum());
                }
            }
            permits.acquire(inFlight);
            double seconds = (System.nanoTime() - start) / 1e9;
            int open = ready.size();
            out.printf(
                    Locale.ROOT,
                    "connections: %,d ready, %,d failed, of %,d in %.1f s (%,.0f/s), %d source addresses, %s%n",
                    open,
                    failed.sum(),
                    count,
                    seconds,
                    open / seconds,
                    sources.size(),
                    epoll ? "epoll" : "nio");
            failures.forEach((reason, n) -> out.printf(Locale.ROOT, "  failed: %,d x %s%n", n.get(), reason));
            if (before != null && open > 0) {
                Histogram during = Histogram.of(serverPid);
                during.minus(before).print(out, open, "server live heap with the connections open");
            }
            out.println("READY " + open);
            out.flush();
            awaitHold(hold);
            List<Channel> all = new ArrayList<>(ready);
            for (Channel ch : all) {
                ch.close();
            }
            for (Channel ch : all) {
                ch.closeFuture().syncUninterruptibly();
            }
            out.printf(Locale.ROOT, "closed %,d connections%n", all.size());
            if (before != null && open > 0) {
                // The server sees the closes as it reads them: wait (a while) until its heap is back.
                Histogram after = Histogram.of(serverPid);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (after.total - before.total > 1_000_000 && System.nanoTime() < deadline) {
                    Thread.sleep(1000); // polling another process: nothing to await on
                    after = Histogram.of(serverPid);
                }
                out.printf(
                        Locale.ROOT,
                        "server live heap after the closes: %+,d bytes against before (%,d -> %,d)%n",
                        after.total - before.total,
                        before.total,
                        after.total);
            }
            return failed.sum() == 0 ? 0 : 1;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void awaitHold(Duration hold) {
        if (hold == null) {
            try {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                while (in.readLine() != null) {
                    // until end of input
                }
            } catch (IOException e) {
                // stdin gone: stop holding
            }
        } else if (!hold.isZero()) {
            try {
                Thread.sleep(hold.toMillis()); // holding the connections is the point
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One connection's setup: the four pipelined requests and their answers. */
    private final class Setup extends ChannelInboundHandlerAdapter {
        private final Semaphore permits;
        private int answers;
        private boolean done;

        Setup(Semaphore permits) {
            this.permits = permits;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf buf = ctx.alloc().buffer(256);
            login(buf, "kv-bench-scale", user, password, bucket);
            request(buf, GET, "kv-bench-scale".getBytes(StandardCharsets.UTF_8), new byte[0], 4);
            ctx.writeAndFlush(buf);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                int opcode = frame.getUnsignedByte(1);
                int status = frame.getUnsignedShort(6);
                boolean ok = status == 0 || (opcode == GET && status == 0x01);
                if (!ok) {
                    fail(String.format(Locale.ROOT, "opcode 0x%02x answered with status 0x%02x", opcode, status));
                    ctx.close();
                } else if (++answers == ANSWERS && !done) {
                    done = true;
                    ready.add(ctx.channel());
                    permits.release();
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done) {
                fail("closed by the server after " + answers + " of " + ANSWERS + " answers");
            } else {
                ready.remove(ctx.channel());
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

    /** HELLO (XERROR, SELECT_BUCKET), a PLAIN login and SELECT_BUCKET, opaques 1 to 3. */
    static void login(ByteBuf buf, String agent, String user, String password, String bucket) {
        byte[] features = {0, 0x07, 0, 0x08}; // XERROR, SELECT_BUCKET
        request(buf, HELLO, agent.getBytes(StandardCharsets.UTF_8), features, 1);
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        byte[] plain = new byte[2 + u.length + p.length];
        System.arraycopy(u, 0, plain, 1, u.length);
        System.arraycopy(p, 0, plain, 2 + u.length, p.length);
        request(buf, SASL_AUTH, "PLAIN".getBytes(StandardCharsets.US_ASCII), plain, 2);
        request(buf, SELECT_BUCKET, bucket.getBytes(StandardCharsets.UTF_8), new byte[0], 3);
    }

    static void request(ByteBuf buf, int opcode, byte[] key, byte[] value, int opaque) {
        request(buf, opcode, key, new byte[0], value, opaque);
    }

    /** A classic-magic request frame with extras. */
    static void request(ByteBuf buf, int opcode, byte[] key, byte[] extras, byte[] value, int opaque) {
        buf.writeByte(0x80)
                .writeByte(opcode)
                .writeShort(key.length)
                .writeByte(extras.length)
                .writeByte(0)
                .writeShort(0)
                .writeInt(extras.length + key.length + value.length)
                .writeInt(opaque)
                .writeLong(0)
                .writeBytes(extras)
                .writeBytes(key)
                .writeBytes(value);
    }

    /** A {@code jcmd PID GC.class_histogram}: live bytes per class and in all. */
    static final class Histogram {
        final Map<String, long[]> classes; // name -> {instances, bytes}
        final long total;

        Histogram(Map<String, long[]> classes, long total) {
            this.classes = classes;
            this.total = total;
        }

        /**
         * Twice: the first collection finds objects whose cleanup is still pending (e.g. PLAIN's
         * PBKDF2 keys, freed by the JDK's Cleaner thread after that collection), the second counts
         * what is really live.
         */
        static Histogram of(long pid) {
            once(pid);
            return once(pid);
        }

        private static Histogram once(long pid) {
            ProcessBuilder pb = new ProcessBuilder(jcmd(), Long.toString(pid), "GC.class_histogram");
            pb.redirectErrorStream(true);
            Map<String, long[]> classes = new HashMap<>();
            long total = -1;
            try {
                Process p = pb.start();
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        String[] f = line.trim().split("\\s+");
                        if (f.length >= 4 && f[0].endsWith(":")) {
                            classes.merge(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])}, (a, c) -> {
                                a[0] += c[0];
                                a[1] += c[1];
                                return a;
                            });
                        } else if (f.length >= 3 && f[0].equals("Total")) {
                            total = Long.parseLong(f[2]);
                        }
                    }
                }
                if (p.waitFor() != 0 || total < 0) {
                    throw new BenchException("jcmd " + pid + " GC.class_histogram failed (exit " + p.exitValue()
                            + "): is " + pid + " a JVM of this user?");
                }
            } catch (IOException e) {
                throw new BenchException("cannot run jcmd: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted while running jcmd");
            }
            return new Histogram(classes, total);
        }

        private static String jcmd() {
            String home = System.getProperty("java.home");
            java.nio.file.Path p = java.nio.file.Path.of(home, "bin", "jcmd");
            return java.nio.file.Files.isExecutable(p) ? p.toString() : "jcmd";
        }

        Histogram minus(Histogram base) {
            Map<String, long[]> d = new HashMap<>();
            classes.forEach((name, v) -> {
                long[] b = base.classes.getOrDefault(name, new long[2]);
                d.put(name, new long[] {v[0] - b[0], v[1] - b[1]});
            });
            return new Histogram(d, total - base.total);
        }

        void print(PrintWriter out, int connections, String title) {
            out.printf(
                    Locale.ROOT,
                    "%s: %+,d bytes, %.0f bytes per connection%n",
                    title,
                    total,
                    (double) total / connections);
            out.printf(Locale.ROOT, "  %12s %12s  %s%n", "objects/conn", "bytes/conn", "class");
            classes.entrySet().stream()
                    .sorted((a, c) -> Long.compare(c.getValue()[1], a.getValue()[1]))
                    .limit(25)
                    .forEach(e -> out.printf(
                            Locale.ROOT,
                            "  %12.2f %12.1f  %s%n",
                            (double) e.getValue()[0] / connections,
                            (double) e.getValue()[1] / connections,
                            e.getKey()));
        }
    }
}
