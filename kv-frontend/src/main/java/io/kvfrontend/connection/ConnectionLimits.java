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
 * @param authTimeout        how long a connection may stay unauthenticated (zero: for ever)
 * @param frameTimeout       how long a request frame may take to arrive once begun (zero: for ever)
 */
public record ConnectionLimits(
        boolean authEnabled,
        int maxFrameBytes,
        int maxWaitingRequests,
        long maxWaitingBytes,
        int maxConnections,
        java.time.Duration authTimeout,
        java.time.Duration frameTimeout) {}
