package io.kvfrontend.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a listening channel: failed accepts (out of file descriptors, most often)
 * are counted and reported in one WARN line per interval, instead of Netty's default of a warning
 * with a stack trace per failed attempt, which floods the log exactly when the server is in trouble.
 *
 * <p>It sits after Netty's acceptor, which has already paused accepting for a second so that the
 * loop does not spin on a listening socket it cannot serve; nothing is left to do but report.
 *
 * <p><b>Thread-safe</b>: shared by the listeners; the counters are atomics.
 */
@ChannelHandler.Sharable
final class AcceptFailures extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(AcceptFailures.class);

    private final LongAdder failures;
    private final BooleanSupplier mayLog;
    private final AtomicLong unreported = new AtomicLong();

    /**
     * @param failures counts every failed accept (the {@code kv.connections.accept.failures} meter)
     * @param mayLog   whether a line may be logged now (the server's shared rate limit)
     */
    AcceptFailures(LongAdder failures, BooleanSupplier mayLog) {
        this.failures = failures;
        this.mayLog = mayLog;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failures.increment();
        if (!mayLog.getAsBoolean()) {
            unreported.incrementAndGet();
            return;
        }
        long before = unreported.getAndSet(0);
        String message = String.valueOf(cause.getMessage());
        LOG.warn(
                "cannot accept connections on {}: {}{}{}",
                ctx.channel().localAddress(),
                message,
                before > 0 ? " (" + before + " more failed accepts since the last report)" : "",
                message.contains("Too many open files")
                        ? "; the process is at its open-file limit: raise it (ulimit -n, the container's "
                                + "nofile limit) or lower max-connections"
                        : "");
    }
}
