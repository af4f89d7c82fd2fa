/**
 * TLS for the MCBP and management ports (issue 6; sdk-compat.md 1.5, 2.4, 3): reading and checking
 * the configured PEM certificate chain and key, choosing the provider (OpenSSL through
 * netty-tcnative, else the JDK), and the handlers every TLS connection starts with.
 */
package io.kvfrontend.tls;
