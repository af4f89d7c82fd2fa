package io.kvfrontend.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvfrontend.codec.FrameInfos;
import io.kvfrontend.codec.McbpRequest;
import io.kvfrontend.codec.ResponseEncoder;
import io.kvfrontend.connection.CommandCookie;
import io.kvfrontend.connection.Session;
import io.kvfrontend.connection.StatusRemap;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.protocol.Opcode;
import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command a connection is running: its request, what validation decoded from it, and the ways
 * an executor answers it. One instance per connection, reused for each command (commands of a
 * connection run one at a time).
 *
 * <p>Responses written here go to the connection's output on the event loop without a flush; the
 * connection flushes once per batch. Quiet opcodes drop the uninteresting outcome their
 * {@link CommandSpec.Quiet} rule names (mcbp-protocol.md 3.5); errors are always sent.
 *
 * <p><b>Event-loop confined.</b>
 */
public final class Command {
    private static final byte[] NO_BYTES = new byte[0];
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Session connection;
    private final Services services;
    private McbpRequest request;
    private Opcode opcode;
    private CommandSpec spec;
    private FrameInfos frameInfos = FrameInfos.NONE;
    private DocKey docKey;
    private CommandCookie cookie;
    private boolean resumed;
    private boolean blocked;
    /** The status of the last response answered (sent or suppressed), for the command meters. */
    private Status outcome;

    public Command(Session connection, Services services) {
        this.connection = connection;
        this.services = services;
    }

    /** Starts a command (or resumes one, with the cookie it blocked with). */
    public void begin(McbpRequest request, CommandCookie resumed) {
        assert connection.inEventLoop() : "command run off its event loop";
        this.request = request;
        this.cookie = resumed;
        this.resumed = resumed != null;
        this.opcode = Opcode.of(request.opcode());
        this.spec = null;
        this.frameInfos = FrameInfos.NONE;
        this.docKey = null;
        this.blocked = false;
        this.outcome = null;
    }

    /** Forgets the request (the connection has released it or keeps it as blocked). */
    public void end() {
        this.request = null;
        this.cookie = null;
        this.docKey = null;
        this.spec = null;
    }

    // ---------------------------------------------------------------- what was decoded

    public McbpRequest request() {
        return request;
    }

    /** The opcode, or {@code null} if this server does not know it. */
    public Opcode opcode() {
        return opcode;
    }

    public Session connection() {
        return connection;
    }

    /** The server's parts executors use. */
    public Services server() {
        return services;
    }

    public Bucket bucket() {
        return connection.bucket();
    }

    public FrameInfos frameInfos() {
        return frameInfos;
    }

    /** The document key (collection + logical key), for commands whose spec has a document key. */
    public DocKey docKey() {
        return docKey;
    }

    void validated(CommandSpec spec, FrameInfos frameInfos, DocKey docKey) {
        this.spec = spec;
        this.frameInfos = frameInfos;
        this.docKey = docKey;
    }

    public boolean isQuiet() {
        return opcode != null && opcode.isQuiet();
    }

    // ---------------------------------------------------------------- would-block

    /** The cookie to hand to a would-block engine call: the resumed one, or a new one. */
    public CommandCookie cookie() {
        if (cookie == null) {
            cookie = connection.newCookie(request.opcode(), request.opaque());
        }
        return cookie;
    }

    /**
     * Whether this command is being run again after the engine finished work it blocked on: the
     * engine then answers from what it left in the cookie's engine storage.
     */
    public boolean isResumed() {
        return resumed;
    }

    /**
     * The engine returned "would block": the command keeps its request and cookie, and the
     * connection runs nothing else until the engine calls {@code notifyIoComplete}.
     */
    public void wouldBlock() {
        cookie();
        blocked = true;
    }

    public boolean isBlocked() {
        return blocked;
    }

    /**
     * The status this command answered last (a stream's is its terminator's; a quiet command's
     * suppressed answer counts), or {@code null} if it answered nothing (QuitQ).
     */
    public Status outcome() {
        return outcome;
    }

    // ---------------------------------------------------------------- responses

    private boolean suppressed(Status status) {
        return isQuiet() && spec != null && spec.quiet().suppresses(status);
    }

    /** Sends a response with the given parts; the value array is wrapped, not copied. */
    public void respond(Status status, int datatype, long cas, byte[] extras, byte[] key, byte[] value) {
        send(status, datatype, cas, extras, key, null, value);
    }

    /** Sends a response that echoes the request's key (GetK family), copied from the request. */
    public void respondWithRequestKey(Status status, int datatype, long cas, byte[] extras, byte[] value) {
        send(status, datatype, cas, extras, null, request.key(), value);
    }

