package io.kvfrontend.connection;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the I/O handlers of the MCBP event loops (epoll or NIO, wrapped) so that each turn of a
 * loop is: poll and handle ready I/O (reads first), then one output phase of its
 * {@link OutputScheduler} (a bounded slice of background output per connection), then Netty runs
 * the queued tasks. It also times every turn ({@link LoopMetrics}).
 *
 * <p>Why here and not in tasks: Netty runs every task queued while it runs tasks in the same go (for
 * up to a second), so output that reschedules itself as a task starves the I/O poll, and with it
 * every other connection's requests. An output phase that follows each poll cannot. The wrapped
 * handler tells the poll not to block while the ring has connections waiting.
 *
 * <p><b>Thread-safe</b>: handlers are created by the loops' constructors; each handler is confined
 * to its loop.
 */
public final class EventLoopTurns implements IoHandlerFactory {
    private final IoHandlerFactory delegate;
    private final OutputMetrics outputMetrics;
    private final int quantum;
    private final Map<EventExecutor, OutputScheduler> schedulers = new ConcurrentHashMap<>();
    private final List<LoopMetrics> loops = new ArrayList<>();

    /** @param quantum background output bytes per loop turn ({@code output-quantum}) */
    public EventLoopTurns(IoHandlerFactory delegate, OutputMetrics outputMetrics, int quantum) {
        this.delegate = delegate;
        this.outputMetrics = outputMetrics;
        this.quantum = quantum;
    }

    @Override
    public IoHandler newHandler(ThreadAwareExecutor executor) {
        LoopMetrics metrics;
        synchronized (loops) {
            metrics = new LoopMetrics(loops.size());
            loops.add(metrics);
        }
        OutputScheduler scheduler = new OutputScheduler((EventExecutor) executor, true, outputMetrics, quantum);
        schedulers.put((EventExecutor) executor, scheduler);
        return new TurnHandler(delegate.newHandler(executor), scheduler, metrics);
    }

    @Override
    public boolean isChangingThreadSupported() {
        return delegate.isChangingThreadSupported();
    }

    /** The output scheduler this factory made for {@code loop}, or {@code null} for another loop. */
    public OutputScheduler schedulerOf(EventExecutor loop) {
        return schedulers.get(loop);
    }

    /** Registers every loop's meters (after the loop group is built). */
    public void bindTo(MeterRegistry registry) {
        synchronized (loops) {
            loops.forEach(l -> l.bindTo(registry));
        }
    }

    /** Turns run by all loops so far. */
    public long turns() {
        synchronized (loops) {
            return loops.stream().mapToLong(LoopMetrics::turns).sum();
        }
    }

    /** Time all loops spent busy (I/O, output, tasks), in nanoseconds. */
    public long busyNanos() {
        synchronized (loops) {
            return loops.stream().mapToLong(LoopMetrics::busyNanos).sum();
        }
    }

    /** One loop's I/O handler: the real one, then the output phase; every turn timed. */
    private static final class TurnHandler implements IoHandler {
        private final IoHandler delegate;
        private final OutputScheduler output;
        private final LoopMetrics metrics;
        private final Context context = new Context();
        /** When the last output phase ended (the task phase began); -1 before the first turn. */
        private long taskPhaseStart = -1;

        private long lastIo;
        private long lastOutput;

        TurnHandler(IoHandler delegate, OutputScheduler output, LoopMetrics metrics) {
            this.delegate = delegate;
            this.output = output;
            this.metrics = metrics;
        }

        @Override
        public void initialize() {
            delegate.initialize();
        }

        @Override
        public int run(IoHandlerContext loopContext) {
            if (taskPhaseStart >= 0) {
                metrics.turn(lastIo, lastOutput, System.nanoTime() - taskPhaseStart);
            }
            context.outer = loopContext;
            context.activeIo = 0;
            int handled = delegate.run(context);
            long outputNanos = 0;
            long end;
            if (output.hasWork()) {
                long start = System.nanoTime();
                output.runTurn();
                end = System.nanoTime();
                outputNanos = end - start;
            } else {
                end = System.nanoTime();
            }
            lastIo = context.activeIo;
            lastOutput = outputNanos;
            taskPhaseStart = end;
            return handled;
        }

        @Override
        public void prepareToDestroy() {
            delegate.prepareToDestroy();
        }

        @Override
        public void destroy() {
            delegate.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return delegate.register(handle);
        }

        @Override
        public void wakeup() {
            delegate.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return delegate.isCompatible(handleType);
        }

        /** The loop's context, except: no blocking while output waits, and active I/O time kept. */
        private final class Context implements IoHandlerContext {
            IoHandlerContext outer;
            long activeIo;

            @Override
            public boolean canBlock() {
                return outer.canBlock() && !output.hasWork();
            }

            @Override
            public long delayNanos(long currentTimeNanos) {
                return outer.delayNanos(currentTimeNanos);
            }

            @Override
            public long deadlineNanos() {
                return outer.deadlineNanos();
            }

            @Override
            public void reportActiveIoTime(long activeNanos) {
                activeIo = activeNanos;
                if (outer.shouldReportActiveIoTime()) {
                    outer.reportActiveIoTime(activeNanos);
                }
            }

            @Override
            public boolean shouldReportActiveIoTime() {
                return true;
            }
        }
    }
}
