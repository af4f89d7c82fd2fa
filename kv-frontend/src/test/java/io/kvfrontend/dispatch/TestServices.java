package io.kvfrontend.dispatch;

import io.kvfrontend.auth.SaslServer;
import io.kvfrontend.auth.UserStore;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.connection.CommandRunner;
import io.kvfrontend.connection.OutputMetrics;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.server.Engines;
import io.kvfrontend.server.ServerContext;
import io.kvfrontend.testsupport.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;

/**
 * The real engine, dispatcher and services of the default test configuration (authentication on,
 * one background thread), for command logic without a socket: runners for {@link TestSession}s.
 *
 * <p><b>Not thread-safe</b>: one test's fixture; close it to stop the engine.
 */
final class TestServices implements AutoCloseable {
    final Engine engine;
    final ServerContext services;
    final Dispatcher dispatcher;

    TestServices(UserStore users) {
        ServerConfig config = TestServer.withAuth().backgroundThreads(1).build();
        engine = Engines.fromConfig(config);
        config.buckets().forEach(engine::createBucket);
        dispatcher = new Dispatcher(CommandTable.standard(), List.of());
        services = new ServerContext(
                config,
                engine,
                dispatcher,
                new SimpleMeterRegistry(),
                new OutputMetrics(config.outputMode()),
                "test",
                "none",
                1,
                SaslServer.create(users));
    }

    /** A new session and the runner of its commands. */
    TestSession session() {
        return new TestSession(services);
    }

    CommandRunner runnerFor(TestSession session) {
        return dispatcher.runnerFor(session, services);
    }

    @Override
    public void close() {
        engine.close();
    }
}
