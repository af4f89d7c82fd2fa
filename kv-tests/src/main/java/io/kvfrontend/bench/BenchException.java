package io.kvfrontend.bench;

/**
 * A problem the user can fix (unreachable target, wrong credentials, missing bucket, a server that
 * does not speak MCBP, a bad workload): kv-bench prints its message on one line and exits with 2.
 */
public final class BenchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BenchException(String message) {
        super(message, null, false, false);
    }
}
