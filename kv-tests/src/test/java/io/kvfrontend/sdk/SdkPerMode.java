package io.kvfrontend.sdk;

import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One server in the output mode a subclass names (authentication on, no management port) and a
 * Java SDK cluster on it, warmed up, for the whole class: the base of SDK tests that run once per
 * mode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SdkPerMode {
    TestServer server;
    Cluster cluster;
    Collection collection;

    abstract OutputMode mode();

    @BeforeAll
    void connect() {
        server = TestServer.start(
                TestServer.withAuth().mgmtPort(-1).outputMode(mode()).build());
        cluster = Sdk.connect(Sdk.connectionString(server.port()), Sdk.ADMIN, Sdk.PASSWORD);
        collection = Sdk.warmDefaultCollection(cluster.bucket("default"));
    }

    @AfterAll
    void disconnect() {
        if (cluster != null) {
            cluster.disconnect();
        }
        if (server != null) {
            server.close();
        }
    }
}
