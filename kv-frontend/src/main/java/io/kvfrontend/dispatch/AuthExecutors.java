package io.kvfrontend.dispatch;

import io.kvfrontend.auth.PlainMechanism;
import io.kvfrontend.auth.SaslExchange;
import io.kvfrontend.auth.SaslOutcome;
import io.kvfrontend.connection.CommandCookie;
import io.kvfrontend.connection.Session;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SASL over MCBP (mcbp-protocol.md 7): SaslListMechs, SaslAuth and SaslStep, driving the
 * connection's {@code SaslExchange}. A success authenticates the connection; a failed attempt leaves
 * an already authenticated connection as it was (the client may retry).
 *
 * <p>PLAIN's password check runs on a slow-work thread ({@link Services#slowWork}), the rest on the
 * event loop.
 *
 * <p><b>Immutable</b> (static methods, run on the event loop).
 */
final class AuthExecutors {
    private static final Logger LOG = LoggerFactory.getLogger(AuthExecutors.class);

    private AuthExecutors() {}

    static void listMechanisms(Command c) {
        c.respondValue(c.server().sasl().listMechanisms().getBytes(StandardCharsets.US_ASCII), Datatype.RAW);
    }

    /**
     * Counts a refusal by reason and logs it once at WARN: mechanism, user name (as the client gave
     * it), remote address and why. Never the password, proof or client message.
     */
    private static void refused(Command c, String mechanism, SaslOutcome out) {
        SaslOutcome.Refusal why = out.refusal().orElseThrow();
        c.server().stats().authFailed(why);
        Session conn = c.connection();
        LOG.warn(
                "authentication refused: mechanism {}, user {}, remote {}, conn {}: {}",
                loggable(mechanism, 24),
                out.claimedUser().isEmpty() ? "(none)" : "'" + loggable(out.claimedUser(), 64) + "'",
                conn.remoteAddress(),
                conn.id(),
                out.logReason());
    }

    /** Text from the client, safe for one log line: control characters escaped, at most {@code max} chars. */
    static String loggable(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length() && i < max; i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7f || ch == '\'') {
                sb.append(String.format("\\x%02x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        if (s.length() > max) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** SaslAuth (start) and SaslStep: key = mechanism, value = the client's message. */
    static void authenticate(Command c) {
        Session conn = c.connection();
        String mechanism = c.request().key().toString(StandardCharsets.US_ASCII);
        byte[] message = c.request().valueBytes();
        boolean start = c.opcode() == io.kvfrontend.protocol.Opcode.SASL_AUTH;
        SaslOutcome out;
        if (c.isResumed()) {
            // The slow part ran on a slow-work thread, which left its outcome in the cookie.
            CommandCookie cookie = c.cookie();
            out = (SaslOutcome) cookie.engineStorage();
            cookie.engineStorage(null);
        } else if (start && PlainMechanism.NAME.equals(mechanism) && c.server().slowWork() != null) {
            offload(c, conn.sasl(), mechanism, message);
            return;
        } else {
            out = start ? conn.sasl().start(mechanism, message) : conn.sasl().step(mechanism, message);
        }
        answer(c, mechanism, out);
    }

    /**
     * PLAIN costs a PBKDF2 run (about a millisecond): on the event loop, a client pipelining wrong
     * passwords would hold up every connection of that loop for as long as it liked. It runs on a
     * slow-work thread instead, while this connection waits (its later requests stay queued behind
     * it, as behind any blocked command) and the loop serves the others.
     */
    private static void offload(Command c, SaslExchange exchange, String mechanism, byte[] message) {
        CommandCookie cookie = c.cookie();
        c.wouldBlock();
        try {
            c.server().slowWork().execute(() -> {
                SaslOutcome result;
                try {
                    // Confined hand-off: the connection touches its exchange again only on resume.
                    result = exchange.start(mechanism, message);
                } catch (RuntimeException e) {
                    LOG.error("PLAIN authentication failed unexpectedly", e);
                    cookie.notifyIoComplete(Status.EINTERNAL);
                    return;
                }
                cookie.engineStorage(result);
                cookie.notifyIoComplete(Status.SUCCESS);
            });
        } catch (RejectedExecutionException e) {
            // The server is stopping; its connections are closing.
            cookie.notifyIoComplete(Status.ETMPFAIL);
        }
    }

    private static void answer(Command c, String mechanism, SaslOutcome out) {
        Session conn = c.connection();
        switch (out.kind()) {
            case CONTINUE -> c.respond(Status.AUTH_CONTINUE, Datatype.RAW, 0, null, null, out.serverMessage());
            case SUCCESS -> {
                conn.authenticated(out.user().orElseThrow());
                c.respond(Status.SUCCESS, Datatype.RAW, 0, null, null, out.serverMessage());
            }
            case FAILURE -> {
                refused(c, mechanism, out);
                c.respondError(Status.AUTH_ERROR, out.reason());
            }
            case INVALID -> {
                refused(c, mechanism, out);
                c.respondError(Status.EINVAL, out.reason());
            }
            default -> throw new IllegalStateException(out.kind().toString());
        }
    }
}
