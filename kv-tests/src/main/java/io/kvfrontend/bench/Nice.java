package io.kvfrontend.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lowers the CPU priority of the calling thread (Linux {@code setpriority} on its thread id), for
 * kv-bench's scanning clients: they are background load, and on a shared client core they should
 * not delay the neighbour whose latency is being measured.
 *
 * <p><b>Thread-safe.</b>
 */
final class Nice {
    private static final int PRIO_PROCESS = 0;

    interface LibC extends Library {
        int setpriority(int which, int who, int prio);
    }

    private Nice() {}

    /** Sets the calling thread's nice value; {@code 0} leaves it. Throws a {@link BenchException} if it cannot. */
    static void setOwn(int nice) {
        if (nice == 0) {
            return;
        }
        try {
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            int tid = Integer.parseInt(self.getFileName().toString());
            if (Holder.LIBC.setpriority(PRIO_PROCESS, tid, nice) != 0) {
                throw new BenchException(
                        "--scan-nice " + nice + ": setpriority failed (errno " + Native.getLastError() + ")");
            }
        } catch (java.io.IOException | LinkageError | NumberFormatException e) {
            throw new BenchException("--scan-nice needs Linux (thread ids in /proc and the C library): " + e);
        }
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }
}
