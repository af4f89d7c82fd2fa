package io.kvfrontend.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Expiry as a memcached client sets it (mcbp-protocol.md 3.3): up to 30 days relative, above that
 * absolute Unix time. Expired items vanish on access, not only when the pager runs (its interval
 * is 10 s by default, longer than any wait here).
 */
class SpymemcachedExpiryTest {
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static TestServer server;
    private Spy spy;
    private MemcachedClient c;

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
        spy = Spy.connect(server.port());
        c = spy.client();
    }

    @AfterEach
    void disconnect() {
        spy.close();
    }

    private static int nowSeconds() {
        return (int) (System.currentTimeMillis() / 1000);
    }

    @Test
    void anItemSetWithAOneSecondRelativeExpiryDisappears() throws Exception {
        assertThat(c.set("exp-relative", 1, "v").get()).isTrue();
        assertThat(c.set("exp-never", 0, "v").get()).isTrue();
        Await.until("item with 1 s expiry is gone", DEADLINE, () -> c.get("exp-relative") == null);
        assertThat(c.get("exp-never")).as("an item without expiry stays").isEqualTo("v");
    }

    @Test
    void anAbsoluteExpiryInThePastExpiresTheItemAtOnce() throws Exception {
        int anHourAgo = nowSeconds() - 3600; // far above 30 days: absolute Unix time
        assertThat(c.set("exp-past", anHourAgo, "v").get()).isTrue();
        assertThat(c.get("exp-past")).isNull();
    }

    @Test
    void anAbsoluteExpiryInTheFutureKeepsTheItem() throws Exception {
        int inAnHour = nowSeconds() + 3600;
        assertThat(c.set("exp-future", inAnHour, "v").get()).isTrue();
        assertThat(c.get("exp-future")).isEqualTo("v");
    }

    @Test
    void aRelativeExpiryOfThirtyDaysIsNotMistakenForAnAbsoluteTime() throws Exception {
        // 2,592,000 s is the largest relative value; read as an absolute time it would be in 1970.
        assertThat(c.set("exp-30-days", 2_592_000, "v").get()).isTrue();
        assertThat(c.get("exp-30-days")).isEqualTo("v");
    }

    @Test
    void anExpiryJustAboveThirtyDaysIsAnAbsoluteTimeLongPast() throws Exception {
        // 2,592,001 read as Unix time is January 1970.
        assertThat(c.set("exp-30-days-plus-one", 2_592_001, "v").get()).isTrue();
        assertThat(c.get("exp-30-days-plus-one")).isNull();
    }

    @Test
    void touchingWithAnAbsoluteTimeInThePastExpiresTheItemAtOnce() throws Exception {
        assertThat(c.set("exp-touch-past", 0, "v").get()).isTrue();
        assertThat(c.touch("exp-touch-past", nowSeconds() - 60).get()).isTrue();
        assertThat(c.get("exp-touch-past")).isNull();
    }

    @Test
    void touchingWithAOneSecondExpiryMakesTheItemDisappear() throws Exception {
        assertThat(c.set("exp-touch", 0, "v").get()).isTrue();
        assertThat(c.touch("exp-touch", 1).get()).isTrue();
        Await.until("touched item is gone", DEADLINE, () -> c.get("exp-touch") == null);
    }

    @Test
    void getAndTouchWithAOneSecondExpiryMakesTheItemDisappear() throws Exception {
        assertThat(c.set("exp-gat", 0, "v").get()).isTrue();
        assertThat(c.getAndTouch("exp-gat", 1).getValue()).isEqualTo("v");
        Await.until("item touched by GAT is gone", DEADLINE, () -> c.get("exp-gat") == null);
    }

    @Test
    void touchingWithExpiryZeroRemovesAnExpiry() throws Exception {
        assertThat(c.set("exp-persist", 2, "v").get()).isTrue();
        assertThat(c.touch("exp-persist", 0).get()).isTrue();
        // A witness set afterwards with the same relative expiry expires no earlier than the original
        // expiry would have; once it is gone, the original expiry has passed too.
        assertThat(c.set("exp-persist-witness", 2, "w").get()).isTrue();
        Await.until("witness item is gone", DEADLINE, () -> c.get("exp-persist-witness") == null);
        assertThat(c.get("exp-persist")).isEqualTo("v");
    }
}
