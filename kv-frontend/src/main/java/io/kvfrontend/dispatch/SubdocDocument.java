package io.kvfrontend.dispatch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.engine.spi.SnappyCodec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.Xattrs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * One document as a sub-document command sees it: the body, the extended attributes and the
 * metadata the virtual attributes show. The attributes are handled as one JSON object, {@code
 * {"key":value,...}}, so that an xattr path ({@code key.inner.path}) is an ordinary path into it and
 * every lookup and mutation works on attributes exactly as on the body.
 *
 * <p><b>Not thread-safe</b>: built, used and dropped by one command on the event loop.
 */
final class SubdocDocument {
    private static final JsonFactory JSON = Json.FACTORY;

    /** Longest xattr key, in bytes (kv_engine: shorter than 16). */
    static final int MAX_XATTR_KEY = 15;

    /** The document as read: {@code null} for one that does not exist (yet). */
    final Item item;

    final long cas;

    /** The revision read is a tombstone (a deleted document with system xattrs). */
    final boolean deleted;

    byte[] body;
    /** The attributes as one JSON object. */
    byte[] xattrs;

    private Status bodyStatus;
    private boolean bodyJson;

    private SubdocDocument(Item item, long cas, boolean deleted, byte[] body, byte[] xattrs) {
        this.item = item;
        this.cas = cas;
        this.deleted = deleted;
        this.body = body;
        this.xattrs = xattrs;
        this.bodyJson = item == null || (item.datatype() & Datatype.JSON) != 0;
    }

    /**
     * Reads the document, or with {@code accessDeleted} its tombstone when it has none. The failure
     * statuses are those of the read (KeyEnoent, UnknownCollection, ...), or XattrEinval for a
     * stored value whose section is damaged.
     */
    static Object load(Bucket bucket, DocKey key, boolean accessDeleted) {
        GetResult r = bucket.get(key);
        boolean deleted = false;
        if (r.status() == Status.KEY_ENOENT && accessDeleted) {
            r = bucket.getDeleted(key);
            deleted = r.isSuccess();
        }
        if (!r.isSuccess()) {
            return r.status();
        }
        Item item = r.item();
        byte[] value = item.value();
        if ((item.datatype() & Datatype.SNAPPY) != 0) {
            value = SnappyCodec.inflate(value, Integer.MAX_VALUE - 8);
        }
        try {
            Map<String, byte[]> x = Xattrs.parse(value, item.datatype());
            return new SubdocDocument(item, r.cas(), deleted, Xattrs.body(value, item.datatype()), object(x));
        } catch (IllegalArgumentException e) {
            return Status.XATTR_EINVAL;
        }
    }

    /** A document that does not exist yet (Mkdoc, Add): {@code root} body, no attributes. */
    static SubdocDocument fresh(byte[] root) {
        return new SubdocDocument(null, 0, false, root, "{}".getBytes(StandardCharsets.US_ASCII));
    }

    /** Success, or why body paths cannot be used: DocNotJson, DocE2deep. */
    Status bodyStatus() {
        if (bodyStatus == null) {
            bodyStatus = !bodyJson || body.length == 0 ? Status.SUBDOC_DOC_NOT_JSON : SubdocLookup.checkDocument(body);
        }
        return bodyStatus;
    }

    /** A body path changed the body (it is still JSON). */
    void bodyChanged(byte[] next) {
        body = next;
        bodyStatus = Status.SUCCESS;
    }

    /** The whole body was replaced (a whole-document Set, ReplaceBodyWithXattr). */
    void bodyReplaced(byte[] next, boolean json) {
        body = next;
        bodyJson = json;
        bodyStatus = null;
    }

    /** Whether any attribute is present. */
    boolean hasXattrs() {
        return xattrs.length > 2;
    }

    // ------------------------------------------------------------------ attributes as one object

