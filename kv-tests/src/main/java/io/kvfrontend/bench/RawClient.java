package io.kvfrontend.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * kv-bench's own MCBP client: one blocking socket, no allocation per request on the get/set path,
 * pipelining by sending several requests before reading their responses, and range scans read frame
 * by frame without keeping them. Fast enough that the client is not what a benchmark measures.
 *
 * <p>Every failure that a user can cause (target down, not MCBP, wrong credentials, no such bucket)
 * is a {@link BenchException} with one line that names it.
 *
 * <p><b>Not thread-safe</b>: one thread per client.
 */
public final class RawClient implements AutoCloseable {
    static final int GET = 0x00;
    static final int SET = 0x01;
    static final int HELLO = 0x1f;
    static final int SASL_AUTH = 0x21;
    static final int SELECT_BUCKET = 0x89;
    static final int RANGE_SCAN_CREATE = 0xda;
    static final int RANGE_SCAN_CONTINUE = 0xdb;
    static final int RANGE_SCAN_CANCEL = 0xdc;

    static final int SUCCESS = 0x00;
    static final int KEY_ENOENT = 0x01;
    static final int AUTH_ERROR = 0x20;
    static final int EACCESS = 0x24;
    static final int RANGE_SCAN_MORE = 0xa6;
    static final int RANGE_SCAN_COMPLETE = 0xa7;

    /** HELLO features: XERROR, JSON, SELECT_BUCKET. */
    private static final short[] FEATURES = {0x07, 0x0b, 0x08};

    private final String target;
    private final SocketChannel channel;
    private final ByteBuffer out = ByteBuffer.allocateDirect(256 * 1024);
    private final ByteBuffer in = ByteBuffer.allocateDirect(512 * 1024);
    private byte[] body = new byte[64 * 1024];
    private int bodyLength;
    private int status;
    private int opaque;
    private int extrasLength;
    private int keyLength;
    private boolean checkedMagic;

    private RawClient(String target, SocketChannel channel) {
        this.target = target;
        this.channel = channel;
        in.limit(0);
    }

