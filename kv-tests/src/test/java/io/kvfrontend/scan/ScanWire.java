package io.kvfrontend.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The range-scan wire format as the tests see it, written out from mcbp-protocol.md 11 (and 5, 6,
 * 10) rather than taken from the server's own classes, so a wrong constant in the server cannot make
 * its own test agree with it.
 */
final class ScanWire {
    static final int SET = 0x01;
    static final int DELETE = 0x04;
    static final int STAT = 0x10;
    static final int HELLO = 0x1f;
    static final int CREATE = 0xda;
    static final int CONTINUE = 0xdb;
    static final int CANCEL = 0xdc;

    static final int SUCCESS = 0x00;
    static final int KEY_ENOENT = 0x01;
    static final int EINVAL = 0x04;
    static final int NOT_STORED = 0x05;
    static final int NOT_MY_VBUCKET = 0x07;
    static final int NOT_SUPPORTED = 0x83;
    static final int EBUSY = 0x85;
    static final int ETMPFAIL = 0x86;
    static final int UNKNOWN_COLLECTION = 0x88;
    static final int RANGE_SCAN_CANCELLED = 0xa5;
    static final int RANGE_SCAN_MORE = 0xa6;
    static final int RANGE_SCAN_COMPLETE = 0xa7;
    static final int VB_UUID_NOT_EQUAL = 0xa8;

    static final int FEATURE_MUTATION_SEQNO = 0x04;
    static final int FEATURE_XERROR = 0x07;
    static final int FEATURE_JSON = 0x0b;
    static final int FEATURE_COLLECTIONS = 0x12;

    /** U+10FFFF in UTF-8: what the SDK appends to a prefix for the exclusive end of a prefix scan. */
    static final byte[] MAX_CODE_POINT = {(byte) 0xf4, (byte) 0x8f, (byte) 0xbf, (byte) 0xbf};

    private ScanWire() {}

