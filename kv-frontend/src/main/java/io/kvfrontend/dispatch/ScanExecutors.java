package io.kvfrontend.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.EngineResult;
import io.kvfrontend.engine.spi.RangeScanSpec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Executors of the range-scan commands (mcbp-protocol.md 11; sdk-compat.md 5): RangeScanCreate
 * parses its JSON into a {@link RangeScanSpec} and hands it to the engine, which creates the scan on
 * its background executor; RangeScanContinue hands the scan to the engine's continue task, which
 * writes the item frames through the cookie's output, and answers the final frame (RangeScanMore or
 * RangeScanComplete, extras = flags u32, no value) when resumed; RangeScanCancel is inline.
 *
 * <p>Errors the engine notifies while blocked (KeyEnoent for an empty range, Etmpfail,
 * RangeScanCancelled, ...) are answered by the connection's resume path.
 *
 * <p><b>Immutable</b> (static methods, run on the event loop).
 */
final class ScanExecutors {
    /** Longest decoded range key (mcbp-protocol.md 11.1). */
    static final int MAX_RANGE_KEY = 250;
    /** Longest scan name in bytes. */
    static final int MAX_NAME = 50;
    /** The end of a scan with neither range nor sampling: 251 bytes of 0xFF, as kv_engine. */
    private static final int FULL_RANGE_END_LENGTH = 251;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    private ScanExecutors() {}

    /** RangeScanCreate (0xda): value = JSON with datatype JSON; vBucket from the header. */
    static void create(Command c) {
        Bucket bucket = c.bucket();
        int vbucket = c.request().vbucket();
        RangeScanSpec spec = null;
        if (!c.isResumed()) {
            if (!c.connection().has(Feature.JSON)) {
                c.respondError(Status.EINVAL, "RangeScanCreate needs the JSON datatype (negotiate it with HELLO)");
                return;
            }
            try {
                spec = parse(c.request().valueBytes(), c.connection().has(Feature.XATTR))
                        .withSnappyValues(c.connection().has(Feature.SNAPPY));
            } catch (Invalid e) {
                c.respondError(e.status, e.getMessage());
                return;
            }
        }
        EngineResult<byte[]> r = bucket.rangeScanCreate(c.cookie(), vbucket, spec);
        if (r.wouldBlock()) {
            c.wouldBlock();
        } else if (r.status() == Status.SUCCESS) {
            c.respond(Status.SUCCESS, Datatype.RAW, 0, null, null, r.value());
        } else {
            c.respondError(r.status(), null);
        }
    }

    /**
     * RangeScanContinue (0xdb): extras = scan id (16), item limit u32, time limit ms u32, byte limit
     * u32 (plain big-endian, mcbp-protocol.md 11.2).
     */
    static void continueScan(Command c) {
        ByteBuf ex = c.request().extras();
        byte[] id = new byte[16];
        ex.getBytes(ex.readerIndex(), id);
        int itemLimit = ex.getInt(ex.readerIndex() + 16);
        int timeLimitMs = ex.getInt(ex.readerIndex() + 20);
        int byteLimit = ex.getInt(ex.readerIndex() + 24);
        EngineResult<Integer> r =
                c.bucket().rangeScanContinue(c.cookie(), c.request().vbucket(), id, itemLimit, timeLimitMs, byteLimit);
        if (r.wouldBlock()) {
            c.wouldBlock();
        } else if (r.status() == Status.RANGE_SCAN_MORE || r.status() == Status.RANGE_SCAN_COMPLETE) {
            byte[] flags = new byte[4];
            Command.putInt(flags, 0, r.value() == null ? 0 : r.value());
            c.respond(r.status(), Datatype.RAW, 0, flags, null, null);
        } else {
            c.respondError(r.status(), r.status() == Status.KEY_ENOENT ? "Unknown range scan id" : null);
        }
    }

    /** RangeScanCancel (0xdc): extras = scan id (16). */
    static void cancel(Command c) {
        ByteBuf ex = c.request().extras();
        byte[] id = new byte[16];
        ex.getBytes(ex.readerIndex(), id);
        Status s = c.bucket().rangeScanCancel(c.request().vbucket(), id);
        if (s == Status.SUCCESS) {
            c.respondSuccess();
        } else {
            c.respondError(s, s == Status.KEY_ENOENT ? "Unknown range scan id" : null);
        }
    }

    // ---------------------------------------------------------------- the create JSON

    /** A request the create JSON makes invalid, with the status to answer. */
    static final class Invalid extends Exception {
        final Status status;

        Invalid(Status status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        Invalid(String message) {
            this(Status.EINVAL, message);
        }
    }

