package io.kvfrontend.dispatch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.kvfrontend.engine.spi.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sub-document mutations of one JSON text, as byte splices: the parser (Jackson's streaming
 * parser) finds where a path leads, and the new document is the old one with one range replaced,
 * so every byte the mutation does not touch stays as it was (kv_engine's subjson works the same
 * way). New members and elements are written without spaces: {@code ,"key":value}.
 *
 * <p><b>Immutable</b> (static methods; a parser per call). The document passed in is valid JSON
 * within the depth limit ({@link SubdocLookup#checkDocument}).
 */
final class SubdocJson {
    private static final JsonFactory JSON = Json.FACTORY;

    private SubdocJson() {}

    /** A mutation's outcome: the new document, or a failure status; {@code value} for Counter. */
    record Outcome(Status status, byte[] doc, byte[] value) {
        static Outcome failure(Status s) {
            return new Outcome(s, null, null);
        }

        static Outcome of(byte[] doc) {
            return new Outcome(Status.SUCCESS, doc, null);
        }

        boolean ok() {
            return status == Status.SUCCESS;
        }
    }

    /** One member of an object or element of an array, by byte offsets into the document. */
    private record Child(String name, int start, int valueStart, int valueEnd, JsonToken token) {}

    /** A container found at a path: its kind, its children and the offset of its closing bracket. */
    private record Container(boolean object, int open, int close, List<Child> children) {}

    // ------------------------------------------------------------------ values

    /**
     * The nesting depth of a value to insert: 0 for a scalar, 1 for {@code []}, ...; -1 if it is not
     * exactly one JSON value ({@code multi}: one or more, comma-separated, as the array operations
     * take).
     */
    static int valueDepth(byte[] value, boolean multi) {
        if (JsonDetector.hasNul(value)) {
            return -1; // Jackson would stop at the NUL (found by SubdocFuzzTest)
        }
        byte[] text = value;
        if (multi) {
            text = new byte[value.length + 2];
            text[0] = '[';
            System.arraycopy(value, 0, text, 1, value.length);
            text[text.length - 1] = ']';
        }
        try (JsonParser p = JSON.createParser(text)) {
            int depth = 0;
            int max = 0;
            int values = 0;
            int elements = 0;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (depth == 0) {
                    if (values++ > 0) {
                        return -1; // a second value after the first
                    }
                } else if (depth == 1 && t != JsonToken.END_ARRAY && t != JsonToken.END_OBJECT) {
                    elements++;
                }
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    max = Math.max(max, ++depth);
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
            if (values != 1) {
                return -1;
            }
            if (multi && elements == 0) {
                return -1; // no value at all, only whitespace (found by SubdocFuzzTest)
            }
            return multi ? max - 1 : max;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether {@code value} is one JSON scalar (not an object or array). */
    static boolean isScalar(byte[] value) {
        return valueDepth(value, false) == 0;
    }

    // ------------------------------------------------------------------ locating

    private static Container container(byte[] doc, SubdocLookup.Found f) throws IOException {
        boolean object = f.token() == JsonToken.START_OBJECT;
        List<Child> children = new ArrayList<>();
        int base = f.start();
        try (JsonParser p = JSON.createParser(doc, base, f.end() - base)) {
            p.nextToken();
            while (true) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    int close = base + (int) p.currentTokenLocation().getByteOffset();
                    return new Container(object, base, close, children);
                }
                String name = null;
                int start = base + (int) p.currentTokenLocation().getByteOffset();
                if (t == JsonToken.FIELD_NAME) {
                    name = p.currentName();
                    t = p.nextToken();
                }
                int valueStart = base + (int) p.currentTokenLocation().getByteOffset();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    p.skipChildren();
                } else {
                    p.finishToken();
                }
                int valueEnd = base + (int) p.currentLocation().getByteOffset();
                while (valueEnd > valueStart && Character.isWhitespace(doc[valueEnd - 1])) {
                    valueEnd--;
                }
                children.add(new Child(name, object ? start : valueStart, valueStart, valueEnd, t));
            }
        }
    }

    private static SubdocPath prefix(SubdocPath path, int n) {
        return new SubdocPath(path.components().subList(0, n));
    }

    private static SubdocPath.Component last(SubdocPath path) {
        return path.components().get(path.components().size() - 1);
    }

    private static byte[] splice(byte[] doc, int from, int to, byte[]... insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(doc.length + 64);
        out.write(doc, 0, from);
        for (byte[] b : insert) {
            out.writeBytes(b);
        }
        out.write(doc, to, doc.length - to);
        return out.toByteArray();
    }

    private static byte[] quoted(String key) {
        byte[] q = JsonStringEncoder.getInstance().quoteAsUTF8(key);
        byte[] out = new byte[q.length + 3];
        out[0] = '"';
        System.arraycopy(q, 0, out, 1, q.length);
        out[q.length + 1] = '"';
        out[q.length + 2] = ':';
        return out;
    }

    private static final byte[] COMMA = {','};

    /** {@code {"k1":{"k2":...value}}} for the keys of {@code comps[from..]} (all keys); null if one is an index. */
    private static byte[] nest(List<SubdocPath.Component> comps, int from, byte[] value) {
        byte[] v = value;
        for (int i = comps.size() - 1; i > from; i--) {
            SubdocPath.Component c = comps.get(i);
            if (c.isIndex()) {
                return null;
            }
            byte[] k = quoted(c.key());
            byte[] next = new byte[k.length + v.length + 2];
            next[0] = '{';
            System.arraycopy(k, 0, next, 1, k.length);
            System.arraycopy(v, 0, next, 1 + k.length, v.length);
            next[next.length - 1] = '}';
            v = next;
        }
        return comps.get(from).isIndex() ? null : v;
    }

    // ------------------------------------------------------------------ dictionary and replace

    enum SetMode {
        /** DictAdd: the path must not exist. */
        ADD,
        /** DictUpsert: add or replace. */
        UPSERT,
        /** Replace: the path must exist. */
        REPLACE
    }

    /**
     * Sets the value at {@code path}: DictAdd, DictUpsert, Replace (and a Counter's creation).
     * {@code mkdirP} creates missing parent dictionaries.
     */
    static Outcome set(byte[] doc, SubdocPath path, byte[] value, SetMode mode, boolean mkdirP) throws IOException {
        List<SubdocPath.Component> comps = path.components();
        if (comps.isEmpty()) {
            return mode == SetMode.REPLACE ? Outcome.of(value) : Outcome.failure(Status.SUBDOC_PATH_EINVAL);
        }
        if (mode != SetMode.REPLACE && last(path).isIndex()) {
            return Outcome.failure(Status.SUBDOC_PATH_EINVAL); // dictionary operations name a key
        }
        SubdocLookup.Found target = SubdocLookup.find(doc, path);
        if (target.ok()) {
            if (mode == SetMode.ADD) {
                return Outcome.failure(Status.SUBDOC_PATH_EEXISTS);
            }
            return Outcome.of(splice(doc, target.start(), trimmedEnd(doc, target), value));
        }
        if (target.status() != Status.SUBDOC_PATH_ENOENT) {
            return Outcome.failure(target.status());
        }
        if (mode == SetMode.REPLACE) {
            return Outcome.failure(Status.SUBDOC_PATH_ENOENT);
        }
        return insertMember(doc, path, value, mkdirP);
    }

    /** Adds the missing member at {@code path} (and, with {@code mkdirP}, its missing parents). */
    private static Outcome insertMember(byte[] doc, SubdocPath path, byte[] value, boolean mkdirP) throws IOException {
        List<SubdocPath.Component> comps = path.components();
        int n = comps.size();
        // The deepest existing ancestor: the parent, or (mkdir_p) an ancestor above it.
        int have = n - 1;
        SubdocLookup.Found anchor = SubdocLookup.find(doc, prefix(path, have));
        if (!anchor.ok()) {
            if (anchor.status() != Status.SUBDOC_PATH_ENOENT || !mkdirP) {
                return Outcome.failure(anchor.status());
            }
            while (have > 0) {
                have--;
                anchor = SubdocLookup.find(doc, prefix(path, have));
                if (anchor.ok()) {
                    break;
                }
                if (anchor.status() != Status.SUBDOC_PATH_ENOENT) {
                    return Outcome.failure(anchor.status());
                }
            }
        }
        if (anchor.token() != JsonToken.START_OBJECT) {
            return Outcome.failure(Status.SUBDOC_PATH_MISMATCH);
        }
        byte[] member = nest(comps, have, value);
        if (member == null) {
            return Outcome.failure(Status.SUBDOC_PATH_ENOENT); // mkdir_p makes dictionaries, not arrays
        }
        Container c = container(doc, anchor);
        byte[] key = quoted(comps.get(have).key());
        return c.children().isEmpty()
                ? Outcome.of(splice(doc, c.close(), c.close(), key, member))
                : Outcome.of(splice(doc, c.close(), c.close(), COMMA, key, member));
    }

    private static int trimmedEnd(byte[] doc, SubdocLookup.Found f) {
        int e = f.end();
        while (e > f.start() && Character.isWhitespace(doc[e - 1])) {
            e--;
        }
        return e;
    }

    // ------------------------------------------------------------------ delete

    /** SubdocDelete: removes the member or element at {@code path} with one neighbouring comma. */
    static Outcome delete(byte[] doc, SubdocPath path) throws IOException {
        List<SubdocPath.Component> comps = path.components();
        if (comps.isEmpty()) {
            return Outcome.failure(Status.SUBDOC_PATH_EINVAL);
        }
        SubdocLookup.Found target = SubdocLookup.find(doc, path);
        if (!target.ok()) {
            return Outcome.failure(target.status());
        }
        SubdocLookup.Found parent = SubdocLookup.find(doc, prefix(path, comps.size() - 1));
        Container c = container(doc, parent);
        int i = indexOf(c, target.start());
        List<Child> ch = c.children();
        if (ch.size() == 1) {
            return Outcome.of(splice(doc, ch.get(0).start(), ch.get(0).valueEnd()));
        }
        if (i < ch.size() - 1) {
            return Outcome.of(splice(doc, ch.get(i).start(), ch.get(i + 1).start()));
        }
        return Outcome.of(splice(doc, ch.get(i - 1).valueEnd(), ch.get(i).valueEnd()));
    }

    private static int indexOf(Container c, int valueStart) {
        for (int i = 0; i < c.children().size(); i++) {
            if (c.children().get(i).valueStart() == valueStart) {
                return i;
            }
        }
        throw new IllegalStateException("path target is not a child of its parent");
    }

    // ------------------------------------------------------------------ arrays

    /** The array at {@code path}, created as {@code []} first when missing and {@code mkdirP}. */
    private static Object array(byte[] doc, SubdocPath path, boolean mkdirP) throws IOException {
        SubdocLookup.Found f = SubdocLookup.find(doc, path);
        if (!f.ok()) {
            if (f.status() == Status.SUBDOC_PATH_ENOENT
                    && mkdirP
                    && !path.components().isEmpty()) {
                return null; // the caller creates the array holding the values
            }
            return Outcome.failure(f.status());
        }
        if (f.token() != JsonToken.START_ARRAY) {
            return Outcome.failure(Status.SUBDOC_PATH_MISMATCH);
        }
        return container(doc, f);
    }

    private static byte[] bracketed(byte[] values) {
        byte[] out = new byte[values.length + 2];
        out[0] = '[';
        System.arraycopy(values, 0, out, 1, values.length);
        out[out.length - 1] = ']';
        return out;
    }

    /** ArrayPushLast / ArrayPushFirst: adds one or more comma-separated values at an end. */
    static Outcome push(byte[] doc, SubdocPath path, byte[] values, boolean first, boolean mkdirP) throws IOException {
        Object a = array(doc, path, mkdirP);
        if (a instanceof Outcome o) {
            return o;
        }
        if (a == null) {
            return insertMember(doc, path, bracketed(values), true);
        }
        Container c = (Container) a;
        boolean empty = c.children().isEmpty();
        if (first) {
            return empty
                    ? Outcome.of(splice(doc, c.open() + 1, c.open() + 1, values))
                    : Outcome.of(splice(doc, c.open() + 1, c.open() + 1, values, COMMA));
        }
        return empty
                ? Outcome.of(splice(doc, c.close(), c.close(), values))
                : Outcome.of(splice(doc, c.close(), c.close(), COMMA, values));
    }

    /** ArrayInsert: the path ends in an index {@code [0, size]}; the values go before that element. */
    static Outcome insert(byte[] doc, SubdocPath path, byte[] values) throws IOException {
        List<SubdocPath.Component> comps = path.components();
        if (comps.isEmpty() || !last(path).isIndex() || last(path).index() < 0) {
            return Outcome.failure(Status.SUBDOC_PATH_EINVAL);
        }
        SubdocLookup.Found f = SubdocLookup.find(doc, prefix(path, comps.size() - 1));
        if (!f.ok()) {
            return Outcome.failure(f.status());
        }
        if (f.token() != JsonToken.START_ARRAY) {
            return Outcome.failure(Status.SUBDOC_PATH_MISMATCH);
        }
        Container c = container(doc, f);
        int at = last(path).index();
        int size = c.children().size();
        if (at > size) {
            return Outcome.failure(Status.SUBDOC_PATH_ENOENT);
        }
        if (at == size) {
            return size == 0
                    ? Outcome.of(splice(doc, c.close(), c.close(), values))
                    : Outcome.of(splice(doc, c.close(), c.close(), COMMA, values));
        }
        int pos = c.children().get(at).valueStart();
        return Outcome.of(splice(doc, pos, pos, values, COMMA));
    }

    /**
     * ArrayAddUnique: appends one scalar unless the array already holds an equal one (PathEexists);
     * an array holding objects or arrays cannot be checked (PathMismatch).
     */
    static Outcome addUnique(byte[] doc, SubdocPath path, byte[] value, boolean mkdirP) throws IOException {
        if (!isScalar(value)) {
            return Outcome.failure(Status.SUBDOC_VALUE_CANTINSERT);
        }
        Object a = array(doc, path, mkdirP);
        if (a instanceof Outcome o) {
            return o;
        }
        if (a == null) {
            return insertMember(doc, path, bracketed(value), true);
        }
        Container c = (Container) a;
        byte[] wanted = trimmed(value);
        for (Child ch : c.children()) {
            if (ch.token() == JsonToken.START_OBJECT || ch.token() == JsonToken.START_ARRAY) {
                return Outcome.failure(Status.SUBDOC_PATH_MISMATCH);
            }
            // Byte-wise, as kv_engine compares: 1.0 is not 1, and "\u0061" is not "a".
            if (Arrays.equals(Arrays.copyOfRange(doc, ch.valueStart(), ch.valueEnd()), wanted)) {
                return Outcome.failure(Status.SUBDOC_PATH_EEXISTS);
            }
        }
        return c.children().isEmpty()
                ? Outcome.of(splice(doc, c.close(), c.close(), value))
                : Outcome.of(splice(doc, c.close(), c.close(), COMMA, value));
    }

    /** {@code value} without surrounding whitespace. */
    private static byte[] trimmed(byte[] value) {
        int s = 0;
        int e = value.length;
        while (s < e && Character.isWhitespace(value[s])) {
            s++;
        }
        while (e > s && Character.isWhitespace(value[e - 1])) {
            e--;
        }
        return Arrays.copyOfRange(value, s, e);
    }

    // ------------------------------------------------------------------ counter

    /**
     * SubdocCounter: adds a signed 64-bit delta (ASCII, non-zero) to the integer at {@code path},
     * creating it holding the delta when missing; the outcome's value is the new number.
     */
    static Outcome counter(byte[] doc, SubdocPath path, byte[] delta, boolean mkdirP) throws IOException {
        long d;
        try {
            // kv_engine parses with from_chars: no '+', no leading zeros, no "-0".
            String text = new String(delta, StandardCharsets.US_ASCII);
            if (!text.matches("-?[1-9][0-9]*")) {
                return Outcome.failure(Status.SUBDOC_DELTA_EINVAL);
            }
            d = Long.parseLong(text);
        } catch (NumberFormatException e) {
            return Outcome.failure(Status.SUBDOC_DELTA_EINVAL);
        }
        if (d == 0) {
            return Outcome.failure(Status.SUBDOC_DELTA_EINVAL);
        }
        if (path.components().isEmpty()) {
            return Outcome.failure(Status.SUBDOC_PATH_EINVAL);
        }
        SubdocLookup.Found f = SubdocLookup.find(doc, path);
        long result;
        if (f.ok()) {
            if (f.token() != JsonToken.VALUE_NUMBER_INT) {
                return Outcome.failure(Status.SUBDOC_PATH_MISMATCH);
            }
            long current;
            try {
                current = Long.parseLong(
                        new String(doc, f.start(), trimmedEnd(doc, f) - f.start(), StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return Outcome.failure(Status.SUBDOC_NUM_ERANGE);
            }
            try {
                result = Math.addExact(current, d);
            } catch (ArithmeticException e) {
                return Outcome.failure(Status.SUBDOC_VALUE_CANTINSERT);
            }
        } else if (f.status() == Status.SUBDOC_PATH_ENOENT) {
            result = d;
        } else {
            return Outcome.failure(f.status());
        }
        byte[] text = Long.toString(result).getBytes(StandardCharsets.US_ASCII);
        if (f.ok()) {
            return new Outcome(Status.SUCCESS, splice(doc, f.start(), trimmedEnd(doc, f), text), text);
        }
        if (last(path).isIndex()) {
            return Outcome.failure(Status.SUBDOC_PATH_ENOENT); // no element is created at an index
        }
        Outcome o = insertMember(doc, path, text, mkdirP);
        return o.ok() ? new Outcome(Status.SUCCESS, o.doc(), text) : o;
    }
}
