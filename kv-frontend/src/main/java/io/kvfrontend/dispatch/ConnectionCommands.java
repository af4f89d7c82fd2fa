package io.kvfrontend.dispatch;

import io.kvfrontend.codec.McbpRequest;
import io.kvfrontend.connection.CommandCookie;
import io.kvfrontend.connection.CommandRunner;
import io.kvfrontend.connection.Session;
import io.kvfrontend.engine.spi.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's {@link CommandRunner}: runs each request through the {@link Dispatcher} on the
 * connection's reused {@link Command}, answers an executor's failure with an internal error, and
 * records every answered command in the command meters.
 *
 * <p><b>Event-loop confined.</b>
 */
final class ConnectionCommands implements CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCommands.class);

    private final Dispatcher dispatcher;
    private final Services services;
    private final Session connection;
    private final Command command;

    ConnectionCommands(Dispatcher dispatcher, Services services, Session connection) {
        this.dispatcher = dispatcher;
        this.services = services;
        this.connection = connection;
        this.command = new Command(connection, services);
    }

    @Override
    public CommandCookie run(McbpRequest request, CommandCookie resumed, long startNanos) {
        command.begin(request, resumed);
        CommandCookie blocked = null;
        try {
            dispatcher.dispatch(command);
        } catch (RuntimeException e) {
            LOG.warn("conn {}: command {} failed", connection.id(), request, e);
            if (!command.isBlocked()) {
                command.respondError(Status.EINTERNAL, "Internal error");
            }
        } finally {
            if (command.isBlocked()) {
                blocked = command.cookie();
            } else {
                services.commandMetrics().record(request.opcode(), command.outcome(), System.nanoTime() - startNanos);
            }
            command.end();
        }
        return blocked;
    }

    @Override
    public void fail(McbpRequest request, CommandCookie cookie, Status status, long startNanos) {
        command.begin(request, cookie);
        try {
            command.respondError(status, null);
        } finally {
            services.commandMetrics().record(request.opcode(), command.outcome(), System.nanoTime() - startNanos);
            command.end();
        }
    }
}