    /**
     * Parses the RangeScanCreate JSON (mcbp-protocol.md 11.1). Unknown members are ignored. Neither
     * {@code range} nor {@code sampling} means the whole collection (start empty, end 251 x 0xFF),
     * as kv_engine does. The sampling seed is any unsigned integer: the Java SDK sends 63-bit seeds.
     */
    static RangeScanSpec parse(byte[] json, boolean xattrNegotiated) throws Invalid {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new Invalid("Invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Invalid("Invalid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new Invalid("RangeScanCreate value must be a JSON object");
        }
        int collection = DocKey.DEFAULT_COLLECTION;
        JsonNode n = root.get("collection");
        if (n != null) {
            if (!n.isTextual() || !n.asText().matches("[0-9a-fA-F]{1,8}")) {
                throw new Invalid("collection must be a hex string of at most 8 digits");
            }
            collection = Integer.parseUnsignedInt(n.asText(), 16);
        }
        boolean keyOnly = bool(root, "key_only");
        if (bool(root, "include_xattrs")) {
            if (keyOnly) {
                throw new Invalid("include_xattrs cannot be combined with key_only");
            }
            if (!xattrNegotiated) {
                throw new Invalid(Status.NOT_SUPPORTED, "include_xattrs needs the XATTR feature");
            }
        }
        String name = null;
        n = root.get("name");
        if (n != null) {
            if (!n.isTextual() || n.asText().getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
                throw new Invalid("name must be a string of at most " + MAX_NAME + " bytes");
            }
            name = n.asText();
        }
        RangeScanSpec.SnapshotRequirements snapshot = snapshot(root.get("snapshot_requirements"));
        JsonNode range = root.get("range");
        JsonNode sampling = root.get("sampling");
        if (range != null && sampling != null) {
            throw new Invalid("range and sampling cannot both be given");
        }
        if (sampling != null) {
            if (!sampling.isObject()) {
                throw new Invalid("sampling must be an object");
            }
            JsonNode samples = sampling.get("samples");
            if (samples == null) {
                throw new Invalid("sampling.samples is required");
            }
            long count = unsigned(samples, "sampling.samples");
            if (count == 0) {
                throw new Invalid("sampling.samples must be at least 1");
            }
            JsonNode seedNode = sampling.get("seed");
            long seed = seedNode == null ? 0 : unsigned(seedNode, "sampling.seed");
            return new RangeScanSpec(collection, keyOnly, null, false, null, false, count, seed, snapshot, name);
        }
        if (range == null) {
            byte[] end = new byte[FULL_RANGE_END_LENGTH];
            Arrays.fill(end, (byte) 0xff);
            return new RangeScanSpec(collection, keyOnly, new byte[0], true, end, true, 0, 0, snapshot, name);
        }
        if (!range.isObject()) {
            throw new Invalid("range must be an object");
        }
        Bound start = bound(range, "start", "excl_start");
        Bound end = bound(range, "end", "excl_end");
        return new RangeScanSpec(
                collection, keyOnly, start.key, start.inclusive, end.key, end.inclusive, 0, 0, snapshot, name);
    }

    private record Bound(byte[] key, boolean inclusive) {}

    private static Bound bound(JsonNode range, String inclusiveName, String exclusiveName) throws Invalid {
        JsonNode inc = range.get(inclusiveName);
        JsonNode exc = range.get(exclusiveName);
        if ((inc == null) == (exc == null)) {
            throw new Invalid("range needs exactly one of " + inclusiveName + " and " + exclusiveName);
        }
        JsonNode n = inc != null ? inc : exc;
        String what = "range." + (inc != null ? inclusiveName : exclusiveName);
        if (!n.isTextual()) {
            throw new Invalid(what + " must be a base64 string");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(n.asText());
        } catch (IllegalArgumentException e) {
            throw new Invalid(what + " is not valid base64");
        }
        if (key.length > MAX_RANGE_KEY) {
            throw new Invalid(what + " is longer than " + MAX_RANGE_KEY + " bytes");
        }
        return new Bound(key, inc != null);
    }

    private static RangeScanSpec.SnapshotRequirements snapshot(JsonNode n) throws Invalid {
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            throw new Invalid("snapshot_requirements must be an object");
        }
        JsonNode uuid = n.get("vb_uuid");
        if (uuid == null || !uuid.isTextual()) {
            throw new Invalid("snapshot_requirements.vb_uuid must be a string holding a decimal number");
        }
        long vbUuid;
        try {
            vbUuid = Long.parseUnsignedLong(uuid.asText());
        } catch (NumberFormatException e) {
            throw new Invalid("snapshot_requirements.vb_uuid must be a string holding a decimal number");
        }
        JsonNode seqno = n.get("seqno");
        if (seqno == null) {
            throw new Invalid("snapshot_requirements.seqno is required");
        }
        long s = unsigned(seqno, "snapshot_requirements.seqno");
        boolean exists = bool(n, "seqno_exists");
        JsonNode timeout = n.get("timeout_ms");
        long timeoutMs = timeout == null ? 0 : unsigned(timeout, "snapshot_requirements.timeout_ms");
        if (timeoutMs < 0) {
            timeoutMs = Long.MAX_VALUE; // above 2^63 ms: forever, as far as anyone will notice
        }
        return new RangeScanSpec.SnapshotRequirements(vbUuid, s, exists, timeoutMs);
    }

    private static boolean bool(JsonNode parent, String field) throws Invalid {
        JsonNode n = parent.get(field);
        if (n == null) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new Invalid(field + " must be a boolean");
        }
        return n.booleanValue();
    }

    /** An unsigned 64-bit integer (returned as its two's complement bits). */
    private static long unsigned(JsonNode n, String what) throws Invalid {
        if (!n.isIntegralNumber()) {
            throw new Invalid(what + " must be an unsigned integer");
        }
        BigInteger v = n.bigIntegerValue();
        if (v.signum() < 0 || v.compareTo(TWO_TO_64) >= 0) {
            throw new Invalid(what + " must be an unsigned 64-bit integer");
        }
        return v.longValue();
    }
}
