package io.kvfrontend.dispatch;

import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocumentWrite;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.Xattrs;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.protocol.Opcode;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The sub-document commands (mcbp-protocol.md 4.3; kv_engine's docs/SubDocument.md): lookups
 * (SubdocGet, Exists, GetCount, MultiLookup) and mutations (DictAdd, DictUpsert, Delete, Replace,
 * the array operations, Counter, MultiMutation, ReplaceBodyWithXattr), on the body and on extended
 * attributes, with the virtual attributes {@code $document}, {@code $vbucket} and {@code $XTOC} and
 * the {@code ${Mutation.*}} macros.
 *
 * <p>A mutation reads the document, applies every spec to a copy, and writes the result back under
 * the CAS it read ({@link io.kvfrontend.engine.spi.Bucket#write}); if another write came between,
 * it starts again (up to {@link #MAX_ATTEMPTS} times, as kv_engine retries), unless the client gave
 * a CAS. A multi-mutation therefore changes all or nothing.
 *
 * <p><b>Immutable</b> (static methods, run on the event loop).
 */
final class SubdocExecutors {
    /** Specs in one multi-path command (kv_engine's limit). */
    static final int MAX_SPECS = 16;

    /** Reads and write-backs before a mutation gives up with Etmpfail. */
    static final int MAX_ATTEMPTS = 100;

    /** Path flag: create missing parents. */
    static final int PATH_MKDIR_P = 0x01;
    /** Path flag: the path is an extended attribute. */
    static final int PATH_XATTR = 0x04;
    /** Path flag: expand macros in the value. */
    static final int PATH_EXPAND_MACROS = 0x10;

    /** Document flag: create the document if missing. */
    static final int DOC_MKDOC = 0x01;
    /** Document flag: create the document; fail if it exists. */
    static final int DOC_ADD = 0x02;
    /** Document flag: operate on a deleted document (its tombstone). */
    static final int DOC_ACCESS_DELETED = 0x04;
    /** Document flag: create the document as a tombstone. */
    static final int DOC_CREATE_AS_DELETED = 0x08;
    /** Document flag: bring a deleted document back to life. */
    static final int DOC_REVIVE = 0x10;
    /** Document flag: a lookup addressed to a replica (this node's vBuckets are all active: no effect). */
    static final int DOC_REPLICA_READ = 0x20;

    /** The three mutation macros, as the whole (quoted) value of an ExpandMacros spec. */
    private static final java.util.Set<String> MUTATION_MACROS =
            java.util.Set.of("\"${Mutation.CAS}\"", "\"${Mutation.seqno}\"", "\"${Mutation.value_crc32c}\"");

    private static final int DOC_FLAGS =
            DOC_MKDOC | DOC_ADD | DOC_ACCESS_DELETED | DOC_CREATE_AS_DELETED | DOC_REVIVE | DOC_REPLICA_READ;

    private static final byte[] NONE = new byte[0];

    private SubdocExecutors() {}

    /** One spec of a command, as sent. */
    private record Spec(Opcode op, int code, int flags, byte[] path, byte[] value) {
        boolean xattr() {
            return (flags & PATH_XATTR) != 0;
        }

        boolean wholeDocument() {
            return op == Opcode.GET || op == Opcode.SET || op == Opcode.DELETE;
        }
    }

    /** A spec's outcome: status and the value it returns (empty for most). */
    private record Result(Status status, byte[] value) {
        static Result of(Status s) {
            return new Result(s, NONE);
        }
    }

    /** A request that cannot run: the status and the context for the error body. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final Status status;

        Refused(Status status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static boolean isLookup(Opcode op) {
        return op == Opcode.SUBDOC_GET || op == Opcode.SUBDOC_EXISTS || op == Opcode.SUBDOC_GET_COUNT;
    }

    private static boolean isMutation(Opcode op) {
        return switch (op) {
            case SUBDOC_DICT_ADD,
                    SUBDOC_DICT_UPSERT,
                    SUBDOC_DELETE,
                    SUBDOC_REPLACE,
                    SUBDOC_ARRAY_PUSH_LAST,
                    SUBDOC_ARRAY_PUSH_FIRST,
                    SUBDOC_ARRAY_INSERT,
                    SUBDOC_ARRAY_ADD_UNIQUE,
                    SUBDOC_COUNTER,
                    SUBDOC_REPLACE_BODY_WITH_XATTR -> true;
            default -> false;
        };
    }

    // ------------------------------------------------------------------ request parsing

    /** The checks every spec gets, lookup or mutation, before the document is read (kv_engine's validators). */
    private static void checkSpec(Spec s, boolean lookup) throws Refused {
        if (s.path().length > SubdocPath.MAX_LENGTH) {
            throw new Refused(Status.EINVAL, "Path is longer than " + SubdocPath.MAX_LENGTH + " bytes");
        }
        if (lookup) {
            if (!isLookup(s.op()) && s.op() != Opcode.GET) {
                throw new Refused(
                        Status.SUBDOC_INVALID_COMBO, "Not a lookup: opcode 0x" + Integer.toHexString(s.code()));
            }
            if ((s.flags() & ~PATH_XATTR) != 0) {
                throw new Refused(Status.EINVAL, "Invalid path flags for a lookup");
            }
        } else {
            if (!isMutation(s.op()) && s.op() != Opcode.SET && s.op() != Opcode.DELETE) {
                throw new Refused(
                        Status.SUBDOC_INVALID_COMBO, "Not a mutation: opcode 0x" + Integer.toHexString(s.code()));
            }
            if ((s.flags() & ~validPathFlags(s.op())) != 0) {
                throw new Refused(Status.EINVAL, "Invalid path flags for opcode 0x" + Integer.toHexString(s.code()));
            }
            if ((s.flags() & PATH_EXPAND_MACROS) != 0 && !s.xattr()) {
                throw new Refused(Status.SUBDOC_XATTR_INVALID_FLAG_COMBO, "Macros expand only in xattrs");
            }
            boolean needsValue = s.op() != Opcode.SUBDOC_DELETE
                    && s.op() != Opcode.DELETE
                    && s.op() != Opcode.SUBDOC_REPLACE_BODY_WITH_XATTR
                    && s.op() != Opcode.SET;
            if (needsValue && s.value().length == 0) {
                throw new Refused(Status.EINVAL, "The mutation needs a value");
            }
            if (!needsValue && s.value().length != 0 && s.op() != Opcode.SET) {
                throw new Refused(Status.EINVAL, "The mutation takes no value");
            }
            if (s.op() == Opcode.SUBDOC_REPLACE_BODY_WITH_XATTR && !s.xattr()) {
                throw new Refused(Status.EINVAL, "ReplaceBodyWithXattr reads an xattr path");
            }
        }
        if (s.wholeDocument() && (s.path().length != 0 || s.flags() != 0)) {
            throw new Refused(Status.EINVAL, "A whole-document operation takes no path and no flags");
        }
        if (s.xattr()) {
            if (s.path().length == 0) {
                throw new Refused(Status.EINVAL, "An xattr path cannot be empty");
            }
            checkXattrPath(s, lookup);
        } else if (s.path().length == 0 && !emptyPathAllowed(s.op())) {
            throw new Refused(Status.EINVAL, "This operation needs a path");
        }
    }

    /** The path flags each mutation takes (kv_engine's subdocument_traits); others are Einval. */
    private static int validPathFlags(Opcode op) {
        return switch (op) {
            case SUBDOC_DICT_ADD, SUBDOC_DICT_UPSERT, SUBDOC_ARRAY_PUSH_LAST, SUBDOC_ARRAY_PUSH_FIRST ->
                PATH_MKDIR_P | PATH_XATTR | PATH_EXPAND_MACROS;
            case SUBDOC_REPLACE, SUBDOC_ARRAY_INSERT -> PATH_XATTR | PATH_EXPAND_MACROS;
            case SUBDOC_ARRAY_ADD_UNIQUE, SUBDOC_COUNTER -> PATH_MKDIR_P | PATH_XATTR;
            case SUBDOC_DELETE, SUBDOC_REPLACE_BODY_WITH_XATTR -> PATH_XATTR;
            default -> 0; // whole-document Set and Delete take none
        };
    }

    private static boolean emptyPathAllowed(Opcode op) {
        return switch (op) {
            case GET,
                    SET,
                    DELETE,
                    SUBDOC_GET_COUNT,
                    SUBDOC_ARRAY_PUSH_LAST,
                    SUBDOC_ARRAY_PUSH_FIRST,
                    SUBDOC_ARRAY_ADD_UNIQUE -> true;
            default -> false;
        };
    }

    /**
     * An xattr spec's key (XattrEinval if bad), virtual attributes (read-only:
     * XattrCantModifyVattr), and macros: the value must be exactly one mutation macro or a
     * {@code ${$document...}} one (XattrUnknownMacro otherwise).
     */
    private static void checkXattrPath(Spec s, boolean lookup) throws Refused {
        SubdocPath path;
        try {
            path = SubdocPath.parse(s.path());
        } catch (SubdocPath.Invalid e) {
            return; // reported per spec when the path is used
        }
        if (!SubdocDocument.validXattrKey(path)) {
            throw new Refused(Status.XATTR_EINVAL, "Invalid xattr key");
        }
        if (!lookup && SubdocDocument.isVirtual(path)) {
            throw new Refused(Status.SUBDOC_XATTR_CANT_MODIFY_VATTR, "Virtual xattrs cannot be modified");
        }
        if ((s.flags() & PATH_EXPAND_MACROS) != 0) {
            String v = new String(s.value(), StandardCharsets.UTF_8);
            if (!MUTATION_MACROS.contains(v) && !(v.startsWith("\"${$document") && v.endsWith("}\""))) {
                throw new Refused(Status.SUBDOC_XATTR_UNKNOWN_MACRO, "Unknown macro " + v);
            }
        }
    }

    /** Document flags each spec's operation does not take (kv_engine's subdocument_traits). */
    private static void checkFlagsForSpecs(int docFlags, List<Spec> specs) throws Refused {
        for (Spec s : specs) {
            boolean mkdocInvalid = s.op() == Opcode.SUBDOC_DELETE
                    || s.op() == Opcode.SUBDOC_REPLACE
                    || s.op() == Opcode.SUBDOC_ARRAY_INSERT
                    || s.op() == Opcode.DELETE
                    || s.op() == Opcode.SUBDOC_REPLACE_BODY_WITH_XATTR;
            if ((docFlags & DOC_MKDOC) != 0 && mkdocInvalid) {
                throw new Refused(Status.EINVAL, "Mkdoc is not valid with opcode 0x" + Integer.toHexString(s.code()));
            }
            if (s.op() == Opcode.SET && (docFlags & (DOC_ACCESS_DELETED | DOC_CREATE_AS_DELETED | DOC_REVIVE)) != 0) {
                throw new Refused(Status.EINVAL, "A whole-document Set cannot work on a deleted document");
            }
        }
    }

    /** Xattr paths need the XATTR feature (HELLO 0x06), as in kv_engine. */
    private static void checkXattrNegotiated(Command c, List<Spec> specs) throws Refused {
        if (!c.connection().has(Feature.XATTR)) {
            for (Spec s : specs) {
                if (s.xattr()) {
                    throw new Refused(Status.NOT_SUPPORTED, "Extended attributes are not negotiated");
                }
            }
        }
    }

    /** Specs must name xattrs before the body (kv_engine); at most {@link #MAX_SPECS}. */
    private static void checkSpecs(List<Spec> specs) throws Refused {
        if (specs.isEmpty()) {
            throw new Refused(Status.EINVAL, "No specs");
        }
        if (specs.size() > MAX_SPECS) {
            throw new Refused(Status.SUBDOC_INVALID_COMBO, "More than " + MAX_SPECS + " specs");
        }
        boolean delete = specs.stream().anyMatch(s -> s.op() == Opcode.DELETE);
        boolean body = false;
        for (Spec s : specs) {
            if (delete && !s.xattr() && s.op() != Opcode.DELETE) {
                throw new Refused(Status.SUBDOC_INVALID_COMBO, "A whole-document Delete takes no body specs");
            }
            // By the xattr flag alone: ReplaceBodyWithXattr carries it and counts as an xattr spec
            // (the transactions library sends it before the xattr removal).
            boolean xattrPhase = s.xattr();
            if (xattrPhase && body) {
                throw new Refused(Status.SUBDOC_INVALID_XATTR_ORDER, "Xattr specs must come before body specs");
            }
            body |= !xattrPhase;
        }
    }

    private static void checkDocFlags(int docFlags, boolean lookup, long cas, boolean single) throws Refused {
        if ((docFlags & ~DOC_FLAGS) != 0) {
            throw new Refused(Status.EINVAL, "Unknown document flags");
        }
        if (lookup) {
            if ((docFlags & ~(DOC_ACCESS_DELETED | DOC_REPLICA_READ)) != 0) {
                throw new Refused(Status.EINVAL, "Invalid document flags for a lookup");
            }
            return;
        }
        if ((docFlags & DOC_MKDOC) != 0 && (docFlags & DOC_ADD) != 0) {
            throw new Refused(Status.EINVAL, "Mkdoc and Add cannot be combined");
        }
        if ((docFlags & DOC_ADD) != 0 && cas != 0) {
            throw new Refused(Status.EINVAL, "Add cannot take a CAS");
        }
        if ((docFlags & DOC_REPLICA_READ) != 0) {
            throw new Refused(Status.EINVAL, "ReplicaRead is for lookups");
        }
        // The multi-path validator allows CreateAsDeleted alone: the transactions library sends
        // AccessDeleted|CreateAsDeleted with a tombstone's CAS to restage an insert.
        if (single && (docFlags & DOC_CREATE_AS_DELETED) != 0 && (docFlags & (DOC_MKDOC | DOC_ADD)) == 0) {
            throw new Refused(Status.EINVAL, "CreateAsDeleted needs Mkdoc or Add");
        }
        if ((docFlags & DOC_REVIVE) != 0
                && ((docFlags & DOC_ACCESS_DELETED) == 0 || (docFlags & DOC_CREATE_AS_DELETED) != 0)) {
            throw new Refused(Status.EINVAL, "ReviveDocument needs AccessDeleted and excludes CreateAsDeleted");
        }
    }

    /** A single-path command's spec: extras {@code pathlen u16 | flags u8 ...}, value = path then value. */
    private static Spec singleSpec(Command c) throws Refused {
        ByteBuf ex = c.request().extras();
        int pathLength = ex.getUnsignedShort(ex.readerIndex());
        int flags = ex.getUnsignedByte(ex.readerIndex() + 2);
        byte[] all = c.request().valueBytes();
        if (pathLength > all.length) {
            throw new Refused(Status.EINVAL, "The path length in the extras is longer than the value");
        }
        byte[] path = java.util.Arrays.copyOfRange(all, 0, pathLength);
        byte[] value = java.util.Arrays.copyOfRange(all, pathLength, all.length);
        Opcode op = c.opcode();
        if (isLookup(op) && value.length != 0) {
            throw new Refused(Status.EINVAL, "The path length in the extras must be the value length");
        }
        return new Spec(op, op.code(), flags, path, value);
    }

    /** Single-path doc flags: the last extras byte when there are 4 or 8. */
    private static int singleDocFlags(ByteBuf ex) {
        int n = ex.readableBytes();
        return n == 4 || n == 8 || n == 12 ? ex.getUnsignedByte(ex.readerIndex() + n - 1) : 0;
    }

    /** Single-path expiry: bytes 3..6 when there are 7 or 8. */
    private static long singleExpiry(ByteBuf ex) {
        int n = ex.readableBytes();
        return n >= 7 ? ex.getUnsignedInt(ex.readerIndex() + 3) : 0;
    }

    /** Single-path user flags: bytes 7..10 when there are 11 or 12; else null (keep the document's). */
    private static Integer singleUserFlags(ByteBuf ex) {
        return ex.readableBytes() >= 11 ? ex.getInt(ex.readerIndex() + 7) : null;
    }

    private static List<Spec> multiSpecs(ByteBuf v, boolean lookup) throws Refused {
        int i = v.readerIndex();
        int end = v.writerIndex();
        int header = lookup ? 4 : 8;
        List<Spec> specs = new ArrayList<>();
        while (i < end) {
            if (end - i < header) {
                throw new Refused(Status.EINVAL, "Spec " + specs.size() + " is truncated");
            }
            int code = v.getUnsignedByte(i);
            int flags = v.getUnsignedByte(i + 1);
            int pathLength = v.getUnsignedShort(i + 2);
            long valueLength = lookup ? 0 : v.getUnsignedInt(i + 4);
            if (end - i - header < pathLength + valueLength) {
                throw new Refused(Status.EINVAL, "Spec " + specs.size() + " is truncated");
            }
            byte[] path = new byte[pathLength];
            v.getBytes(i + header, path);
            byte[] value = new byte[(int) valueLength];
            v.getBytes(i + header + pathLength, value);
            Opcode op = Opcode.of(code);
            Spec s = new Spec(op == null ? Opcode.NOOP : op, code, flags, path, value);
            if (op == null) {
                throw new Refused(Status.SUBDOC_INVALID_COMBO, "Unknown spec opcode 0x" + Integer.toHexString(code));
            }
            checkSpec(s, lookup);
            specs.add(s);
            if (specs.size() > MAX_SPECS) {
                throw new Refused(Status.SUBDOC_INVALID_COMBO, "More than " + MAX_SPECS + " specs");
            }
            i += header + pathLength + (int) valueLength;
        }
        checkSpecs(specs);
        return specs;
    }

    // ------------------------------------------------------------------ lookups

    /** Where a spec's path leads: the JSON it is looked up in, and the parsed path; or a failure. */
    private record Target(Status status, byte[] json, SubdocPath path) {}

    private static Target target(Command c, SubdocDocument doc, Spec s) {
        SubdocPath path;
        try {
            path = SubdocPath.parse(s.path());
        } catch (SubdocPath.Invalid e) {
            return new Target(e.status, null, null);
        }
        if (s.xattr()) {
            if (!SubdocDocument.validXattrKey(path)) {
                return new Target(Status.XATTR_EINVAL, null, null);
            }
            if (SubdocDocument.isVirtual(path)) {
                byte[] v = doc.virtual(c.bucket(), path);
                return v == null
                        ? new Target(Status.SUBDOC_XATTR_UNKNOWN_VATTR, null, null)
                        : new Target(Status.SUCCESS, v, path);
            }
            return new Target(Status.SUCCESS, doc.xattrs, path);
        }
        Status body = doc.bodyStatus();
        return body == Status.SUCCESS ? new Target(Status.SUCCESS, doc.body, path) : new Target(body, null, null);
    }

    private static Result lookup(Command c, SubdocDocument doc, Spec s) {
        if (s.op() == Opcode.GET) {
            return doc.body.length == 0 ? Result.of(Status.SUBDOC_PATH_ENOENT) : new Result(Status.SUCCESS, doc.body);
        }
        Target t = target(c, doc, s);
        if (t.status() != Status.SUCCESS) {
            return Result.of(t.status());
        }
        SubdocLookup.Found f = SubdocLookup.find(t.json(), t.path());
        if (!f.ok()) {
            return Result.of(f.status());
        }
        return switch (s.op()) {
            case SUBDOC_EXISTS -> Result.of(Status.SUCCESS);
            case SUBDOC_GET_COUNT -> {
                try {
                    int n = SubdocLookup.count(t.json(), f);
                    yield n < 0
                            ? Result.of(Status.SUBDOC_PATH_MISMATCH)
                            : new Result(Status.SUCCESS, Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    yield Result.of(Status.SUBDOC_DOC_NOT_JSON);
                }
            }
            default -> new Result(Status.SUCCESS, SubdocLookup.bytes(t.json(), f));
        };
    }

    /** Reads the document for a command; responds and returns null if there is none to work on. */
    private static SubdocDocument read(Command c, boolean accessDeleted) {
        Object loaded = SubdocDocument.load(c.bucket(), c.docKey(), accessDeleted);
        if (loaded instanceof Status s) {
            c.respondError(s, s == Status.XATTR_EINVAL ? "The stored xattr section is damaged" : null);
            return null;
        }
        return (SubdocDocument) loaded;
    }

    /** SubdocGet, SubdocExists, SubdocGetCount on one path. */
    static void single(Command c) {
        Spec s;
        int docFlags = singleDocFlags(c.request().extras());
        try {
            s = singleSpec(c);
            checkSpec(s, true);
            checkXattrNegotiated(c, List.of(s));
            checkDocFlags(docFlags, true, 0, true);
        } catch (Refused r) {
            c.respondError(r.status, r.getMessage());
            return;
        }
        SubdocDocument doc = read(c, (docFlags & DOC_ACCESS_DELETED) != 0);
        if (doc == null) {
            return;
        }
        Result r = lookup(c, doc, s);
        if (r.status() != Status.SUCCESS) {
            c.respondError(r.status(), null);
            return;
        }
        int datatype = c.opcode() == Opcode.SUBDOC_EXISTS ? Datatype.RAW : Datatype.JSON;
        c.respond(
                doc.deleted ? Status.SUBDOC_SUCCESS_DELETED : Status.SUCCESS,
                datatype,
                doc.cas,
                null,
                null,
                r.value().length == 0 ? null : r.value());
    }

    /**
     * SubdocMultiLookup: extras {@code [doc flags u8]}, value = specs {@code opcode u8 | flags u8 |
     * pathlen u16 | path}. Answers each spec's {@code status u16 | length u32 | value}; the overall
     * status is Success, or MultiPathFailure when a spec failed (the Deleted variants on a tombstone).
     */
    static void multiLookup(Command c) {
        ByteBuf ex = c.request().extras();
        int docFlags = ex.readableBytes() == 1 ? ex.getUnsignedByte(ex.readerIndex()) : 0;
        List<Spec> specs;
        try {
            checkDocFlags(docFlags, true, 0, false);
            specs = multiSpecs(c.request().value(), true);
            checkXattrNegotiated(c, specs);
        } catch (Refused r) {
            c.respondError(r.status, r.getMessage());
            return;
        }
        SubdocDocument doc = read(c, (docFlags & DOC_ACCESS_DELETED) != 0);
        if (doc == null) {
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean allOk = true;
        for (Spec s : specs) {
            Result r = lookup(c, doc, s);
            allOk &= r.status() == Status.SUCCESS;
            writeShort(out, r.status().code());
            writeInt(out, r.value().length);
            out.writeBytes(r.value());
        }
        Status overall = allOk
                ? (doc.deleted ? Status.SUBDOC_SUCCESS_DELETED : Status.SUCCESS)
                : (doc.deleted ? Status.SUBDOC_MULTI_PATH_FAILURE_DELETED : Status.SUBDOC_MULTI_PATH_FAILURE);
        c.respond(overall, Datatype.RAW, doc.cas, null, null, out.toByteArray());
    }

    // ------------------------------------------------------------------ mutations

    /** The single-path mutations (value = path then value; Counter answers the new number). */
    static void singleMutation(Command c) {
        ByteBuf ex = c.request().extras();
        int docFlags = singleDocFlags(ex);
        Spec s;
        try {
            s = singleSpec(c);
            checkSpec(s, false);
            checkXattrNegotiated(c, List.of(s));
            checkDocFlags(docFlags, false, c.request().cas(), true);
            checkFlagsForSpecs(docFlags, List.of(s));
        } catch (Refused r) {
            c.respondError(r.status, r.getMessage());
            return;
        }
        mutate(c, List.of(s), docFlags, singleExpiry(ex), singleUserFlags(ex), true);
    }

    /**
     * SubdocMultiMutation: extras {@code [expiry u32] [doc flags u8]}, value = specs {@code opcode u8
     * | flags u8 | pathlen u16 | valuelen u32 | path | value}. On success the body lists the specs
     * that return a value ({@code index u8 | status u16 | length u32 | value}); on failure the status
     * is MultiPathFailure with {@code index u8 | status u16} of the first failing spec, and nothing
     * changed.
     */
    static void multiMutation(Command c) {
        ByteBuf ex = c.request().extras();
        int n = ex.readableBytes();
        int docFlags = n == 1 || n == 5 || n == 9 ? ex.getUnsignedByte(ex.readerIndex() + n - 1) : 0;
        long expiry = n >= 4 ? ex.getUnsignedInt(ex.readerIndex()) : 0;
        Integer userFlags = n >= 8 ? ex.getInt(ex.readerIndex() + 4) : null;
        List<Spec> specs;
        try {
            checkDocFlags(docFlags, false, c.request().cas(), false);
            specs = multiSpecs(c.request().value(), false);
            checkXattrNegotiated(c, specs);
            checkFlagsForSpecs(docFlags, specs);
        } catch (Refused r) {
            c.respondError(r.status, r.getMessage());
            return;
        }
        mutate(c, specs, docFlags, expiry, userFlags, false);
    }

    /** The first failing spec of a mutation. */
    private record Failure(int index, Status status) {}

    /** Most bytes of system xattrs one document may carry (kv_engine's privileged bytes). */
    static final int MAX_SYSTEM_XATTR_BYTES = 1024 * 1024;

    private static void mutate(
            Command c, List<Spec> specs, int docFlags, long expiry, Integer userFlags, boolean single) {
        long userCas = c.request().cas();
        boolean accessDeleted = (docFlags & DOC_ACCESS_DELETED) != 0;
        boolean create = (docFlags & (DOC_MKDOC | DOC_ADD)) != 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Object loaded = SubdocDocument.load(c.bucket(), c.docKey(), accessDeleted);
            SubdocDocument doc;
            boolean creating = false;
            if (loaded instanceof Status st) {
                if (st != Status.KEY_ENOENT || !create) {
                    c.respondError(st, null);
                    return;
                }
                if (userCas != 0) {
                    c.respondError(Status.KEY_ENOENT, null);
                    return;
                }
                doc = SubdocDocument.fresh(freshRoot(specs));
                creating = true;
            } else {
                doc = (SubdocDocument) loaded;
                if ((docFlags & DOC_ADD) != 0) {
                    // Add fails on any document it fetched, a tombstone included (AccessDeleted): the
                    // transactions library then restages with the tombstone's CAS.
                    c.respondError(Status.KEY_EEXISTS, null);
                    return;
                }
                if ((docFlags & DOC_REVIVE) != 0 && !doc.deleted) {
                    c.respondError(Status.SUBDOC_CAN_ONLY_REVIVE_DELETED_DOCUMENTS, null);
                    return;
                }
            }
            Macros macros = new Macros();
            List<byte[]> values = new ArrayList<>(specs.size());
            boolean deleteDocument = false;
            boolean bodyTouched = false;
            Failure failure = null;
            for (int i = 0; i < specs.size() && failure == null; i++) {
                Spec s = specs.get(i);
                if (s.op() == Opcode.DELETE) {
                    deleteDocument = true;
                    values.add(NONE);
                    continue;
                }
                bodyTouched |= !s.xattr() || s.op() == Opcode.SUBDOC_REPLACE_BODY_WITH_XATTR;
                Result r = apply(c, doc, s, macros, create);
                values.add(r.value());
                if (r.status() != Status.SUCCESS) {
                    failure = new Failure(i, r.status());
                }
            }
            if (failure != null) {
                if (single) {
                    c.respondError(failure.status(), null);
                } else {
                    byte[] body = new byte[3];
                    body[0] = (byte) failure.index();
                    body[1] = (byte) (failure.status().code() >>> 8);
                    body[2] = (byte) failure.status().code();
                    c.respond(
                            Status.SUBDOC_MULTI_PATH_FAILURE, // never the Deleted variant for a mutation
                            Datatype.RAW,
                            0,
                            null,
                            null,
                            body);
                }
                return;
            }
            boolean resultDeleted = deleteDocument
                    || (creating && (docFlags & DOC_CREATE_AS_DELETED) != 0)
                    || (doc.deleted && (docFlags & DOC_REVIVE) == 0);
            if (resultDeleted && bodyTouched && !deleteDocument) {
                c.respondError(Status.SUBDOC_DELETED_DOCUMENT_CANT_HAVE_VALUE, null);
                return;
            }
            byte[] body = resultDeleted ? NONE : doc.body;
            java.util.Map<String, byte[]> xattrs = SubdocDocument.members(doc.xattrs);
            if (deleteDocument) {
                xattrs = Xattrs.systemOnly(xattrs);
            }
            int datatype = (xattrs.isEmpty() ? 0 : Datatype.XATTR)
                    | (!resultDeleted && JsonDetector.isJson(body) ? Datatype.JSON : 0);
            long systemBytes = 0;
            for (java.util.Map.Entry<String, byte[]> e : xattrs.entrySet()) {
                if (Xattrs.isSystem(e.getKey())) {
                    systemBytes += e.getKey().length() + e.getValue().length + 6;
                }
            }
            if (systemBytes > MAX_SYSTEM_XATTR_BYTES) {
                c.respondError(Status.E2BIG, "System xattrs are limited to " + MAX_SYSTEM_XATTR_BYTES + " bytes");
                return;
            }
            final java.util.Map<String, byte[]> finalXattrs = xattrs;
            DocumentWrite.Finisher finisher = macros.used()
                    ? (v, cas, seqno) -> Xattrs.encode(macros.expand(finalXattrs, body, cas, seqno), body)
                    : null;
            DocumentWrite w = new DocumentWrite(
                    creating,
                    userCas != 0 ? userCas : doc.cas,
                    doc.deleted && !creating,
                    resultDeleted,
                    Xattrs.encode(xattrs, body),
                    datatype,
                    userFlags != null ? userFlags : doc.item == null || creating ? 0 : doc.item.flags(),
                    expiry,
                    c.frameInfos().preserveTtl(),
                    finisher);
            MutationResult m = c.bucket().write(c.docKey(), w);
            Status st = m.status();
            boolean conflict = (st == Status.KEY_EEXISTS && userCas == 0 && (docFlags & DOC_ADD) == 0)
                    || (st == Status.KEY_ENOENT && userCas == 0);
            if (conflict) {
                continue; // changed since it was read: read it again
            }
            if (!m.isSuccess()) {
                c.respondError(st, null);
                return;
            }
            respondMutated(c, m, specs, values, single, resultDeleted);
            return;
        }
        c.respondError(Status.ETMPFAIL, "The document kept changing; gave up after " + MAX_ATTEMPTS + " attempts");
    }

    private static void respondMutated(
            Command c, MutationResult m, List<Spec> specs, List<byte[]> values, boolean single, boolean deleted) {
        Status status = deleted ? Status.SUBDOC_SUCCESS_DELETED : Status.SUCCESS;
        if (single) {
            byte[] v = values.get(0);
            c.respond(
                    status,
                    v.length == 0 ? Datatype.RAW : Datatype.JSON,
                    m.cas(),
                    c.mutationExtras(m),
                    null,
                    v.length == 0 ? null : v);
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < specs.size(); i++) {
            byte[] v = values.get(i);
            if (v.length != 0) {
                out.write(i);
                writeShort(out, Status.SUCCESS.code());
                writeInt(out, v.length);
                out.writeBytes(v);
            }
        }
        byte[] body = out.toByteArray();
        c.respond(status, Datatype.RAW, m.cas(), c.mutationExtras(m), null, body.length == 0 ? null : body);
    }

    /** The body of a document a mutation creates: an array if the first body path starts with one. */
    private static byte[] freshRoot(List<Spec> specs) {
        for (Spec s : specs) {
            if (s.xattr() || s.wholeDocument()) {
                continue;
            }
            boolean array = (s.path().length == 0
                            && (s.op() == Opcode.SUBDOC_ARRAY_PUSH_LAST
                                    || s.op() == Opcode.SUBDOC_ARRAY_PUSH_FIRST
                                    || s.op() == Opcode.SUBDOC_ARRAY_ADD_UNIQUE))
                    || (s.path().length > 0 && s.path()[0] == '[');
            return (array ? "[]" : "{}").getBytes(StandardCharsets.US_ASCII);
        }
        return "{}".getBytes(StandardCharsets.US_ASCII);
    }

    /** Applies one mutation spec to {@code doc}; the result's value is Counter's new number. */
    private static Result apply(Command c, SubdocDocument doc, Spec s, Macros macros, boolean mkdirP) {
        if (s.op() == Opcode.SET) {
            doc.bodyReplaced(s.value(), JsonDetector.isJson(s.value()));
            return Result.of(Status.SUCCESS);
        }
        SubdocPath path;
        try {
            path = SubdocPath.parse(s.path());
        } catch (SubdocPath.Invalid e) {
            return Result.of(e.status);
        }
        if (s.xattr()) {
            if (!SubdocDocument.validXattrKey(path)) {
                return Result.of(Status.XATTR_EINVAL);
            }
            if (SubdocDocument.isVirtual(path)) {
                return Result.of(
                        s.op() == Opcode.SUBDOC_REPLACE_BODY_WITH_XATTR
                                ? Status.SUBDOC_XATTR_UNKNOWN_VATTR
                                : Status.SUBDOC_XATTR_CANT_MODIFY_VATTR);
            }
            if (s.op() == Opcode.SUBDOC_REPLACE_BODY_WITH_XATTR) {
                // Runs in the xattr phase, in order: it sees the xattr specs before it.
                SubdocLookup.Found f = SubdocLookup.find(doc.xattrs, path);
                if (!f.ok()) {
                    return Result.of(f.status());
                }
                byte[] v = SubdocLookup.bytes(doc.xattrs, f);
                doc.bodyReplaced(v, v.length > 0 && JsonDetector.isJson(v));
                return Result.of(Status.SUCCESS);
            }
            byte[] value = s.value();
            if ((s.flags() & PATH_EXPAND_MACROS) != 0) {
                Object expanded = macros.substitute(value, doc, c);
                if (expanded instanceof Status st) {
                    return Result.of(st);
                }
                value = (byte[]) expanded;
            }
            SubdocJson.Outcome o = mutateJson(doc.xattrs, path, s, value, mkdirP);
            if (!o.ok()) {
                return Result.of(o.status());
            }
            doc.xattrs = o.doc();
            return new Result(Status.SUCCESS, o.value() == null ? NONE : o.value());
        }
        Status body = doc.bodyStatus();
        if (body != Status.SUCCESS) {
            return Result.of(doc.deleted && doc.body.length == 0 ? Status.SUBDOC_PATH_ENOENT : body);
        }
        SubdocJson.Outcome o = mutateJson(doc.body, path, s, s.value(), mkdirP);
        if (!o.ok()) {
            return Result.of(o.status());
        }
        doc.bodyChanged(o.doc());
        return new Result(Status.SUCCESS, o.value() == null ? NONE : o.value());
    }

    /** One mutation of a JSON text (the body, or the attributes as one object). */
    private static SubdocJson.Outcome mutateJson(
            byte[] json, SubdocPath path, Spec s, byte[] value, boolean impliedMkdirP) {
        // Mkdoc and Add imply create-parents on every spec (kv_engine).
        boolean mkdirP = impliedMkdirP || (s.flags() & PATH_MKDIR_P) != 0;
        Opcode op = s.op();
        if (op != Opcode.SUBDOC_DELETE && op != Opcode.SUBDOC_COUNTER) {
            boolean multi = op == Opcode.SUBDOC_ARRAY_PUSH_LAST
                    || op == Opcode.SUBDOC_ARRAY_PUSH_FIRST
                    || op == Opcode.SUBDOC_ARRAY_INSERT;
            int depth = SubdocJson.valueDepth(value, multi);
            if (depth < 0) {
                return SubdocJson.Outcome.failure(Status.SUBDOC_VALUE_CANTINSERT);
            }
            if (depth + path.components().size() + (multi ? 1 : 0) > SubdocLookup.MAX_DEPTH) {
                return SubdocJson.Outcome.failure(Status.SUBDOC_VALUE_ETOODEEP);
            }
        }
        try {
            return switch (op) {
                case SUBDOC_DICT_ADD -> SubdocJson.set(json, path, value, SubdocJson.SetMode.ADD, mkdirP);
                case SUBDOC_DICT_UPSERT -> SubdocJson.set(json, path, value, SubdocJson.SetMode.UPSERT, mkdirP);
                case SUBDOC_REPLACE -> SubdocJson.set(json, path, value, SubdocJson.SetMode.REPLACE, false);
                case SUBDOC_DELETE -> SubdocJson.delete(json, path);
                case SUBDOC_ARRAY_PUSH_LAST -> SubdocJson.push(json, path, value, false, mkdirP);
                case SUBDOC_ARRAY_PUSH_FIRST -> SubdocJson.push(json, path, value, true, mkdirP);
                case SUBDOC_ARRAY_INSERT -> SubdocJson.insert(json, path, value);
                case SUBDOC_ARRAY_ADD_UNIQUE -> SubdocJson.addUnique(json, path, value, mkdirP);
                case SUBDOC_COUNTER -> SubdocJson.counter(json, path, value, mkdirP);
                default -> SubdocJson.Outcome.failure(Status.EINVAL);
            };
        } catch (IOException e) {
            return SubdocJson.Outcome.failure(Status.SUBDOC_DOC_NOT_JSON);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void writeShort(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        byte[] b = new byte[4];
        Command.putInt(b, 0, v);
        out.writeBytes(b);
    }
}
