package io.kvfrontend.dispatch;

import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.engine.spi.SnappyCodec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Opcode;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Sub-document lookups (mcbp-protocol.md 4.3; kv_engine's docs/SubDocument.md): SubdocGet,
 * SubdocExists and SubdocGetCount on one path, and SubdocMultiLookup with up to {@link #MAX_SPECS}
 * of them (and Get, the whole document). Paths address the document body; extended attributes
 * (path flag 0x04) are not served yet and are refused with Einval, as for a client that did not
 * negotiate them.
 *
 * <p><b>Immutable</b> (static methods, run on the event loop).
 */
final class SubdocExecutors {
    /** Specs in one multi-path command (kv_engine's limit). */
    static final int MAX_SPECS = 16;

    /** Path flag: the path is an extended attribute. */
    static final int PATH_FLAG_XATTR = 0x04;

    /** Document flag: a deleted document may be read (none exist here: no effect). */
    static final int DOC_FLAG_ACCESS_DELETED = 0x04;

    private SubdocExecutors() {}

    /** The document body as JSON text, or the status that says why there is none. */
    private record Doc(Status status, byte[] json, long cas) {}

    private static Doc load(Command c) {
        GetResult r = c.bucket().get(c.docKey());
        if (!r.isSuccess()) {
            return new Doc(r.status(), null, 0);
        }
        Item item = r.item();
        byte[] value = item.value();
        if ((item.datatype() & Datatype.SNAPPY) != 0) {
            value = SnappyCodec.inflate(value, Integer.MAX_VALUE - 8);
        }
        if ((item.datatype() & Datatype.JSON) == 0) {
            return new Doc(Status.SUBDOC_DOC_NOT_JSON, value, r.cas());
        }
        Status depth = SubdocLookup.checkDocument(value);
        return new Doc(depth, value, r.cas());
    }

    /** One lookup's outcome: status and value (empty for Exists and for failures). */
    private record Result(Status status, byte[] value) {}

    private static final byte[] NONE = new byte[0];

    private static Result lookup(Opcode op, byte[] path, Doc doc) {
        if (doc.status() != Status.SUCCESS) {
            return new Result(doc.status(), NONE);
        }
        if (op == Opcode.GET) {
            return new Result(Status.SUCCESS, doc.json());
        }
        SubdocPath parsed;
        try {
            parsed = SubdocPath.parse(path);
        } catch (SubdocPath.Invalid e) {
            return new Result(e.status, NONE);
        }
        SubdocLookup.Found f = SubdocLookup.find(doc.json(), parsed);
        if (!f.ok()) {
            return new Result(f.status(), NONE);
        }
        return switch (op) {
            case SUBDOC_EXISTS -> new Result(Status.SUCCESS, NONE);
            case SUBDOC_GET_COUNT -> {
                try {
                    int n = SubdocLookup.count(doc.json(), f);
                    yield n < 0
                            ? new Result(Status.SUBDOC_PATH_MISMATCH, NONE)
                            : new Result(Status.SUCCESS, Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    yield new Result(Status.SUBDOC_DOC_NOT_JSON, NONE);
                }
            }
            default -> new Result(Status.SUCCESS, SubdocLookup.bytes(doc.json(), f));
        };
    }

    /**
     * SubdocGet, SubdocExists, SubdocGetCount: extras {@code pathlen u16 | path flags u8 [| doc
     * flags u8]}, key = document, value = the path.
     */
    static void single(Command c) {
        ByteBuf ex = c.request().extras();
        int pathLength = ex.getUnsignedShort(0);
        int pathFlags = ex.getUnsignedByte(2);
        int docFlags = ex.readableBytes() == 4 ? ex.getUnsignedByte(3) : 0;
        byte[] value = c.request().valueBytes();
        if (pathLength != value.length) {
            c.respondError(Status.EINVAL, "The path length in the extras must be the value length");
            return;
        }
        if ((pathFlags & PATH_FLAG_XATTR) != 0) {
            c.respondError(Status.EINVAL, "Extended attributes are not negotiated");
            return;
        }
        if (pathFlags != 0 || (docFlags & ~DOC_FLAG_ACCESS_DELETED) != 0) {
            c.respondError(Status.EINVAL, "Invalid flags for a lookup");
            return;
        }
        if (value.length == 0) {
            c.respondError(Status.EINVAL, "A single-path lookup needs a path");
            return;
        }
        Doc doc = load(c);
        if (doc.status() == Status.KEY_ENOENT || doc.status() == Status.UNKNOWN_COLLECTION) {
            c.respondError(doc.status(), null);
            return;
        }
        Result r = lookup(c.opcode(), value, doc);
        if (r.status() != Status.SUCCESS) {
            c.respondError(r.status(), null);
            return;
        }
        int datatype = c.opcode() == Opcode.SUBDOC_EXISTS ? Datatype.RAW : Datatype.JSON;
        c.respond(Status.SUCCESS, datatype, doc.cas(), null, null, r.value().length == 0 ? null : r.value());
    }

    /**
     * SubdocMultiLookup: extras {@code [doc flags u8]}, value = specs {@code opcode u8 | flags u8 |
     * pathlen u16 | path}. Answers each spec's {@code status u16 | length u32 | value}; the overall
     * status is Success, or SubdocMultiPathFailure when any spec failed.
     */
    static void multiLookup(Command c) {
        ByteBuf ex = c.request().extras();
        int docFlags = ex.readableBytes() == 1 ? ex.getUnsignedByte(0) : 0;
        if ((docFlags & ~DOC_FLAG_ACCESS_DELETED) != 0) {
            c.respondError(Status.EINVAL, "Invalid document flags for a lookup");
            return;
        }
        ByteBuf v = c.request().value();
        int i = v.readerIndex();
        int end = v.writerIndex();
        java.util.List<Opcode> ops = new java.util.ArrayList<>();
        java.util.List<byte[]> paths = new java.util.ArrayList<>();
        while (i < end) {
            if (end - i < 4) {
                c.respondError(Status.EINVAL, "Lookup spec is truncated");
                return;
            }
            Opcode op = Opcode.of(v.getUnsignedByte(i));
            int flags = v.getUnsignedByte(i + 1);
            int pathLength = v.getUnsignedShort(i + 2);
            if (end - i - 4 < pathLength) {
                c.respondError(Status.EINVAL, "Lookup spec path is truncated");
                return;
            }
            if (op != Opcode.SUBDOC_GET
                    && op != Opcode.SUBDOC_EXISTS
                    && op != Opcode.SUBDOC_GET_COUNT
                    && op != Opcode.GET) {
                c.respondError(Status.SUBDOC_INVALID_COMBO, "Not a lookup: opcode " + v.getUnsignedByte(i));
                return;
            }
            if ((flags & PATH_FLAG_XATTR) != 0) {
                c.respondError(Status.EINVAL, "Extended attributes are not negotiated");
                return;
            }
            if (flags != 0) {
                c.respondError(Status.EINVAL, "Invalid path flags for a lookup");
                return;
            }
            if (op == Opcode.GET && pathLength != 0) {
                c.respondError(Status.EINVAL, "A whole-document Get takes no path");
                return;
            }
            byte[] path = new byte[pathLength];
            v.getBytes(i + 4, path);
            ops.add(op);
            paths.add(path);
            i += 4 + pathLength;
            if (ops.size() > MAX_SPECS) {
                c.respondError(Status.SUBDOC_INVALID_COMBO, "More than " + MAX_SPECS + " lookups");
                return;
            }
        }
        if (ops.isEmpty()) {
            c.respondError(Status.EINVAL, "No lookup specs");
            return;
        }
        Doc doc = load(c);
        if (doc.status() == Status.KEY_ENOENT || doc.status() == Status.UNKNOWN_COLLECTION) {
            c.respondError(doc.status(), null);
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean allOk = true;
        for (int s = 0; s < ops.size(); s++) {
            Result r = lookup(ops.get(s), paths.get(s), doc);
            allOk &= r.status() == Status.SUCCESS;
            int code = r.status().code();
            out.write(code >>> 8);
            out.write(code);
            byte[] len = new byte[4];
            Command.putInt(len, 0, r.value().length);
            out.writeBytes(len);
            out.writeBytes(r.value());
        }
        c.respond(
                allOk ? Status.SUCCESS : Status.SUBDOC_MULTI_PATH_FAILURE,
                Datatype.RAW,
                doc.cas(),
                null,
                null,
                out.toByteArray());
    }
}
