package io.kvfrontend.it;

import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Raw-socket tests sharing one server (defaults, authentication off) per class, with a fresh
 * {@link McbpClient} per test.
 */
abstract class OneServerPerClass {
    static TestServer server;
    McbpClient c;

    @BeforeAll
    static void startServer() {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        c = server.client();
    }

    @AfterEach
    void disconnect() {
        c.close();
    }
}
