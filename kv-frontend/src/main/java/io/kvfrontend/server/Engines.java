package io.kvfrontend.server;

import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.stub.RangeScanSettings;
import io.kvfrontend.engine.stub.StubEngine;
import io.kvfrontend.engine.stub.StubEngineSettings;
import java.time.Clock;

/** Builds the shipped engine from the server configuration. */
public final class Engines {
    private Engines() {
    }

    /** The in-memory engine with the configured background threads and expiry pager interval. */
    public static Engine fromConfig(ServerConfig config) {
        return fromConfig(config, config.rangeScans());
    }

    /** The same with other range-scan limits (idle timeout, lifetime, concurrency, batch size). */
    public static Engine fromConfig(ServerConfig config, RangeScanSettings rangeScans) {
        StubEngineSettings d = StubEngineSettings.defaults();
        return new StubEngine(new StubEngineSettings(config.backgroundThreads(), config.expiryPagerInterval(),
                Clock.systemUTC(), d.defaultLockSeconds(), d.maxLockSeconds(), rangeScans,
                new BackgroundThreads(config.backgroundNice())));
    }
}
