package io.kvfrontend.engine.spi;

/**
 * Makes an {@link Engine}. Engines register one in
 * {@code META-INF/services/io.kvfrontend.engine.spi.EngineFactory}; the server finds it with
 * {@link java.util.ServiceLoader}, so the front end compiles against this SPI alone.
 */
public interface EngineFactory {
    /** The engine's name, as the server's start-up log and errors show it (e.g. {@code stub}). */
    String name();

    /** A new engine with the given settings; the caller closes it. */
    Engine create(EngineSettings settings);
}
