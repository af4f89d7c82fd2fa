package io.kvfrontend.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code auth-timeout} and {@code frame-timeout} over real sockets: a connection that never
 * authenticates, and one that begins a request and never finishes it (a byte now and then, the
 * slow-client attack), are closed and counted; connections doing their work are not.
 */
class ConnectionTimeoutsTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    private static TestServer start(ServerConfig.Builder b) {
        return TestServer.start(b.authTimeout(SHORT).frameTimeout(SHORT).build());
    }

    private static Frames plain(String user, String password) {
        return Frames.request(0x21).key("PLAIN").value("\0" + user + "\0" + password);
    }

    @Test
    void aConnectionThatNeverAuthenticatesIsClosedAndOneThatDidStays() {
        try (TestServer server = start(TestServer.withAuth());
                McbpClient idle = server.client();
                McbpClient authenticated = server.client()) {
            assertThat(authenticated.call(plain("Administrator", "password")).status())
                    .isZero();

            idle.awaitClosedByServer(Duration.ofSeconds(10));

            assertThat(server.server().context().stats().authTimeouts.sum()).isEqualTo(1);
            // Opened at the same time and past the same deadline, but authenticated: still served.
            assertThat(authenticated.call(Frames.request(0x0a).opaque(7)).opaque())
                    .isEqualTo(7);
        }
    }

    /**
     * PLAIN succeeds after the read that carried it (it is checked off the loop), so the deadline
     * must be dropped by the login itself: left to run out, it held a task, its closure and a slot
     * in the loop's schedule for a minute on every connection.
     */
    @Test
    void loggingInCancelsTheDeadlineAtOnce() throws Exception {
        try (TestServer server = TestServer.start(
                        TestServer.withAuth().authTimeout(Duration.ofMinutes(5)).build());
                McbpClient c = server.client()) {
            var conn = server.connectionOf(c);
            assertThat(conn.eventLoop().submit(conn::hasAuthDeadline).get()).isTrue();
            assertThat(c.call(plain("Administrator", "password")).status()).isZero();
            assertThat(conn.eventLoop().submit(conn::hasAuthDeadline).get()).isFalse();
        }
    }

    @Test
    void withoutAuthenticationThereIsNoAuthDeadline() {
        try (TestServer server = start(TestServer.config());
                McbpClient idle = server.client();
                McbpClient slow = server.client()) {
            // A partial request on another connection: once it is closed for that, the idle one has
            // lived past both deadlines.
            slow.sendRaw(new byte[] {(byte) 0x80, 0x0a, 0, 0});
            slow.awaitClosedByServer(Duration.ofSeconds(10));

            assertThat(idle.call(Frames.request(0x0a).opaque(3)).opaque()).isEqualTo(3);
            assertThat(server.server().context().stats().authTimeouts.sum()).isZero();
        }
    }

    @Test
    void aRequestThatNeverFinishesArrivingClosesItsConnectionBeforeOrAfterLogin() {
        // A long auth-timeout, so that the unauthenticated connection is closed for its frame.
        try (TestServer server = TestServer.start(TestServer.withAuth()
                        .authTimeout(Duration.ofMinutes(5))
                        .frameTimeout(SHORT)
                        .build());
                McbpClient preAuth = server.client();
                McbpClient postAuth = server.client()) {
            assertThat(postAuth.call(plain("Administrator", "password")).status())
                    .isZero();
            byte[] set = Frames.request(0x01)
                    .key("k")
                    .extras(Frames.storeExtras(0, 0))
                    .value("value")
                    .build();
            postAuth.sendRaw(Arrays.copyOf(set, set.length - 2)); // all but the last two bytes
            preAuth.sendRaw(new byte[] {(byte) 0x80}); // one byte of a header

            postAuth.awaitClosedByServer(Duration.ofSeconds(10));
            preAuth.awaitClosedByServer(Duration.ofSeconds(10));

            Await.until(
                    Duration.ofSeconds(5),
                    () -> server.server().context().stats().frameTimeouts.sum() == 2,
                    "both counted as frame timeouts");
            assertThat(server.server().context().stats().authTimeouts.sum()).isZero();
        }
    }

    @Test
    void aLargeValueArrivingSteadilyIsNotCutOff() {
        try (TestServer server = start(TestServer.config());
                McbpClient c = server.client()) {
            byte[] set = Frames.request(0x01)
                    .key("big")
                    .extras(Frames.storeExtras(0, 0))
                    .value(new byte[4 * 1024 * 1024])
                    .build();
            // Whole frames, one after another, each in many socket writes: progress every time.
            for (int i = 0; i < 3; i++) {
                c.sendRaw(set);
                assertThat(c.receive().status()).isZero();
            }
            assertThat(c.call(Frames.request(0x0a).opaque(9)).opaque()).isEqualTo(9);
            assertThat(server.server().context().stats().frameTimeouts.sum()).isZero();
        }
    }
}