    /** One response; the key comes from {@code key} or, if that is null, from {@code requestKey}. */
    private void send(
            Status status, int datatype, long cas, byte[] extras, byte[] key, ByteBuf requestKey, byte[] value) {
        outcome = status;
        if (suppressed(status)) {
            return;
        }
        int code = wireStatus(status);
        if (code < 0) {
            return;
        }
        int valueLength = value == null ? 0 : value.length;
        int dt = datatype & connection.datatypeMask();
        ByteBuf header = requestKey != null
                ? ResponseEncoder.header(
                        connection.alloc(),
                        request.opcode(),
                        code,
                        request.opaque(),
                        cas,
                        dt,
                        extras,
                        requestKey,
                        valueLength)
                : ResponseEncoder.header(
                        connection.alloc(),
                        request.opcode(),
                        code,
                        request.opaque(),
                        cas,
                        dt,
                        extras,
                        key,
                        valueLength);
        connection.write(header, ResponseEncoder.value(value));
    }

    /** Success with an empty body. */
    public void respondSuccess() {
        respond(Status.SUCCESS, Datatype.RAW, 0, null, null, null);
    }

    /** Success with a value and nothing else. */
    public void respondValue(byte[] value, int datatype) {
        respond(Status.SUCCESS, datatype, 0, null, null, value);
    }

    /**
     * An error: no extras or key (mcbp-protocol.md 3.4). The body is, for clients that negotiated
     * extended errors, {@code {"error":{"context":...}}} (plus {@code manifest_uid} for unknown
     * collections and scopes); for NotMyVbucket it is the bucket's cluster map, unless the client
     * negotiated deduplication and already has it. Statuses a non-XERROR client cannot understand
     * close the connection instead, as kv_engine does.
     */
    public void respondError(Status status, String context) {
        outcome = status;
        if (suppressed(status)) {
            return;
        }
        int code = wireStatus(status);
        if (code < 0) {
            return;
        }
        byte[] body = NO_BYTES;
        int datatype = Datatype.RAW;
        Bucket bucket = connection.bucket();
        if (status == Status.NOT_MY_VBUCKET && bucket != null) {
            if (!(connection.has(Feature.DEDUPE_NOT_MY_VBUCKET_CLUSTERMAP) && connection.hasCurrentConfig())) {
                // The revision before the map: if the map moves on meanwhile, the client is
                // recorded as having the older one and gets the newer map next time.
                long revision = server().clusterMap().revision();
                body = server().clusterMap().bucketConfig(bucket);
                datatype = Datatype.JSON;
                connection.knownConfig(server().clusterMap().epoch(), revision);
            }
        } else if (connection.has(Feature.XERROR)) {
            Map<String, Object> root = new LinkedHashMap<>();
            if ((status == Status.UNKNOWN_COLLECTION || status == Status.UNKNOWN_SCOPE) && bucket != null) {
                root.put("manifest_uid", Long.toHexString(bucket.collections().uid()));
            }
            if (context != null) {
                root.put("error", Map.of("context", context));
            }
            if (!root.isEmpty()) {
                body = json(root);
                datatype = Datatype.JSON;
            }
        }
        ByteBuf header = ResponseEncoder.header(
                connection.alloc(),
                request.opcode(),
                code,
                request.opaque(),
                0,
                datatype & connection.datatypeMask(),
                null,
                (byte[]) null,
                body.length);
        connection.write(header, ResponseEncoder.value(body));
    }

    /** The response to a mutation: CAS, plus the mutation token when negotiated. */
    public void respondMutation(MutationResult r) {
        if (!r.isSuccess()) {
            respondError(r.status(), null);
            return;
        }
        respond(Status.SUCCESS, Datatype.RAW, r.cas(), mutationExtras(r), null, null);
    }

    /** 16 bytes of vBucket UUID and seqno if MutationSeqno was negotiated, else none (sdk-compat.md 8). */
    public byte[] mutationExtras(MutationResult r) {
        if (!connection.has(Feature.MUTATION_SEQNO)) {
            return null;
        }
        byte[] extras = new byte[16];
        putLong(extras, 0, r.vbUuid());
        putLong(extras, 8, r.seqno());
        return extras;
    }

    private int wireStatus(Status status) {
        int code = connection.wireStatus(status, request.opcode());
        if (code == StatusRemap.DISCONNECT) {
            connection.closeAfterFlush();
        }
        return code;
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static byte[] json(Object tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
