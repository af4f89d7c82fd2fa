/**
 * Authentication over MCBP (mcbp-protocol.md 7, sdk-compat.md 1.5): users and their salted SCRAM
 * secrets, and the server side of SASL PLAIN and SCRAM-SHA1/256/512. No Netty types: the connection
 * code maps bytes in and {@link io.kvfrontend.auth.SaslOutcome}s out.
 *
 * <h2>Objects and threads</h2>
 * <ul>
 *   <li>{@link io.kvfrontend.auth.UserStore} (thread-safe, immutable): built at configuration time
 *       from user, password, {@link io.kvfrontend.auth.BucketAccess} and admin flag; keeps only
 *       SCRAM secrets.</li>
 *   <li>{@link io.kvfrontend.auth.SaslServer} (thread-safe, immutable): store + offered
 *       {@link io.kvfrontend.auth.Mechanisms} + nonce source; one per server or listener.</li>
 *   <li>{@link io.kvfrontend.auth.SaslExchange} (confined): one per connection, touched only on the
 *       connection's event loop.</li>
 * </ul>
 *
 * <h2>Driving it from a connection</h2>
 * <pre>{@code
 * SaslServer sasl = SaslServer.create(users);            // at start-up
 * SaslExchange exchange = sasl.newExchange();            // per connection, on its event loop
 *
 * case SASL_LIST_MECHS -> respond(SUCCESS, utf8(sasl.listMechanisms()));
 * case SASL_AUTH, SASL_STEP -> {
 *     String mech = request.keyAsString();               // SASL_STEP validator: key must not be empty
 *     SaslOutcome out = opcode == SASL_AUTH ? exchange.start(mech, request.value())
 *                                           : exchange.step(mech, request.value());
 *     out.user().ifPresent(connection::authenticated);   // SUCCESS: remember the User
 *     // 0x21 / 0x00 carry serverMessage(); 0x20 / 0x04 carry reason() as the error context
 *     respond(out.mcbpStatus(), out.serverMessage(), out.reason());
 * }
 * // later, SELECT_BUCKET: user.canAccessBucket(name) ? select : Eaccess 0x24
 * }</pre>
 *
 * <h2>Costs</h2>
 * Building a store runs three PBKDF2s per user (milliseconds each at 4096 iterations). A SCRAM
 * exchange then needs only HMACs and hashes; PLAIN needs one PBKDF2 per attempt (about a millisecond),
 * which is tolerable on an event loop for logins but could be offloaded.
 */
package io.kvfrontend.auth;
