package io.kvfrontend.auth;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One connection's SASL state: drives SASL_AUTH ({@link #start}) and SASL_STEP ({@link #step}) and
 * turns every client message into a {@link SaslOutcome} whose {@link SaslOutcome#mcbpStatus()} is
 * the response status (mcbp-protocol.md 7).
 *
 * <ul>
 *   <li>{@code start} always begins a new exchange, dropping one in progress: a client may restart
 *       (the SDK does after AuthError, with a weaker mechanism) or re-authenticate.</li>
 *   <li>Only CONTINUE leaves an exchange in progress. SUCCESS, FAILURE and INVALID end it, so a
 *       second {@code step} after any of them is INVALID, and a wrong proof cannot be retried
 *       against the same nonce.</li>
 *   <li>Whether the connection stays authenticated after a failed re-authentication is the
 *       caller's decision; this class holds no "authenticated user".</li>
 * </ul>
 *
 * <p>Cost: SCRAM steps are a few HMACs and hashes; PLAIN is one PBKDF2 run (about a millisecond at
 * 4096 iterations), acceptable on an event loop for the rare login, or to be offloaded.
 *
 * <p>Confined: used by one thread at a time, in practice its connection's event loop. There is no
 * thread check here because the class knows no event loop; a caller that hands it between threads
 * must provide the happens-before edge (e.g. {@code eventLoop().execute}).
 */
public final class SaslExchange {
    /** RFC 4422 mechanism name syntax; anything else is not echoed back into an error context. */
    private static final Pattern MECH_NAME = Pattern.compile("[A-Z0-9_-]{1,20}");

    private final SaslServer server;
    private ScramExchange scram;

    SaslExchange(SaslServer server) {
        this.server = server;
    }

    /**
     * SASL_AUTH: key = mechanism, value = the client's initial message.
     *
     * @return CONTINUE with the SCRAM server-first message; SUCCESS or FAILURE for PLAIN; FAILURE
     *         listing the offered mechanisms if {@code mechanism} is not one; INVALID for malformed input
     */
    public SaslOutcome start(String mechanism, byte[] clientMessage) {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(clientMessage, "clientMessage");
        scram = null;
        Mechanisms offered = server.mechanisms();
        if (!offered.offers(mechanism)) {
            // AuthError, not Einval: the SDK falls back to the next listed mechanism on 0x20 (sdk-compat.md 1.5).
            return SaslOutcome.failure(
                    "Unsupported mechanism " + printable(mechanism) + "; supported: " + offered.listing(),
                    SaslOutcome.Refusal.UNKNOWN_MECHANISM,
                    "");
        }
        if (PlainMechanism.NAME.equals(mechanism)) {
            return PlainMechanism.authenticate(server.users(), clientMessage);
        }
        ScramMechanism m = ScramMechanism.fromMechanismName(mechanism).orElseThrow();
        try {
            ScramExchange started = ScramExchange.start(m, server.users(), server.nextNonce(), clientMessage);
            scram = started;
            return SaslOutcome.continueWith(started.serverFirst());
        } catch (SaslSyntaxException e) {
            return SaslOutcome.invalid(
                    e.getMessage(), SaslOutcome.Refusal.MALFORMED, ScramExchange.claimedUser(clientMessage));
        }
    }

    /**
     * SASL_STEP: key = mechanism (must be the one {@link #start} began), value = the next client
     * message. Ends the exchange whatever the outcome (SCRAM has one step).
     *
     * @return SUCCESS with the SCRAM server-final {@code v=...}; FAILURE for a wrong proof or an
     *         unknown user; INVALID with no exchange in progress, a different mechanism, or malformed input
     */
    public SaslOutcome step(String mechanism, byte[] clientMessage) {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(clientMessage, "clientMessage");
        ScramExchange current = scram;
        scram = null;
        if (current == null) {
            return SaslOutcome.invalid(
                    "SASL_STEP without a SASL exchange in progress; send SASL_AUTH first",
                    SaslOutcome.Refusal.OUT_OF_SEQUENCE,
                    "");
        }
        String started = current.mechanism().mechanismName();
        if (!started.equals(mechanism)) {
            return SaslOutcome.invalid(
                    "SASL_STEP mechanism " + printable(mechanism) + " does not match the exchange started with "
                            + started,
                    SaslOutcome.Refusal.OUT_OF_SEQUENCE,
                    current.userName());
        }
        try {
            return current.finish(clientMessage);
        } catch (SaslSyntaxException e) {
            return SaslOutcome.invalid(e.getMessage(), SaslOutcome.Refusal.MALFORMED, current.userName());
        }
    }

    /** Whether a SCRAM exchange awaits its SASL_STEP. */
    public boolean inProgress() {
        return scram != null;
    }

    /** The mechanism of the exchange in progress, if any. */
    public Optional<String> mechanismInProgress() {
        return scram == null ? Optional.empty() : Optional.of(scram.mechanism().mechanismName());
    }

    /** Drops any exchange in progress (e.g. when the connection closes or selects another user). */
    public void reset() {
        scram = null;
    }

    private static String printable(String mechanism) {
        return MECH_NAME.matcher(mechanism).matches() ? "'" + mechanism + "'" : "(malformed name)";
    }

    @Override
    public String toString() {
        return "SaslExchange[" + mechanismInProgress().orElse("idle") + "]";
    }
}
