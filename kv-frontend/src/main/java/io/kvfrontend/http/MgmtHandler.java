package io.kvfrontend.http;

import io.kvfrontend.auth.User;
import io.kvfrontend.auth.UserStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One management HTTP connection: checks the method, routes the path, authenticates with HTTP Basic
 * against the MCBP server's {@link UserStore}, runs the route and writes its answer (keep-alive is
 * handled by the {@code HttpServerKeepAliveHandler} before this one). A malformed request gets 400
 * and the connection closes.
 *
 * <p><b>Event-loop confined</b> (one instance per channel). Checking a password costs one PBKDF2
 * run (CPU only, about a millisecond); the connection remembers a digest of the last credentials it
 * verified, so a keep-alive client polling with the same credentials pays it once.
 */
final class MgmtHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(MgmtHandler.class);
    static final String REALM = "Basic realm=\"kv-frontend\"";
    /** Host names, IPv4 and bracketed IPv6 literals, with an optional port. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.%a-zA-Z]+\\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?");

    private final MgmtHttpServer server;
    private byte[] verifiedDigest;
    private User verifiedUser;

    MgmtHandler(MgmtHttpServer server) {
        super(true);
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            server.mayLogBadRequest(
                    ctx.channel().remoteAddress(), request.decoderResult().cause());
            respond(ctx, request, HttpAnswer.error(HttpResponseStatus.BAD_REQUEST, "Malformed request"), true);
            return;
        }
        List<String> segments;
        String host;
        try {
            segments = decodedSegments(request.uri());
            host = host(
                    request.headers().get(HttpHeaderNames.HOST), ctx.channel().localAddress());
        } catch (IllegalArgumentException e) {
            respond(ctx, request, HttpAnswer.error(HttpResponseStatus.BAD_REQUEST, e.getMessage()), true);
            return;
        }
        MgmtRouter.Lookup lookup = server.router().lookup(request.method().name(), segments);
        MgmtRouter.Match match = lookup.match();
        if (match == null) {
            if (lookup.allowed().isEmpty()) {
                respond(
                        ctx,
                        request,
                        HttpAnswer.error(HttpResponseStatus.NOT_FOUND, "Requested resource not found."),
                        false);
            } else {
                respondNotAllowed(ctx, request, lookup.allowed());
            }
            return;
        }
        Map<String, String> form;
        try {
            form = form(request);
        } catch (IllegalArgumentException e) {
            respond(ctx, request, HttpAnswer.error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, e.getMessage()), false);
            return;
        }
        Optional<User> user = Optional.empty();
        if (server.authEnabled() && match.route().access() == MgmtRouter.Access.AUTHENTICATED) {
            User u = authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION));
            if (u == null) {
                server.authFailures().increment();
                respond(
                        ctx,
                        request,
                        HttpAnswer.error(HttpResponseStatus.UNAUTHORIZED, "Authentication required"),
                        false);
                return;
            }
            user = Optional.of(u);
        }
        HttpAnswer answer;
        try {
            answer = match.route()
                    .handler()
                    .handle(new HttpRequestInfo(
                            user, host, match.params(), request.headers().get(HttpHeaderNames.ACCEPT), form));
        } catch (RuntimeException e) {
            LOG.warn("management request {} failed", match.route().pattern(), e);
            answer = HttpAnswer.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal error");
        }
        respond(ctx, request, answer, false);
    }

    /**
     * The fields of a form-encoded body (first value of each), or none without a body.
     *
     * @throws IllegalArgumentException for a body of another content type
     */
    static Map<String, String> form(FullHttpRequest request) {
        if (request.content().readableBytes() == 0) {
            return Map.of();
        }
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && !type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)) {
            throw new IllegalArgumentException("The body must be application/x-www-form-urlencoded");
        }
        String body = request.content().toString(StandardCharsets.UTF_8);
        Map<String, String> out = new LinkedHashMap<>();
        new QueryStringDecoder(body, StandardCharsets.UTF_8, false)
                .parameters()
                .forEach((k, v) -> out.put(k, v.isEmpty() ? "" : v.get(0)));
        return out;
    }

    /** The path's segments, percent-decoded; the query string is ignored. */
    static List<String> decodedSegments(String uri) {
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            throw new IllegalArgumentException("The request target must be an absolute path");
        }
        QueryStringDecoder d = new QueryStringDecoder(uri);
        List<String> out = new ArrayList<>();
        for (String raw : MgmtRouter.split(d.rawPath())) {
            String s = QueryStringDecoder.decodeComponent(raw);
            if (s.indexOf('/') >= 0 || s.chars().anyMatch(ch -> ch < 0x20)) {
                throw new IllegalArgumentException("Malformed path");
            }
            out.add(s);
        }
        return out;
    }

    /**
     * The host the client addressed: the {@code Host} header without its port, or this socket's
     * local address when there is none (HTTP/1.0).
     */
    static String host(String header, SocketAddress local) {
        if (header != null && !header.isEmpty()) {
            var m = HOST.matcher(header);
            if (header.length() > 255 || !m.matches()) {
                throw new IllegalArgumentException("Malformed Host header");
            }
            return m.group(1);
        }
        if (local instanceof InetSocketAddress a) {
            String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
            int pct = h.indexOf('%');
            if (pct >= 0) {
                h = h.substring(0, pct);
            }
            return h.indexOf(':') >= 0 ? "[" + h + "]" : h;
        }
        return "127.0.0.1";
    }

    /** The user for a {@code Basic} Authorization header, or {@code null}. */
    private User authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        byte[] digest = digest(authorization);
        if (verifiedDigest != null && MessageDigest.isEqual(digest, verifiedDigest)) {
            return verifiedUser;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = -1;
        for (int i = 0; i < decoded.length; i++) {
            if (decoded[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            return null;
        }
        String name = new String(decoded, 0, colon, StandardCharsets.UTF_8);
        byte[] password = java.util.Arrays.copyOfRange(decoded, colon + 1, decoded.length);
        java.util.Arrays.fill(decoded, (byte) 0);
        try {
            User u = server.users().authenticatePlain(name, password).orElse(null);
            if (u != null) {
                verifiedDigest = digest;
                verifiedUser = u;
            }
            return u;
        } finally {
            java.util.Arrays.fill(password, (byte) 0);
        }
    }

    private byte[] digest(String authorization) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(server.digestKey());
            return md.digest(authorization.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void respondNotAllowed(ChannelHandlerContext ctx, FullHttpRequest request, Set<String> allowed) {
        String allow = String.join(", ", allowed);
        respond(
                ctx,
                request,
                HttpAnswer.error(
                        HttpResponseStatus.METHOD_NOT_ALLOWED,
                        "Method " + request.method().name() + " is not allowed here; allowed: " + allow),
                false,
                allow);
    }

    private void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpAnswer answer, boolean close) {
        respond(ctx, request, answer, close, null);
    }

    private void respond(
            ChannelHandlerContext ctx, FullHttpRequest request, HttpAnswer answer, boolean close, String allow) {
        server.stats().count(answer.status().code());
        // A request that did not parse has no trustworthy version: answer in HTTP/1.1.
        HttpVersion version = request.decoderResult().isFailure() ? HttpVersion.HTTP_1_1 : request.protocolVersion();
        FullHttpResponse response =
                new DefaultFullHttpResponse(version, answer.status(), Unpooled.wrappedBuffer(answer.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        if (answer.status().code() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, REALM);
        }
        if (allow != null) {
            response.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        if (close) {
            HttpUtil.setKeepAlive(response, false);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("management connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
