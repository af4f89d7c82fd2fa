package io.kvfrontend.sdk;

import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.testsupport.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One server for the whole class (authentication on; the configuration a subclass gives) and a
 * Java SDK cluster on it with the default collection warmed up. The connection string names the
 * management port when the server has one, so the SDK's managers can use it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SdkCluster {
    TestServer server;
    Cluster cluster;
    Collection collection;

    /** The server's configuration: authentication on, no management port. */
    ServerConfig.Builder serverConfig() {
        return TestServer.withAuth().mgmtPort(-1);
    }

    @BeforeAll
    void connect() {
        server = TestServer.start(serverConfig().build());
        int mgmt = server.server().mgmtPort();
        cluster = Sdk.connect(
                mgmt > 0 ? Sdk.connectionString(server.port(), mgmt) : Sdk.connectionString(server.port()),
                Sdk.ADMIN,
                Sdk.PASSWORD);
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