    /** Connects, and authenticates and selects {@code bucket} unless {@code user} is empty. */
    public static RawClient open(Target target, String user, String password, String bucket) {
        RawClient c = connect(target);
        try {
            c.hello("kv-bench");
            if (user != null && !user.isEmpty()) {
                c.authenticate(user, password);
            }
            if (bucket != null && !bucket.isEmpty()) {
                c.selectBucket(bucket, user);
            }
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    static RawClient connect(Target target) {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(new InetSocketAddress(target.host(), target.port()), 5000);
            ch.socket().setSoTimeout(0);
            return new RawClient(target.toString(), ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new BenchException("cannot connect to " + target + ": " + message(e));
        }
    }

    void hello(String agent) {
        byte[] value = new byte[FEATURES.length * 2];
        ByteBuffer v = ByteBuffer.wrap(value);
        for (short f : FEATURES) {
            v.putShort(f);
        }
        call(HELLO, agent.getBytes(StandardCharsets.UTF_8), null, value, 0);
        if (status != SUCCESS) {
            throw new BenchException(target + " refused HELLO with status 0x" + Integer.toHexString(status));
        }
    }

    void authenticate(String user, String password) {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[2 + u.length + p.length];
        System.arraycopy(u, 0, value, 1, u.length);
        System.arraycopy(p, 0, value, 2 + u.length, p.length);
        call(SASL_AUTH, "PLAIN".getBytes(StandardCharsets.US_ASCII), null, value, 0);
        if (status == AUTH_ERROR) {
            throw new BenchException(
                    "authentication failed at " + target + " for user '" + user + "': wrong user name or password");
        }
        if (status != SUCCESS) {
            throw new BenchException(
                    "authentication at " + target + " failed with status 0x" + Integer.toHexString(status));
        }
    }

    void selectBucket(String bucket, String user) {
        call(SELECT_BUCKET, bucket.getBytes(StandardCharsets.UTF_8), null, null, 0);
        if (status == KEY_ENOENT || status == EACCESS) {
            throw new BenchException("bucket '" + bucket + "' does not exist at " + target
                    + (user == null || user.isEmpty() ? "" : " or user '" + user + "' may not use it"));
        }
        if (status != SUCCESS) {
            throw new BenchException(
                    "selecting bucket '" + bucket + "' failed with status 0x" + Integer.toHexString(status));
        }
    }

    // ------------------------------------------------------------------ requests

    /** Queues a Get (not sent until {@link #flush()}). */
    public void sendGet(byte[] key, int opaque) {
        header(GET, key.length, 0, 0, key.length, opaque);
        out.put(key);
    }

    /** Queues a Set with flags 0 and no expiry. */
    public void sendSet(byte[] key, byte[] value, int opaque) {
        header(SET, key.length, 8, 0, 8 + key.length + value.length, opaque);
        out.putInt(0).putInt(0).put(key).put(value);
    }

    /** Sends everything queued. */
    public void flush() {
        out.flip();
        try {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        } catch (IOException e) {
            throw new BenchException("connection to " + target + " failed: " + message(e));
        } finally {
            out.clear();
        }
    }

    /** Room left in the send buffer, so callers can flush before a request does not fit. */
    public int sendRoom() {
        return out.remaining();
    }

    /** Reads the next response; its status is {@link #status()}, its value {@link #value()}. */
    public void receive() {
        ensure(24);
        int magic = in.get(in.position()) & 0xff;
        if (magic != 0x81 && magic != 0x18) {
            throw new BenchException(
                    checkedMagic
                            ? "bad response magic 0x" + Integer.toHexString(magic) + " from " + target
                            : target + " does not speak MCBP (its first byte was 0x" + Integer.toHexString(magic)
                                    + ")");
        }
        checkedMagic = true;
        int p = in.position();
        boolean flex = magic == 0x18;
        int framingLength = flex ? in.get(p + 2) & 0xff : 0;
        keyLength = flex ? in.get(p + 3) & 0xff : in.getShort(p + 2) & 0xffff;
        extrasLength = in.get(p + 4) & 0xff;
        status = in.getShort(p + 6) & 0xffff;
        int total = in.getInt(p + 8);
        opaque = in.getInt(p + 12);
        in.position(p + 24);
        if (total < 0 || total > 64 * 1024 * 1024) {
            throw new BenchException("bad body length " + total + " from " + target);
        }
        if (body.length < total) {
            body = new byte[Math.max(total, body.length * 2)];
        }
        int read = 0;
        while (read < total) {
            ensure(1);
            int n = Math.min(in.remaining(), total - read);
            in.get(body, read, n);
            read += n;
        }
        // The framing extras come first in the body; drop them.
        if (framingLength > 0) {
            System.arraycopy(body, framingLength, body, 0, total - framingLength);
        }
        bodyLength = total - framingLength;
    }

    /** One request, one response. */
    int call(int opcode, byte[] key, byte[] extras, byte[] value, int datatype) {
        int k = key == null ? 0 : key.length;
        int e = extras == null ? 0 : extras.length;
        int v = value == null ? 0 : value.length;
        header(opcode, k, e, datatype, k + e + v, 0);
        if (extras != null) {
            out.put(extras);
        }
        if (key != null) {
            out.put(key);
        }
        if (value != null) {
            out.put(value);
        }
        flush();
        receive();
        return status;
    }

    private void header(int opcode, int keyLength, int extrasLength, int datatype, int bodyLength, int opaque) {
        out.put((byte) 0x80)
                .put((byte) opcode)
                .putShort((short) keyLength)
                .put((byte) extrasLength)
                .put((byte) datatype)
                .putShort((short) 0)
                .putInt(bodyLength)
                .putInt(opaque)
                .putLong(0);
    }

    private void ensure(int n) {
        if (in.remaining() >= n) {
            return;
        }
        in.compact();
        try {
            while (in.position() < n) {
                if (channel.read(in) < 0) {
                    throw new EOFException("the server closed the connection");
                }
            }
        } catch (IOException e) {
            throw new BenchException(
                    (checkedMagic ? "connection to " : "no MCBP answer from ") + target + ": " + message(e));
        } finally {
            in.flip();
        }
    }

    // ------------------------------------------------------------------ range scans

    /**
     * Creates a range scan over the default collection (documents, or keys only); returns its id.
     */
    byte[] createScan(boolean keyOnly) {
        return createScan(keyOnly, null);
    }

    /** A range scan over a collection ({@code null}: the default one), given by its hex id. */
    byte[] createScan(boolean keyOnly, String collection) {
        String json = "{" + (keyOnly ? "\"key_only\":true" : "")
                + (collection == null ? "" : (keyOnly ? "," : "") + "\"collection\":\"" + collection + "\"") + "}";
        call(RANGE_SCAN_CREATE, null, null, json.getBytes(StandardCharsets.US_ASCII), 0x01);
        if (status != SUCCESS || bodyLength < 16) {
            throw new BenchException("range-scan create at " + target + " failed with status 0x"
                    + Integer.toHexString(status) + " " + new String(body, 0, bodyLength, StandardCharsets.UTF_8));
        }
        return Arrays.copyOfRange(body, extrasLength + keyLength, extrasLength + keyLength + 16);
    }

    /** How one continue ended. */
    record ContinueResult(boolean complete) {}

    /**
     * One continue with these limits (0 = none), read to its end (RangeScanMore or
     * RangeScanComplete); items and bytes are added to {@code counters} frame by frame.
     */
    ContinueResult continueScan(
            byte[] uuid, boolean keyOnly, int itemLimit, int byteLimit, PhaseRunner.ScanCounters counters) {
        ByteBuffer extras =
                ByteBuffer.allocate(28).put(uuid).putInt(itemLimit).putInt(0).putInt(byteLimit);
        header(RANGE_SCAN_CONTINUE, 0, 28, 0, 28, 1);
        out.put(extras.array());
        flush();
        while (true) {
            receive();
            if (status == SUCCESS) {
                int off = extrasLength + keyLength;
                counters.frames.incrementAndGet();
                counters.bytes.addAndGet(bodyLength - off);
                counters.items.addAndGet(countItems(body, off, bodyLength, keyOnly));
            } else if (status == RANGE_SCAN_MORE || status == RANGE_SCAN_COMPLETE) {
                return new ContinueResult(status == RANGE_SCAN_COMPLETE);
            } else {
                throw new BenchException(
                        "range-scan continue at " + target + " ended with status 0x" + Integer.toHexString(status));
            }
        }
    }

    /** Cancels a scan that is not complete (KeyEnoent if it ended meanwhile is fine). */
    void cancelScan(byte[] uuid) {
        call(RANGE_SCAN_CANCEL, null, uuid, null, 0);
    }

    /** Items in a continue frame's value (mcbp-protocol.md 11.2): LEB128 lengths, metadata for documents. */
    static int countItems(byte[] v, int from, int to, boolean keyOnly) {
        int n = 0;
        int i = from;
        while (i < to) {
            if (!keyOnly) {
                i += 4 + 4 + 8 + 8 + 1;
            }
            i = skipLeb128Prefixed(v, i);
            if (!keyOnly) {
                i = skipLeb128Prefixed(v, i);
            }
            n++;
        }
        return n;
    }

    private static int skipLeb128Prefixed(byte[] v, int i) {
        int length = 0;
        int shift = 0;
        while (true) {
            int b = v[i++] & 0xff;
            length |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return i + length;
            }
            shift += 7;
        }
    }

    // ------------------------------------------------------------------ the last response

    public int status() {
        return status;
    }

    public int opaque() {
        return opaque;
    }

    /** The last response's value (after extras and key). */
    public byte[] value() {
        return Arrays.copyOfRange(body, extrasLength + keyLength, bodyLength);
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static String message(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
