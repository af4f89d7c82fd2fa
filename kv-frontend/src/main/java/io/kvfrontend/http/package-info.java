/**
 * The minimal management HTTP endpoint (issue 4; sdk-compat.md 2.3): the few REST paths of a
 * Couchbase node's port 8091 that the Java SDK's {@code bucket.waitUntilReady()} and its HTTP bucket
 * loader use, answered from the same user store and cluster map as the MCBP port. It runs on the MCBP
 * server's event loops; routes are a small path table, so other endpoints (a Prometheus
 * {@code /metrics}) can be added on the same port.
 */
package io.kvfrontend.http;
