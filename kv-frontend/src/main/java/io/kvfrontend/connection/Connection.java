package io.kvfrontend.connection;

import io.kvfrontend.auth.BucketAccess;
import io.kvfrontend.auth.SaslExchange;
import io.kvfrontend.auth.User;
import io.kvfrontend.codec.McbpFrameDecoder;
import io.kvfrontend.codec.McbpRequest;
import io.kvfrontend.codec.ResponseEncoder;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.OutputFrame;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.protocol.Magic;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-connection state and the command sequencing of one channel: negotiated features, the
 * selected bucket, the command in progress, requests waiting behind a blocked command or backed-up
 * output, and the connection's {@link ConnectionOutput}.
 *
 * <p>Commands run strictly one at a time in arrival order (mcbp-protocol.md 1.7). A command that
 * would block keeps its request and {@link CommandCookie}; later requests queue behind it, and
 * reading stops when the queue passes its bounds. While the channel is not writable (its output
 * past the high-water mark) reading stops and requests already read queue too, until it is writable
 * again (below the low-water mark), so a client that pipelines without reading cannot make
 * responses pile up.
 *
 * <p>Commands see it as a {@link Session}; the connection services ({@link ConnectionServices})
 * are all it knows of the server, and its {@link CommandRunner} all it knows of the layer above.
 *
 * <p><b>Event-loop confined</b> (the confined methods assert it), except {@link #id()},
 * {@link #output()}, {@link #eventLoop()}, {@link #channel()}, the reads of {@link #features()},
 * {@link #bucket()} and {@link #agent()} (volatile: off-loop encoders and diagnostics read them)
 * and {@link #encode}, which are thread-safe.
 */
public final class Connection implements Session, ConnectionOutput.FrameEncoder {
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final ConnectionServices server;
    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final EventLoop loop;
    private final McbpFrameDecoder decoder;
    private final ConnectionOutput output;
    private final CommandRunner commands;

    /** Bit {@code n} set = HELLO feature {@code n} negotiated. Volatile: read by off-loop encoders. */
    private volatile long features;
    /** The authenticated user; {@code null} until SASL succeeds (when authentication is on). */
    private User user;

    /** auth-timeout's scheduled close; null once authenticated, or without a limit. */
    private ScheduledFuture<?> authDeadline;

    private SaslExchange sasl;
    /** Volatile: written on the loop, read anywhere (diagnostics, STAT of other connections). */
    private volatile Bucket bucket;

    private volatile String agent = "";
    /** The cluster-map version this client said it has (GetClusterConfig), for NotMyVbucket dedupe. */
    private long knownConfigEpoch = Long.MIN_VALUE;

    private long knownConfigRevision = Long.MIN_VALUE;

    // Sized for the common case, nothing waiting: the deque grows when requests back up (an idle
    // connection keeps 24 bytes here instead of 88).
    private final ArrayDeque<McbpRequest> waiting = new ArrayDeque<>(1);
    private long waitingBytes;
    /** {@link #processWaiting} is running (it may be re-entered through an answer's write). */
    private boolean processingWaiting;

    private McbpRequest blockedRequest;
    private CommandCookie blockedCookie;
    /** When the blocked command was first dispatched: its latency runs to its final response. */
    private long blockedSinceNanos;

    private boolean closing;
    /** The server is stopping: read nothing more, finish what was read, then close. */
    private boolean draining;
    /** Output is shut down after a drain; input is read only to see the client close. */
    private boolean discardingInput;

    public Connection(ConnectionServices server, ChannelHandlerContext ctx, McbpFrameDecoder decoder) {
        this.server = server;
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.loop = channel.eventLoop();
        this.decoder = decoder;
        this.output = new ConnectionOutput(
                ctx, server.outputMetrics(), this, server.outputScheduler(loop), this::onOutputRoom);
        this.commands = server.commandRunner(this);
        if (!server.limits().authEnabled()) {
            // Development mode: everyone is trusted, as an administrator.
            authenticated(ANONYMOUS);
        }
    }

    /** Who a connection is when authentication is off. */
    private static final User ANONYMOUS = new User("<anonymous>", true, BucketAccess.all());

    // ---------------------------------------------------------------- thread-safe accessors

    @Override
    public long id() {
        return id;
    }

    public ConnectionOutput output() {
        return output;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    public long features() {
        return features;
    }

    @Override
    public boolean has(int feature) {
        return (features & (1L << feature)) != 0;
    }

    // ---------------------------------------------------------------- event-loop state

    /** The server's parts this connection uses. */
    public ConnectionServices services() {
        return server;
    }

    public Channel channel() {
        return channel;
    }

    @Override
    public boolean inEventLoop() {
        return loop.inEventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public void write(ByteBuf header, ByteBuf value) {
        assert loop.inEventLoop() : "response written off the event loop";
        output.writeOnLoop(header, value);
    }

    public ChannelHandlerContext context() {
        return ctx;
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public void features(long mask) {
        assert loop.inEventLoop();
        this.features = mask;
        decoder.acceptServerResponses(has(Feature.DUPLEX));
    }

    /**
     * The auth-timeout's scheduled close, cancelled (and dropped: an idle connection keeps no task)
     * when authentication succeeds, which for an offloaded PLAIN check is after the read that carried
     * it, or when the connection ends.
     */
    void authDeadline(ScheduledFuture<?> deadline) {
        assert loop.inEventLoop();
        this.authDeadline = deadline;
    }

    /** Whether an auth-timeout close is still scheduled for this connection. Event loop. */
    public boolean hasAuthDeadline() {
        assert loop.inEventLoop();
        return authDeadline != null;
    }

    private void cancelAuthDeadline() {
        if (authDeadline != null) {
            authDeadline.cancel(false);
            authDeadline = null;
        }
    }

    @Override
    public boolean isAuthenticated() {
        assert loop.inEventLoop();
        return user != null;
    }

    /**
     * SASL succeeded (or authentication is off): lifts the pre-authentication frame limit and, as
     * kv_engine does for clients that cannot select a bucket (plain memcached clients), selects the
     * bucket named after the user if it may use it, else the bucket {@code default} if it may use
     * that. Clients that send SelectBucket choose for themselves afterwards.
     */
    @Override
    public void authenticated(User user) {
        assert loop.inEventLoop();
        this.user = user;
        cancelAuthDeadline();
        decoder.maxBodyLength(server.limits().maxFrameBytes());
        Bucket initial = null;
        for (String name : new String[] {user.name(), "default"}) {
            Bucket b = server.engine().bucket(name);
            if (b != null && user.canAccessBucket(name)) {
                initial = b;
                break;
            }
        }
        this.bucket = initial;
    }

    /** The authenticated user, or {@code null}. */
    @Override
    public User user() {
        assert loop.inEventLoop();
        return user;
    }

    /** This connection's SASL exchange, created on first use. */
    @Override
    public SaslExchange sasl() {
        assert loop.inEventLoop();
        if (sasl == null) {
            sasl = server.sasl().newExchange();
        }
        return sasl;
    }

    /**
     * Pushes the current cluster map (ClustermapChangeNotification, mcbp-protocol.md 9.2) if this
     * client negotiated Duplex and notifications and does not have this version yet: the selected
     * bucket's map, or the global one without a bucket; the whole JSON, or only the version with
     * the brief variant. Event loop.
     */
    public void pushClusterMapIfSubscribed() {
        assert loop.inEventLoop() : "pushClusterMapIfSubscribed off the event loop";
        boolean brief = has(Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF);
        if (closing
                || !has(Feature.DUPLEX)
                || !(brief || has(Feature.CLUSTERMAP_CHANGE_NOTIFICATION))
                || hasCurrentConfig()
                || (bucket != null && server.engine().bucket(bucket.name()) != bucket)) {
            // Not subscribed, up to date, or on a bucket that is gone (its connections are closing).
            return;
        }
        var map = server.clusterMap();
        // Read before rendering: if the map moves meanwhile, the next push brings the newer one.
        long revision = map.revision();
        byte[] value = brief ? new byte[0] : bucket == null ? map.globalConfig() : map.bucketConfig(bucket);
        byte[] key = bucket == null ? new byte[0] : bucket.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] extras = java.nio.ByteBuffer.allocate(16)
                .putLong(map.epoch())
                .putLong(revision)
                .array();
        int datatype = !brief && has(Feature.JSON) ? Datatype.JSON : 0;
        output.writeOnLoop(
                ResponseEncoder.serverRequest(
                        channel.alloc(), CLUSTERMAP_CHANGE_NOTIFICATION, datatype, extras, key, value.length),
                ResponseEncoder.value(value));
        output.flushIfNeeded();
        knownConfig(map.epoch(), revision);
        server.stats().clusterMapPushes.increment();
    }

    /** The server request opcode of a cluster-map change notification. */
    private static final int CLUSTERMAP_CHANGE_NOTIFICATION = 0x01;

    /** Records the cluster-map version the client has. */
    @Override
    public void knownConfig(long epoch, long revision) {
        assert loop.inEventLoop();
        this.knownConfigEpoch = epoch;
        this.knownConfigRevision = revision;
    }

    /** Whether the client already has the current cluster map (as far as it told us). */
    @Override
    public boolean hasCurrentConfig() {
        assert loop.inEventLoop();
        return knownConfigEpoch != Long.MIN_VALUE && server.clusterMap().isKnown(knownConfigEpoch, knownConfigRevision);
    }

    @Override
    public Bucket bucket() {
        return bucket;
    }

    @Override
    public void bucket(Bucket bucket) {
        assert loop.inEventLoop();
        this.bucket = bucket;
        // A new bucket means a new map: the client's known version no longer applies.
        this.knownConfigEpoch = Long.MIN_VALUE;
    }

    @Override
    public String agent() {
        return agent;
    }

    @Override
    public void agent(String agent) {
        assert loop.inEventLoop();
        this.agent = agent;
    }

    /** Whether no command other than the one running is in flight (HELLO, SelectBucket need this). */
    public boolean isOnlyCommandInFlight() {
        assert loop.inEventLoop();
        return waiting.isEmpty();
    }

    /** The datatype bits this client may see in responses. */
    @Override
    public int datatypeMask() {
        return Session.datatypeMask(features);
    }

    /** The wire status for {@code status}, or {@link StatusRemap#DISCONNECT}. Any thread. */
    @Override
    public int wireStatus(Status status, int opcode) {
        return Session.wireStatus(features, status, opcode);
    }

    /** Stops taking requests; the connection closes once pending output is flushed. */
    @Override
    public void closeAfterFlush() {
        assert loop.inEventLoop();
        closing = true;
        output.flushIfNeeded();
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    public boolean isClosing() {
        return closing;
    }

    /**
     * Graceful stop (event loop): reads nothing more, lets the command in progress and the requests
     * already read run to their responses, and closes once everything is flushed.
     */
    public void drainAndClose() {
        assert loop.inEventLoop();
        draining = true;
        runWaitingIfRoom();
        updateAutoRead();
        closeIfDrained();
    }

    /**
     * Ends a drained connection with a half-close: flush, send FIN, then discard whatever the client
     * still sends until it closes too (or the shutdown timeout closes it). Closing outright with
     * unread input would make TCP send a reset, which can destroy responses the client has not read.
     */
    private void closeIfDrained() {
        if (!draining || closing || blockedRequest != null || !waiting.isEmpty()) {
            return;
        }
        closing = true;
        output.flushIfNeeded();
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess() && channel instanceof DuplexChannel duplex) {
                // Over TLS, close_notify first: the half-close goes to the socket, past the SslHandler.
                SslHandler tls = channel.pipeline().get(SslHandler.class);
                (tls == null ? channel.newSucceededFuture() : tls.closeOutbound()).addListener(sent -> {
                    duplex.shutdownOutput();
                    discardingInput = true;
                    channel.config().setAutoRead(true);
                });
            } else {
                channel.close();
            }
        });
    }

    /** A new cookie for the running command, which is about to call a would-block engine method. */
    @Override
    public CommandCookie newCookie(int opcode, int opaque) {
        return new CommandCookie(this, opcode, opaque);
    }

    // ---------------------------------------------------------------- pipeline events

    /** A framed request arrived. Ownership passes to this connection. */
    public void onRequest(McbpRequest request) {
        assert loop.inEventLoop();
        if (closing) {
            request.release();
            return;
        }
        if (request.magic() == Magic.SERVER_RESPONSE) {
            // A Duplex client's reply to a cluster-map notification (the decoder lets 0x83 through
            // only after Duplex): nothing to do, as in kv_engine.
            request.release();
            return;
        }
        if (blockedRequest != null || !waiting.isEmpty() || !channel.isWritable()) {
            // Behind a blocked command, or behind output the client has not read: a pipelined batch of
            // large gets from a client that stopped reading would otherwise buffer every answer.
            waiting.add(request);
            waitingBytes += request.content().readableBytes();
            updateAutoRead();
            return;
        }
        execute(request, null, System.nanoTime());
    }

    /** The end of a read batch: one flush for every response it produced. */
    public void onReadComplete() {
        assert loop.inEventLoop();
        output.flushIfNeeded();
        closeIfDrained();
    }

    public void onWritabilityChanged() {
        assert loop.inEventLoop();
        updateAutoRead();
        output.onWritabilityChanged();
        runWaitingIfRoom();
    }

    /** The channel is gone: release everything this connection still owns. */
    public void onInactive() {
        assert loop.inEventLoop();
        closing = true;
        cancelAuthDeadline();
        output.close();
        if (blockedCookie != null) {
            blockedCookie.producerDone();
        }
        // Background work this connection started (range scans) stops and lets go of everything.
        server.engine().connectionClosed(id);
        McbpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        waitingBytes = 0;
        if (blockedRequest != null) {
            blockedRequest.release();
            blockedRequest = null;
            blockedCookie = null;
        }
    }

    // ---------------------------------------------------------------- command sequencing

    /**
     * Runs one command.
     *
     * @param startNanos when it was first dispatched (a resumed command keeps its first dispatch's)
     */
    private void execute(McbpRequest request, CommandCookie resumed, long startNanos) {
        assert loop.inEventLoop();
        CommandCookie blocked = commands.run(request, resumed, startNanos);
        if (blocked != null) {
            blockedRequest = request;
            blockedCookie = blocked;
            blockedSinceNanos = startNanos;
        } else {
            request.release();
        }
    }

    /**
     * Resumes the blocked command whose engine work finished (runs on the loop, enqueued by
     * {@link CommandCookie#notifyIoComplete}). Success calls the engine again with the same cookie;
     * any other status is the command's response.
     */
    void resume(CommandCookie cookie, Status status) {
        assert loop.inEventLoop();
        if (cookie != blockedCookie) {
            // The connection closed (and released the request) while the engine worked.
            return;
        }
        McbpRequest request = blockedRequest;
        long startNanos = blockedSinceNanos;
        blockedRequest = null;
        blockedCookie = null;
        if (status == Status.SUCCESS) {
            cookie.rearm();
            execute(request, cookie, startNanos);
        } else {
            try {
                commands.fail(request, cookie, status, startNanos);
            } finally {
                request.release();
            }
        }
        processWaiting();
        output.flushIfNeeded();
    }

    private void processWaiting() {
        if (processingWaiting) {
            return; // an answer's write found room again: the loop below goes on by itself
        }
        processingWaiting = true;
        try {
            McbpRequest r;
            while (blockedRequest == null && !closing && channel.isWritable() && (r = waiting.poll()) != null) {
                waitingBytes -= r.content().readableBytes();
                execute(r, null, System.nanoTime());
            }
        } finally {
            processingWaiting = false;
        }
        updateAutoRead();
        closeIfDrained();
    }

    /** Buffered output fell to the low-water mark: run the requests that waited for it, read again. */
    private void onOutputRoom() {
        assert loop.inEventLoop();
        if (!runWaitingIfRoom()) {
            updateAutoRead();
        }
    }

    /**
     * Runs the requests that waited for the channel to become writable, if it is and nothing blocks
     * them. Netty reports every unwritable-to-writable change ({@link #onWritabilityChanged}), so
     * requests queued for that reason always get here.
     */
    private boolean runWaitingIfRoom() {
        if (blockedRequest != null || waiting.isEmpty() || processingWaiting || !channel.isWritable()) {
            return false;
        }
        processWaiting();
        output.flushIfNeeded();
        return true;
    }

    private void updateAutoRead() {
        if (discardingInput) {
            return;
        }
        boolean read = !closing
                && !draining
                && channel.isWritable()
                && !output.isBackedUp()
                && waiting.size() < server.limits().maxWaitingRequests()
                && waitingBytes < server.limits().maxWaitingBytes();
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    // ---------------------------------------------------------------- off-loop encoding

    @Override
    public PendingFrame encode(int opcode, int opaque, OutputFrame frame) {
        int status = wireStatus(frame.status(), opcode);
        if (status == StatusRemap.DISCONNECT) {
            return null;
        }
        // Copied whole: the producer may reuse its arrays, and the copy is on its thread.
        return new PendingFrame(
                ResponseEncoder.whole(
                        channel.alloc(),
                        opcode,
                        status,
                        opaque,
                        frame.cas(),
                        frame.datatype() & datatypeMask(),
                        frame.extras(),
                        frame.key(),
                        frame.value(),
                        frame.valueLength()),
                null);
    }

    @Override
    public String toString() {
        return "Connection{id=" + id + ", remote=" + channel.remoteAddress() + "}";
    }
}
