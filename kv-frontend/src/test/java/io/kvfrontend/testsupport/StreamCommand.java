package io.kvfrontend.testsupport;

import io.kvfrontend.dispatch.Command;
import io.kvfrontend.dispatch.CommandSpec;
import io.kvfrontend.engine.spi.Cookie;
import io.kvfrontend.engine.spi.CookieOutput;
import io.kvfrontend.engine.spi.CookieOutput.WriteResult;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.OutputFrame;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Opcode;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A would-block command for testing and measuring {@code CookieOutput}, written the way engine code
 * must be: the executor hands the cookie to background producers and returns "would block"; each
 * producer writes its frames only through {@link Cookie#output()}, checks for capacity before each
 * write and yields its thread when there is none (resuming from {@link CookieOutput#onCapacity}),
 * stops when the output is closed, and the last
 * one to finish calls {@link Cookie#notifyIoComplete} once. Resumed, the command answers
 * {@code "done"}.
 *
 * <p>Request: opcode {@link #OPCODE}, extras 12 bytes = producers u32, frames per producer u32,
 * value size u32 (at least 8). Each frame's value starts with producer u32, sequence u32.
 *
 * <p><b>Thread-safe.</b>
 */
public final class StreamCommand implements AutoCloseable {
    /** The opcode this test command takes over (Observe, which the server does not implement). */
    public static final Opcode OPCODE = Opcode.OBSERVE;

    private final ExecutorService pool;
    public final AtomicLong framesWritten = new AtomicLong();
    public final AtomicLong pauses = new AtomicLong();
    public final AtomicInteger producersStarted = new AtomicInteger();
    public final AtomicInteger producersFinished = new AtomicInteger();
    public final AtomicInteger producersSawClose = new AtomicInteger();
    public final AtomicInteger producersRunning = new AtomicInteger();

    public StreamCommand(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "test-producer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        pool = Executors.newFixedThreadPool(threads, tf);
    }

    public CommandSpec spec() {
        return CommandSpec.of(OPCODE, this::execute).extras(12).build();
    }

    /** The request frame for a stream. */
    public static Frames request(int opaque, int producers, int frames, int valueSize) {
        return Frames.request(OPCODE.code())
                .opaque(opaque)
                .extras(ByteBuffer.allocate(12)
                        .putInt(producers)
                        .putInt(frames)
                        .putInt(valueSize)
                        .array());
    }

    /** Starts producers writing through {@code output} without a command (for free-standing use). */
    public void startProducers(Cookie cookie, int producers, int frames, int valueSize) {
        Finisher finisher = new Finisher(cookie, producers);
        for (int p = 0; p < producers; p++) {
            producersStarted.incrementAndGet();
            pool.execute(new Producer(cookie.output(), p, frames, valueSize, finisher));
        }
    }

    private void execute(Command c) {
        if (c.isResumed()) {
            c.respondValue(("done:" + c.cookie().engineStorage()).getBytes(StandardCharsets.US_ASCII), Datatype.RAW);
            return;
        }
        ByteBuf ex = c.request().extras();
        int producers = ex.getInt(0);
        int frames = ex.getInt(4);
        int valueSize = Math.max(8, ex.getInt(8));
        startProducers(c.cookie(), producers, frames, valueSize);
        c.wouldBlock();
    }

    /** Counts producers down; the last one ends the would-block. */
    private final class Finisher {
        private final Cookie cookie;
        private final AtomicInteger remaining;
        private final AtomicLong total = new AtomicLong();

        Finisher(Cookie cookie, int producers) {
            this.cookie = cookie;
            this.remaining = new AtomicInteger(producers);
        }

        void producerDone(long written) {
            producersFinished.incrementAndGet();
            total.addAndGet(written);
            if (remaining.decrementAndGet() == 0) {
                cookie.engineStorage(total.get());
                cookie.notifyIoComplete(Status.SUCCESS);
            }
        }
    }

    private final class Producer implements Runnable {
        private final CookieOutput out;
        private final int id;
        private final int frames;
        private final int valueSize;
        private final Finisher finisher;
        private int seq;

        Producer(CookieOutput out, int id, int frames, int valueSize, Finisher finisher) {
            this.out = out;
            this.id = id;
            this.frames = frames;
            this.valueSize = valueSize;
            this.finisher = finisher;
        }

        /** Yields the thread; runs again when the output has room (or closed), and checks again. */
        private void pauseUntilCapacity() {
            pauses.incrementAndGet();
            out.onCapacity(() -> pool.execute(this));
        }

        @Override
        public void run() {
            producersRunning.incrementAndGet();
            try {
                while (seq < frames) {
                    if (!out.hasCapacity() && !out.isClosed()) {
                        pauseUntilCapacity();
                        return;
                    }
                    byte[] value = new byte[valueSize];
                    ByteBuffer.wrap(value).putInt(id).putInt(seq);
                    WriteResult r = out.write(new OutputFrame(Status.SUCCESS, Datatype.RAW, 0, null, null, value));
                    if (r == WriteResult.CLOSED) {
                        producersSawClose.incrementAndGet();
                        finisher.producerDone(seq);
                        return;
                    }
                    seq++;
                    framesWritten.incrementAndGet();
                    if (r == WriteResult.PAUSE && seq < frames) {
                        pauseUntilCapacity();
                        return;
                    }
                }
                finisher.producerDone(seq);
            } finally {
                producersRunning.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
