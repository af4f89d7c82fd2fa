package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.EngineFactory;
import io.kvfrontend.engine.spi.EngineSettings;
import java.time.Clock;

/** The in-memory engine, as the server's {@link java.util.ServiceLoader} finds it. */
public final class StubEngineFactory implements EngineFactory {
    @Override
    public String name() {
        return "stub";
    }

    /** The settings given, the system UTC clock and the default lock times. */
    @Override
    public Engine create(EngineSettings s) {
        return new StubEngine(new StubEngineSettings(
                s.backgroundThreads(),
                s.expiryPagerInterval(),
                Clock.systemUTC(),
                StubEngineSettings.DEFAULT_LOCK_SECONDS,
                StubEngineSettings.MAX_LOCK_SECONDS,
                s.rangeScans(),
                s.threadFactory()));
    }
}
