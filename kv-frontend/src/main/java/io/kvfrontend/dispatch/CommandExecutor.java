package io.kvfrontend.dispatch;

/**
 * Runs one validated command on its connection's event loop: calls the engine and answers through
 * the {@link Command}, or marks it {@link Command#wouldBlock() blocked}.
 */
@FunctionalInterface
public interface CommandExecutor {
    void execute(Command command);
}
