package io.kvfrontend.it;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * Sends many requests in one write while reading the responses. The write runs on its own thread:
 * the server stops reading a connection whose responses the client does not take (backpressure),
 * so a single thread that writes megabytes before reading could wait on itself forever.
 */
final class Pipelined {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private int requests;

    Pipelined add(Frames frame) {
        bytes.writeBytes(frame.build());
        requests++;
        return this;
    }

    int requests() {
        return requests;
    }

    /** Every request added so far, back to back. */
    byte[] bytes() {
        return bytes.toByteArray();
    }

    /** Writes every request in one write and returns the next {@code expectedResponses} responses. */
    List<Response> exchange(McbpClient c, int expectedResponses) {
        List<Response> responses = new ArrayList<>(expectedResponses);
        exchange(c, expectedResponses, (i, r) -> responses.add(r));
        return responses;
    }

    /**
     * Writes every request in one write and hands each of the next {@code expectedResponses}
     * responses to {@code check} as it arrives (with its index), keeping none of them.
     */
    void exchange(McbpClient c, int expectedResponses, BiConsumer<Integer, Response> check) {
        byte[] all = bytes();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> c.sendRaw(all));
        for (int i = 0; i < expectedResponses; i++) {
            check.accept(i, c.receive());
        }
        try {
            writer.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("writing the pipeline failed", e);
        }
    }
}
