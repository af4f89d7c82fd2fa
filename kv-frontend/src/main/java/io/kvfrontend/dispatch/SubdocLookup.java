package io.kvfrontend.dispatch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kvfrontend.engine.spi.Status;
import java.io.IOException;
import java.util.Arrays;

/**
 * Finds a path in a JSON document with Jackson's streaming parser, without building a tree: the
 * answer is the exact bytes of the value as stored (kv_engine returns the stored text, spacing and
 * number spelling included), found by the parser's byte offsets.
 *
 * <p><b>Immutable</b> (static methods; a parser per call).
 */
final class SubdocLookup {
    /** Deepest nesting a document may have (kv_engine's limit). */
    static final int MAX_DEPTH = 32;

    private static final JsonFactory JSON = Json.FACTORY;

    private SubdocLookup() {}

    /**
     * Where a path led: a status, and for a success the value's bytes {@code [start, end)} and its
     * first token.
     */
    record Found(Status status, int start, int end, JsonToken token) {
        static Found failure(Status s) {
            return new Found(s, 0, 0, null);
        }

        boolean ok() {
            return status == Status.SUCCESS;
        }
    }

    /**
     * Success if {@code doc} is exactly one JSON value nested at most {@link #MAX_DEPTH} deep;
     * DocE2deep if deeper; DocNotJson otherwise.
     */
    static Status checkDocument(byte[] doc) {
        if (JsonDetector.hasNul(doc)) {
            return Status.SUBDOC_DOC_NOT_JSON;
        }
        try (JsonParser p = JSON.createParser(doc)) {
            int depth = 0;
            int roots = 0;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (depth == 0 && ++roots > 1) {
                    return Status.SUBDOC_DOC_NOT_JSON; // a second value after the document
                }
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    if (++depth > MAX_DEPTH) {
                        return Status.SUBDOC_DOC_E2DEEP;
                    }
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
            return roots == 1 ? Status.SUCCESS : Status.SUBDOC_DOC_NOT_JSON; // none: empty
        } catch (IOException e) {
            return Status.SUBDOC_DOC_NOT_JSON;
        }
    }

    /** Resolves {@code path} in {@code doc} (a JSON document within the depth limit). */
    static Found find(byte[] doc, SubdocPath path) {
        try {
            while (true) {
                Object r = findOnce(doc, path);
                if (r instanceof Found f) {
                    return f;
                }
                // [-1] at component k of an array of n elements: look again with [n - 1].
                int[] last = (int[]) r;
                if (last[1] == 0) {
                    return Found.failure(Status.SUBDOC_PATH_ENOENT);
                }
                path = path.withIndex(last[0], last[1] - 1);
            }
        } catch (IOException e) {
            return Found.failure(Status.SUBDOC_DOC_NOT_JSON);
        }
    }

    /** A {@link Found}, or {@code int[] {component, arraySize}} when a {@code [-1]} needs the size. */
    private static Object findOnce(byte[] doc, SubdocPath path) throws IOException {
        try (JsonParser p = JSON.createParser(doc)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return Found.failure(Status.SUBDOC_DOC_NOT_JSON);
            }
            int k = 0;
            for (SubdocPath.Component c : path.components()) {
                if (c.isIndex()) {
                    if (t != JsonToken.START_ARRAY) {
                        return Found.failure(Status.SUBDOC_PATH_MISMATCH);
                    }
                    int want = c.index();
                    int seen = 0;
                    while (true) {
                        t = p.nextToken();
                        if (t == JsonToken.END_ARRAY) {
                            return want < 0 ? new int[] {k, seen} : Found.failure(Status.SUBDOC_PATH_ENOENT);
                        }
                        if (seen == want) {
                            break;
                        }
                        p.skipChildren();
                        seen++;
                    }
                } else {
                    if (t != JsonToken.START_OBJECT) {
                        return Found.failure(Status.SUBDOC_PATH_MISMATCH);
                    }
                    while (true) {
                        t = p.nextToken();
                        if (t == JsonToken.END_OBJECT) {
                            return Found.failure(Status.SUBDOC_PATH_ENOENT);
                        }
                        String name = p.currentName();
                        t = p.nextToken();
                        if (c.key().equals(name)) {
                            break;
                        }
                        p.skipChildren();
                    }
                }
                k++;
            }
            int start = (int) p.currentTokenLocation().getByteOffset();
            if (start < 0) {
                return Found.failure(Status.SUBDOC_DOC_NOT_JSON); // the parser lost its place: not a document
            }
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                p.skipChildren();
            } else {
                p.finishToken(); // strings are read lazily: read to the closing quote
            }
            int end = (int) p.currentLocation().getByteOffset();
            return new Found(Status.SUCCESS, start, end, t);
        }
    }

    /** The bytes a {@link Found} names, trimmed of whitespace the parser may have passed. */
    static byte[] bytes(byte[] doc, Found f) {
        int s = f.start();
        int e = f.end();
        while (e > s && Character.isWhitespace(doc[e - 1])) {
            e--;
        }
        return Arrays.copyOfRange(doc, s, e);
    }

    /** Members of the object or elements of the array at {@code f}; -1 if it is neither. */
    static int count(byte[] doc, Found f) throws IOException {
        if (f.token() != JsonToken.START_OBJECT && f.token() != JsonToken.START_ARRAY) {
            return -1;
        }
        try (JsonParser p = JSON.createParser(doc, f.start(), f.end() - f.start())) {
            p.nextToken();
            int n = 0;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY) {
                if (t == JsonToken.FIELD_NAME) {
                    t = p.nextToken();
                }
                p.skipChildren();
                n++;
            }
            return n;
        }
    }
}
