package io.kvfrontend.server;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the engine's background threads ({@code kv-aux-N}, daemon) and runs each at a lower OS
 * priority than the event loops: on Linux every thread has its own nice value, and each background
 * thread raises its own by {@code background-nice} as it starts ({@code setpriority(2)} on its
 * thread id, which needs no privilege). When both are runnable, the scheduler then gives the event
 * loops the CPU first, so range scans take what the loops leave instead of delaying the requests of
 * every connection: on one core, a loop competing with two scan threads at equal priority waited for
 * the CPU half of the time.
 *
 * <p>Elsewhere (no Linux {@code /proc/thread-self}, no native library) threads keep the normal
 * priority, and the start-up log says why.
 *
 * <p><b>Thread-safe.</b>
 */
public final class BackgroundThreads implements ThreadFactory {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundThreads.class);
    private static final int PRIO_PROCESS = 0;

    private final int nice;
    private final String prefix;
    private final AtomicInteger next = new AtomicInteger(1);
    private final AtomicInteger lowered = new AtomicInteger();
    private volatile String failure;

    /** The part of the C library used here. */
    interface LibC extends Library {
        int getpriority(int which, int who);

        int setpriority(int which, int who, int prio);
    }

    /** @param nice how much to raise each thread's nice value (0 = leave it) */
    public BackgroundThreads(int nice) {
        this("kv-aux-", nice);
    }

    /** Threads named {@code prefix + N}. */
    public BackgroundThreads(String prefix, int nice) {
        this.prefix = prefix;
        this.nice = nice;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread t = new Thread(
                () -> {
                    lowerOwnPriority();
                    task.run();
                },
                prefix + next.getAndIncrement());
        t.setDaemon(true);
        return t;
    }

    /** Threads whose priority was lowered so far. */
    public int lowered() {
        return lowered.get();
    }

    /** Why priorities could not be lowered, or {@code null}. */
    public String failure() {
        return failure;
    }

    private void lowerOwnPriority() {
        if (nice == 0 || failure != null) {
            return;
        }
        try {
            // "/proc/thread-self" -> "PID/task/TID": the caller's kernel thread id.
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            int tid = Integer.parseInt(self.getFileName().toString());
            LibC libc = Holder.LIBC;
            int current = libc.getpriority(PRIO_PROCESS, tid);
            int target = Math.min(19, current + nice);
            if (libc.setpriority(PRIO_PROCESS, tid, target) != 0) {
                fail("setpriority failed (errno " + Native.getLastError() + ")");
                return;
            }
            if (lowered.getAndIncrement() == 0) {
                LOG.info("{}N threads run at nice {} (background-nice {})", prefix, target, nice);
            }
        } catch (Exception | LinkageError e) {
            fail(e.toString());
        }
    }

    private void fail(String why) {
        if (failure == null) {
            failure = why;
            LOG.warn(
                    "cannot lower the priority of background threads ({}); they compete with the event loops "
                            + "at equal priority",
                    why);
        }
    }

    /** Loaded on first use only, so platforms without it fail where {@link #lowerOwnPriority} catches it. */
    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }
}
