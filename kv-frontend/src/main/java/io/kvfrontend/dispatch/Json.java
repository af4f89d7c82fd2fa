package io.kvfrontend.dispatch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * The one Jackson factory for document JSON. Jackson's default read constraints (strings of 20
 * million characters, numbers of 1,000 digits, names of 50,000) are lifted: documents are bounded
 * by the bucket's largest value, and the server must treat as JSON whatever kv_engine does, so a
 * 20 MiB string or a long number is still a JSON document. The streaming parser needs no stack per
 * nesting level.
 *
 * <p><b>Thread-safe</b> (the factory is; parsers are per call).
 */
final class Json {
    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxNestingDepth(Integer.MAX_VALUE)
                    .build())
            .build();

    private Json() {}
}
