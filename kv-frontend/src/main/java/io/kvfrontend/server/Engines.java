package io.kvfrontend.server;

import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.EngineFactory;
import io.kvfrontend.engine.spi.EngineSettings;
import io.kvfrontend.engine.spi.RangeScanSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Builds the engine from the server configuration. The engine is whichever {@link EngineFactory}
 * the class path registers ({@link ServiceLoader}); with several, the one named {@value #DEFAULT},
 * the shipped in-memory engine. No front-end class names an engine implementation.
 */
public final class Engines {
    /** The engine chosen when the class path has more than one. */
    public static final String DEFAULT = "stub";

    private Engines() {}

    /** The engine with the configured background threads, expiry pager interval and range-scan limits. */
    public static Engine fromConfig(ServerConfig config) {
        return fromConfig(config, config.rangeScans());
    }

    /** The same with other range-scan limits (idle timeout, lifetime, concurrency, batch size). */
    public static Engine fromConfig(ServerConfig config, RangeScanSettings rangeScans) {
        return factory()
                .create(new EngineSettings(
                        config.backgroundThreads(),
                        config.expiryPagerInterval(),
                        rangeScans,
                        new BackgroundThreads(config.backgroundNice())));
    }

    /** The registered engine factory (see the class comment). */
    static EngineFactory factory() {
        List<EngineFactory> found = new ArrayList<>();
        ServiceLoader.load(EngineFactory.class, Engines.class.getClassLoader()).forEach(found::add);
        if (found.size() == 1) {
            return found.get(0);
        }
        for (EngineFactory f : found) {
            if (f.name().equals(DEFAULT)) {
                return f;
            }
        }
        throw new IllegalStateException(
                found.isEmpty()
                        ? "no engine on the class path (no META-INF/services/" + EngineFactory.class.getName() + ")"
                        : "several engines on the class path and none named " + DEFAULT + ": "
                                + found.stream().map(EngineFactory::name).toList());
    }
}
