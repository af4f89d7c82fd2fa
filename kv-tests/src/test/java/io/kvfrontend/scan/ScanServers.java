package io.kvfrontend.scan;

import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.RangeScanSettings;
import io.kvfrontend.engine.spi.RangeScanStats;
import io.kvfrontend.engine.spi.ScopeConfig;
import io.kvfrontend.engine.stub.StubEngine;
import io.kvfrontend.testsupport.TestServer;
import java.util.List;

/**
 * Servers for the raw range-scan tests: bucket {@code default} with one vBucket (every key is in
 * vBucket 0, so a test can name the vBucket of its data) and collections {@code _default.c1} (id 8)
 * and {@code _default.empty} (id 9).
 */
final class ScanServers {
    static final int C1 = 8;
    static final int EMPTY = 9;

    private ScanServers() {}

    static BucketConfig bucket() {
        return new BucketConfig(
                "default",
                BucketConfig.DEFAULT_QUOTA_BYTES,
                1,
                BucketConfig.DEFAULT_MAX_VALUE_BYTES,
                true,
                List.of(new ScopeConfig("_default", List.of("c1", "empty"))));
    }

    /**
     * A fixed kernel send buffer: the tests that fill a connection's output with more than the
     * kernel holds must not depend on how large the machine lets an auto-tuned buffer grow.
     */
    static final int SOCKET_SEND_BUFFER = 64 * 1024;

    static ServerConfig.Builder config(OutputMode mode) {
        return TestServer.config()
                .outputMode(mode)
                .socketSendBuffer(SOCKET_SEND_BUFFER)
                .buckets(List.of(bucket()));
    }

    static TestServer start(OutputMode mode) {
        return TestServer.start(config(mode).build());
    }

    static TestServer start(OutputMode mode, RangeScanSettings scans) {
        return TestServer.start(config(mode).build(), scans);
    }

    static TestServer start(ServerConfig config, RangeScanSettings scans) {
        return TestServer.start(config, scans);
    }

    /** The registry of bucket {@code default}. */
    static RangeScanStats stats(TestServer server) {
        return ((StubEngine) server.server().engine()).stubBucket("default").rangeScanStats();
    }
}
