package io.kvfrontend.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Records what the server logs while open, to assert that nothing went wrong (WARN or above) or what it said. */
public final class LogCapture implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public LogCapture() {
        appender.start();
        root.addAppender(appender);
    }

    // Logback's AppenderBase appends under the appender's own monitor, so reads lock the appender
    // (locking its list would let an event of another thread arrive in the middle of a read).

    /** Events at WARN or above, as "LEVEL logger: message" lines. */
    public List<String> warningsAndErrors() {
        synchronized (appender) {
            return appender.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()
                            + (e.getThrowableProxy() == null
                                    ? ""
                                    : " (" + e.getThrowableProxy().getClassName() + ": "
                                            + e.getThrowableProxy().getMessage() + ")"))
                    .toList();
        }
    }

    /** Every recorded message (any level the loggers let through), formatted. */
    public List<String> messages() {
        synchronized (appender) {
            return appender.list.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