    /** {@code {"k":v,...}} of raw values. */
    static byte[] object(Map<String, byte[]> x) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('{');
        boolean first = true;
        for (Map.Entry<String, byte[]> e : x.entrySet()) {
            if (!first) {
                out.write(',');
            }
            first = false;
            out.write('"');
            out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(e.getKey()));
            out.write('"');
            out.write(':');
            out.writeBytes(e.getValue());
        }
        out.write('}');
        return out.toByteArray();
    }

    /** The members of a JSON object as raw values, in order. */
    static Map<String, byte[]> members(byte[] object) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(object)) {
            p.nextToken();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                t = p.nextToken();
                int start = (int) p.currentTokenLocation().getByteOffset();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    p.skipChildren();
                } else {
                    p.finishToken();
                }
                int end = (int) p.currentLocation().getByteOffset();
                while (end > start && Character.isWhitespace(object[end - 1])) {
                    end--;
                }
                out.put(name, java.util.Arrays.copyOfRange(object, start, end));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("attribute object is not JSON", e);
        }
    }

    /**
     * Whether a path's first component is a valid xattr key: a name (not an index) of at most
     * {@link #MAX_XATTR_KEY} bytes that does not start with punctuation other than {@code _} or
     * {@code $} (virtual attributes), and holds no control character (a NUL would corrupt the stored
     * section, whose keys end with one).
     */
    static boolean validXattrKey(SubdocPath path) {
        if (path.components().isEmpty() || path.components().get(0).isIndex()) {
            return false;
        }
        String key = path.components().get(0).key();
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_XATTR_KEY) {
            return false;
        }
        // The stored section ends each key with a NUL (Xattrs): a NUL inside one would corrupt the
        // document, and no client means a control character in an attribute name.
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                return false;
            }
        }
        char c = key.charAt(0);
        if (c == '_' || c == '$') {
            return key.length() > 1; // a bare "_" or "$" is no key
        }
        boolean punct = c < 128 && !Character.isLetterOrDigit(c) && c > ' ';
        return !punct && c != ' ';
    }

    static boolean isVirtual(SubdocPath path) {
        return path.components().get(0).key().startsWith("$");
    }

    // ------------------------------------------------------------------ virtual attributes

    /**
     * The virtual attribute a path names, as a one-member object {@code {"$name":{...}}} to look the
     * path up in; {@code null} if the attribute is unknown.
     */
    byte[] virtual(Bucket bucket, SubdocPath path) {
        String name = path.components().get(0).key();
        StringBuilder sb = new StringBuilder("{\"").append(name).append("\":");
        switch (name) {
            case "$document" -> sb.append(documentAttribute(bucket));
            case "$vbucket" ->
                sb.append("{\"HLC\":{\"now\":\"")
                        .append(System.currentTimeMillis() / 1000)
                        .append("\",\"mode\":\"real\"}}");
            case "$XTOC" -> {
                sb.append('[');
                boolean first = true;
                for (String k : members(xattrs).keySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    sb.append('"')
                            .append(JsonStringEncoder.getInstance().quoteAsString(k))
                            .append('"');
                }
                sb.append(']');
            }
            default -> {
                return null;
            }
        }
        return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code $document}: the document's metadata, with kv_engine's field names and types. */
    private String documentAttribute(Bucket bucket) {
        int datatype = item.datatype();
        StringBuilder types = new StringBuilder("[");
        if ((datatype & (Datatype.JSON | Datatype.SNAPPY | Datatype.XATTR)) == 0) {
            types.append("\"raw\"");
        } else {
            String sep = "";
            if ((datatype & Datatype.JSON) != 0) {
                types.append("\"json\"");
                sep = ",";
            }
            if ((datatype & Datatype.SNAPPY) != 0) {
                types.append(sep).append("\"snappy\"");
                sep = ",";
            }
            if ((datatype & Datatype.XATTR) != 0) {
                types.append(sep).append("\"xattr\"");
            }
        }
        types.append(']');
        long vbUuid = bucket.vbucketUuid(item.vbucket());
        return "{\"CAS\":\"" + hex64(cas)
                + "\",\"vbucket_uuid\":\"" + hex64(vbUuid)
                + "\",\"seqno\":\"" + hex64(item.seqno())
                + "\",\"revid\":\"" + item.seqno()
                + "\",\"exptime\":" + item.expiry()
                + ",\"value_bytes\":" + body.length
                + ",\"value_crc32c\":\"" + crc32c(body)
                + "\",\"flags\":" + Integer.toUnsignedLong(item.flags())
                + ",\"deleted\":" + deleted
                + ",\"last_modified\":\"" + Long.divideUnsigned(cas, 1_000_000_000L)
                + "\",\"datatype\":" + types + "}";
    }

    static String hex64(long v) {
        return String.format("0x%016x", v);
    }

    static String crc32c(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        return String.format("0x%08x", crc.getValue());
    }
}
