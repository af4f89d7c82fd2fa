package io.kvfrontend.connection;

/**
 * The bounds a connection enforces, from the server's configuration.
 *
 * <p><b>Immutable.</b>
 *
 * @param authEnabled        whether clients must authenticate (else everyone is an administrator)
 * @param maxFrameBytes      largest request body accepted once authenticated
 * @param maxWaitingRequests requests queued behind a blocked command before reading stops
 * @param maxWaitingBytes    bytes of requests queued behind a blocked command before reading stops
 * @param maxConnections     open connections beyond which new ones are refused
 */
public record ConnectionLimits(
        boolean authEnabled, int maxFrameBytes, int maxWaitingRequests, long maxWaitingBytes, int maxConnections) {}