    /** HELLO with XERROR, JSON and MutationSeqno (plus any extra features); asserts success. */
    static void hello(McbpClient c, int... extra) {
        ByteBuffer features = ByteBuffer.allocate(2 * (3 + extra.length));
        features.putShort((short) FEATURE_XERROR).putShort((short) FEATURE_JSON).putShort((short)
                FEATURE_MUTATION_SEQNO);
        for (int f : extra) {
            features.putShort((short) f);
        }
        Response r = c.call(Frames.request(HELLO).key("scan-test").value(features.array()));
        assertThat(r.status()).isZero();
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static String b64(String s) {
        return b64(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** RangeScanCreate with a JSON body. */
    static Frames create(int vbucket, String json) {
        return Frames.request(CREATE).vbucket(vbucket).datatype(0x01).value(json);
    }

    /** {@code {"range":{"start":..,"end":..}}} with inclusive or exclusive bounds and optional extras. */
    static String rangeJson(String start, boolean startExcl, String end, boolean endExcl, String more) {
        return "{\"range\":{\"" + (startExcl ? "excl_start" : "start") + "\":\"" + b64(start) + "\",\""
                + (endExcl ? "excl_end" : "end") + "\":\"" + b64(end) + "\"}" + (more.isEmpty() ? "" : "," + more)
                + "}";
    }

    static Frames continueScan(int vbucket, byte[] id, int items, int timeMs, int bytes, int opaque) {
        return Frames.request(CONTINUE)
                .vbucket(vbucket)
                .opaque(opaque)
                .extras(ByteBuffer.allocate(28)
                        .put(id)
                        .putInt(items)
                        .putInt(timeMs)
                        .putInt(bytes)
                        .array());
    }

    static Frames cancel(int vbucket, byte[] id) {
        return Frames.request(CANCEL).vbucket(vbucket).extras(id);
    }

    /** Creates a scan and returns its id, failing unless the server answered Success with 16 bytes. */
    static byte[] mustCreate(McbpClient c, int vbucket, String json) {
        Response r = c.call(create(vbucket, json));
        assertThat(r.status())
                .as("create status of " + json + ": " + r.valueString())
                .isEqualTo(SUCCESS);
        assertThat(r.opcode()).isEqualTo(CREATE);
        assertThat(r.datatype()).isZero();
        assertThat(r.extras()).isEmpty();
        assertThat(r.key()).isEmpty();
        assertThat(r.value()).hasSize(16);
        return r.value();
    }

    /** The frames of one continue: zero or more 0x00 frames, then one final frame. */
    record Continue(List<Response> items, Response last) {
        int status() {
            return last.status();
        }

        /** Every item payload of this continue, item frames only (the final frame carries none). */
        List<byte[]> payloads() {
            List<byte[]> out = new ArrayList<>();
            for (Response r : items) {
                out.add(r.value());
            }
            return out;
        }
    }

    /**
     * Reads one continue's frames and checks what every frame of it must be: opcode 0xdb, the request's
     * opaque, CAS 0, no key, 4 bytes of extras = {@code flags} on success frames.
     */
    static Continue receiveContinue(McbpClient c, int opaque, int flags) {
        List<Response> items = new ArrayList<>();
        while (true) {
            Response r = c.receive();
            assertThat(r.opcode()).isEqualTo(CONTINUE);
            assertThat(r.opaque()).as("opaque of every frame of the continue").isEqualTo(opaque);
            assertThat(r.cas()).isZero();
            assertThat(r.key()).isEmpty();
            if (r.status() == SUCCESS) {
                assertThat(r.extras())
                        .containsExactly(ByteBuffer.allocate(4).putInt(flags).array());
                assertThat(r.value()).as("a Success frame carries items").isNotEmpty();
                items.add(r);
                continue;
            }
            if (r.status() == RANGE_SCAN_MORE || r.status() == RANGE_SCAN_COMPLETE) {
                assertThat(r.extras())
                        .containsExactly(ByteBuffer.allocate(4).putInt(flags).array());
                assertThat(r.value()).as("the final frame is empty").isEmpty();
            }
            return new Continue(items, r);
        }
    }

    /** Sends a continue and reads its frames. */
    static Continue continueOnce(
            McbpClient c, int vbucket, byte[] id, int items, int timeMs, int bytes, int opaque, int flags) {
        c.send(continueScan(vbucket, id, items, timeMs, bytes, opaque));
        return receiveContinue(c, opaque, flags);
    }

    /** Continues until RangeScanComplete; returns the keys of a key-only scan in arrival order. */
    static List<String> scanKeys(McbpClient c, int vbucket, byte[] id, int items, int bytes) {
        List<String> keys = new ArrayList<>();
        int opaque = 1000;
        while (true) {
            Continue r = continueOnce(c, vbucket, id, items, 0, bytes, ++opaque, 0);
            for (byte[] p : r.payloads()) {
                decodeKeys(p).forEach(k -> keys.add(new String(k, StandardCharsets.UTF_8)));
            }
            if (r.status() == RANGE_SCAN_COMPLETE) {
                return keys;
            }
            assertThat(r.status()).isEqualTo(RANGE_SCAN_MORE);
        }
    }

    /** Continues until RangeScanComplete; returns the documents in arrival order. */
    static List<Doc> scanDocs(McbpClient c, int vbucket, byte[] id, int items, int bytes) {
        List<Doc> docs = new ArrayList<>();
        int opaque = 5000;
        while (true) {
            Continue r = continueOnce(c, vbucket, id, items, 0, bytes, ++opaque, 1);
            for (byte[] p : r.payloads()) {
                docs.addAll(decodeDocs(p));
            }
            if (r.status() == RANGE_SCAN_COMPLETE) {
                return docs;
            }
            assertThat(r.status()).isEqualTo(RANGE_SCAN_MORE);
        }
    }

    // ---------------------------------------------------------------- item encodings (11.2)

    /** One document record of a document scan. */
    record Doc(int flags, long expiry, long seqno, long cas, int datatype, byte[] key, byte[] value) {
        String keyString() {
            return new String(key, StandardCharsets.UTF_8);
        }

        String valueString() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    static List<byte[]> decodeKeys(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        List<byte[]> keys = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] k = new byte[leb128(b)];
            b.get(k);
            keys.add(k);
        }
        return keys;
    }

    static List<Doc> decodeDocs(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        List<Doc> docs = new ArrayList<>();
        while (b.hasRemaining()) {
            int flags = b.getInt();
            long expiry = b.getInt() & 0xffffffffL;
            long seqno = b.getLong();
            long cas = b.getLong();
            int datatype = b.get() & 0xff;
            byte[] k = new byte[leb128(b)];
            b.get(k);
            byte[] v = new byte[leb128(b)];
            b.get(v);
            docs.add(new Doc(flags, expiry, seqno, cas, datatype, k, v));
        }
        return docs;
    }

    private static int leb128(ByteBuffer b) {
        int v = 0;
        int shift = 0;
        while (true) {
            int x = b.get() & 0xff;
            v |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }

    static byte[] leb128(int v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7f) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- documents

    /** Set result: CAS and, with MutationSeqno negotiated, vBucket UUID and seqno. */
    record Stored(long cas, long vbUuid, long seqno) {}

    static Stored set(McbpClient c, String key, String value) {
        return set(c, bytes(key), bytes(value), 0, 0, 0);
    }

    static Stored set(McbpClient c, byte[] key, byte[] value, int flags, int expiry, int datatype) {
        Response r = c.call(Frames.request(SET)
                .key(key)
                .extras(Frames.storeExtras(flags, expiry))
                .value(value)
                .datatype(datatype));
        assertThat(r.status()).as("set status").isZero();
        long uuid = r.extras().length == 16 ? r.extrasLong(0) : 0;
        long seqno = r.extras().length == 16 ? r.extrasLong(8) : 0;
        return new Stored(r.cas(), uuid, seqno);
    }

    static void delete(McbpClient c, String key) {
        Response r = c.call(Frames.request(DELETE).key(key));
        assertThat(r.status()).as("delete status").isZero();
    }
}
