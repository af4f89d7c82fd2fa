package io.kvfrontend.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Response;
import io.kvfrontend.testsupport.StreamCommand;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Client-side check of frames written by {@link StreamCommand} producers: every frame is whole,
 * carries the stream's opcode and opaque, and each producer's sequence arrives 0, 1, 2, ... with no
 * gap, duplicate or reordering.
 */
final class StreamFrames {
    private final int opaque;
    private final int valueSize;
    private final Map<Integer, Integer> nextSeq = new HashMap<>();
    private long frames;

    StreamFrames(int opaque, int valueSize) {
        this.opaque = opaque;
        this.valueSize = valueSize;
    }

    /** Checks one data frame of this stream. */
    void accept(Response r) {
        assertThat(r.opaque()).isEqualTo(opaque);
        assertThat(r.opcode()).isEqualTo(StreamCommand.OPCODE.code());
        assertThat(r.status()).isZero();
        assertThat(r.value()).hasSize(valueSize);
        ByteBuffer v = ByteBuffer.wrap(r.value());
        int producer = v.getInt();
        int seq = v.getInt();
        int expected = nextSeq.getOrDefault(producer, 0);
        assertThat(seq)
                .as(
                        "sequence of producer %d on opaque %d after %d frames of this stream (frame %s)",
                        producer, opaque, frames, r)
                .isEqualTo(expected);
        nextSeq.put(producer, seq + 1);
        frames++;
    }

    /** Whether {@code r} is this stream's final response ("done:N"). */
    boolean isFinal(Response r) {
        return r.opaque() == opaque && r.valueString().startsWith("done:");
    }

    long frames() {
        return frames;
    }

    /** Asserts every producer delivered exactly {@code perProducer} frames. */
    void assertComplete(int producers, int perProducer) {
        assertThat(nextSeq).hasSize(producers);
        assertThat(nextSeq.values()).allMatch(n -> n == perProducer);
        assertThat(frames).isEqualTo((long) producers * perProducer);
    }
}
