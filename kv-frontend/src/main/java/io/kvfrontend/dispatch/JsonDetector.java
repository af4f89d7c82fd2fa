package io.kvfrontend.dispatch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Whether a value is one complete JSON document, so the server sets the JSON datatype itself
 * rather than trusting the client (mcbp-protocol.md 3.1).
 *
 * <p><b>Thread-safe</b> (the factory is; parsers are per call).
 */
final class JsonDetector {
    private static final JsonFactory FACTORY = Json.FACTORY;

    private JsonDetector() {}

    /**
     * Whether {@code value} holds a 0x00 byte. Jackson's parser takes a NUL as the end of input
     * (so {@code 2\0garbage} would pass as the number 2), but no JSON text contains one: outside
     * strings it is not whitespace, and inside them control characters must be escaped. Found by
     * fuzzing (SubdocFuzzTest).
     */
    static boolean hasNul(byte[] value) {
        for (byte b : value) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    static boolean isJson(byte[] value) {
        if (value.length == 0 || hasNul(value)) {
            return false;
        }
        try (JsonParser p = FACTORY.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
