package io.kvfrontend.sdk;

import static com.couchbase.client.java.kv.GetOptions.getOptions;
import static com.couchbase.client.java.kv.UpsertOptions.upsertOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.AmbiguousTimeoutException;
import com.couchbase.client.core.error.AuthenticationFailureException;
import com.couchbase.client.core.error.UnambiguousTimeoutException;
import com.couchbase.client.core.msg.Request;
import com.couchbase.client.core.msg.Response;
import com.couchbase.client.core.retry.BestEffortRetryStrategy;
import com.couchbase.client.core.retry.RetryAction;
import com.couchbase.client.core.retry.RetryReason;
import com.couchbase.client.core.retry.RetryStrategy;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import io.kvfrontend.config.UserConfig;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.testsupport.Await;
import io.kvfrontend.testsupport.LogCapture;
import io.kvfrontend.testsupport.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Authentication and bucket access with the Java SDK (sdk-compat.md 10: scenarios 13, 14, 15), SCRAM
 * with each hash the SDK knows, and a user without access to the bucket. Operations expected to fail
 * use short timeouts.
 */
class SdkAuthTest {
    private static final Duration SHORT = Duration.ofMillis(1500);

    /** One server for the scenarios that need no special SASL set-up. */
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.withAuth()
                .mgmtPort(0)
                .buckets(List.of(BucketConfig.defaults("default"), BucketConfig.defaults("other")))
                .users(List.of(
                        UserConfig.admin(Sdk.ADMIN, Sdk.PASSWORD),
                        UserConfig.forBuckets("otheruser", "other-pw", Set.of("other"))))
                .build());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * Every server here runs the management endpoint and the seed names it, so the SDK's HTTP
     * fallback (a failed handshake, an unknown bucket) reaches this server, never port 8091.
     */
    private static String seed() {
        return seed(server);
    }

    private static String seed(TestServer s) {
        return Sdk.connectionString(s.port(), s.server().mgmtPort());
    }

    /**
     * {@code FastFailOnAuthErrorRetryStrategy} of the SDK's own integration tests (sdk-compat.md
     * 1.5): the default strategy, except that an authentication error fails the operation at once.
     */
    static final class FastFailOnAuthError implements RetryStrategy {
        @Override
        public CompletableFuture<RetryAction> shouldRetry(Request<? extends Response> request, RetryReason reason) {
            if (reason == RetryReason.AUTHENTICATION_ERROR) {
                return CompletableFuture.completedFuture(
                        RetryAction.noRetry(e -> AuthenticationFailureException.onAuthError(request, e)));
            }
            return BestEffortRetryStrategy.INSTANCE.shouldRetry(request, reason);
        }
    }

    private static void withCluster(Cluster cluster, java.util.function.Consumer<Cluster> body) {
        try {
            body.accept(cluster);
        } finally {
            cluster.disconnect();
        }
    }

    /**
     * Long enough for the SDK to have marked its failed login before the op gives up (it names
     * AUTHENTICATION_ERROR only then); a loaded 2-core machine needs more than the usual short one.
     */
    private static final Duration AUTH_RETRY_TIMEOUT = Duration.ofSeconds(5);

    @Test
    void scenario13WrongPasswordTimesOutWithAuthenticationErrorRetries() {
        long failuresBefore = server.server().context().stats().authFailures.sum();
        withCluster(Sdk.connect(seed(), Sdk.ADMIN, "wrong"), cluster -> {
            Collection c = cluster.bucket("default").defaultCollection();
            // The SDK names AUTHENTICATION_ERROR as the retry reason only once its login has been
            // refused; on a slow machine that can take longer than the op's short timeout.
            Await.until(
                    Duration.ofSeconds(20),
                    () -> server.server().context().stats().authFailures.sum() > failuresBefore,
                    "the server refused the SDK's authentication");

            assertThatThrownBy(() -> c.get("k", getOptions().timeout(AUTH_RETRY_TIMEOUT)))
                    .isInstanceOf(UnambiguousTimeoutException.class)
                    .hasMessageContaining("AUTHENTICATION_ERROR");
            assertThatThrownBy(() ->
                            c.upsert("k", JsonObject.create(), upsertOptions().timeout(AUTH_RETRY_TIMEOUT)))
                    .isInstanceOf(AmbiguousTimeoutException.class)
                    .hasMessageContaining("AUTHENTICATION_ERROR");
        });
        assertThat(server.server().context().stats().authFailures.sum()).isGreaterThan(failuresBefore);
    }

    @Test
    void scenario13FastFailRetryStrategyGivesAuthenticationFailure() {
        withCluster(
                Sdk.connect(seed(), Sdk.ADMIN, "wrong", env -> env.retryStrategy(new FastFailOnAuthError())),
                cluster -> {
                    Collection c = cluster.bucket("default").defaultCollection();
                    // A long timeout: only the fast-fail path can end this with an authentication failure.
                    assertThatThrownBy(() -> c.get("k", getOptions().timeout(Duration.ofSeconds(20))))
                            .isInstanceOf(AuthenticationFailureException.class);
                });
    }

    @Test
    void scenario14UnknownBucketTimesOut() {
        withCluster(Sdk.connect(seed(), Sdk.ADMIN, Sdk.PASSWORD), cluster -> {
            assertThatThrownBy(() -> cluster.bucket("nope")
                            .defaultCollection()
                            .get("x", getOptions().timeout(SHORT)))
                    .isInstanceOf(UnambiguousTimeoutException.class);
            // The cluster itself is fine.
            assertThat(Sdk.warmUp(cluster.bucket("default").defaultCollection(), "k14")
                            .cas())
                    .isNotZero();
        });
    }

    @Test
    void aUserWithoutAccessToTheBucketTimesOutButUsesItsOwnBucket() {
        withCluster(Sdk.connect(seed(), "otheruser", "other-pw"), cluster -> {
            Collection forbidden = cluster.bucket("default").defaultCollection();
            assertThatThrownBy(() -> forbidden.get("x", getOptions().timeout(SHORT)))
                    .isInstanceOf(UnambiguousTimeoutException.class);

            Collection own = Sdk.warmDefaultCollection(cluster.bucket("other"));
            own.upsert("mine", JsonObject.create().put("v", 1));
            assertThat(own.get("mine").contentAsObject().getInt("v")).isEqualTo(1);
        });
    }

    @Test
    void scenario15ScramFallsBackFromSha512WhenTheServerDoesNotListIt() {
        try (TestServer s = TestServer.start(TestServer.withAuth()
                .mgmtPort(0)
                .saslMechanisms(List.of("SCRAM-SHA256", "SCRAM-SHA1"))
                .build())) {
            long failuresBefore = s.server().context().stats().authFailures.sum();
            withCluster(Sdk.connect(seed(s), Sdk.ADMIN, Sdk.PASSWORD), cluster -> {
                Collection c = Sdk.warmDefaultCollection(cluster.bucket("default"));
                c.upsert("k15", JsonObject.create().put("a", 1));
                assertThat(c.get("k15").contentAsObject().getInt("a")).isEqualTo(1);
            });
            // The SDK's first SaslAuth (SCRAM-SHA512) was refused before it fell back.
            assertThat(s.server().context().stats().authFailures.sum()).isGreaterThan(failuresBefore);
        }
    }

    @Test
    void scenario15APlainOnlyServerCannotBeUsedByADefaultClient() {
        try (TestServer s = TestServer.start(TestServer.withAuth()
                        .mgmtPort(0)
                        .saslMechanisms(List.of("PLAIN"))
                        .build());
                LogCapture log = new LogCapture()) {
            withCluster(Sdk.connect(seed(s), Sdk.ADMIN, Sdk.PASSWORD), cluster -> {
                assertThatThrownBy(() -> cluster.bucket("default")
                                .defaultCollection()
                                .get("x", getOptions().timeout(SHORT)))
                        .isInstanceOf(UnambiguousTimeoutException.class);
                Await.until(
                        Duration.ofSeconds(10),
                        () -> log.warningsAndErrors().stream()
                                .anyMatch(l -> l.contains("Could not negotiate SASL mechanism")),
                        (Supplier<String>)
                                () -> "the SDK logs the failed negotiation; logged: " + log.warningsAndErrors());
            });
        }
    }

    @Test
    void aPlainOnlyServerServesAClientThatEnablesPlain() {
        try (TestServer s = TestServer.start(TestServer.withAuth()
                .mgmtPort(0)
                .saslMechanisms(List.of("PLAIN"))
                .build())) {
            Cluster cluster = Cluster.connect(
                    seed(s),
                    com.couchbase.client.java.ClusterOptions.clusterOptions(
                                    com.couchbase.client.core.env.PasswordAuthenticator.builder(Sdk.ADMIN, Sdk.PASSWORD)
                                            .onlyEnablePlainSaslMechanism()
                                            .build())
                            .environment(env -> env.timeoutConfig(t -> t.kvTimeout(Sdk.KV_TIMEOUT))));
            withCluster(cluster, cl -> {
                Collection c = Sdk.warmDefaultCollection(cl.bucket("default"));
                assertThat(c.get("warm-up").cas()).isNotZero();
            });
        }
    }

    /** SCRAM against the SDK with each hash, the server offering only that one (issue 4). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"SCRAM-SHA512", "SCRAM-SHA256", "SCRAM-SHA1"})
    void scramWithEachHashTheServerOffersAlone(String mechanism) {
        try (TestServer s = TestServer.start(TestServer.withAuth()
                .mgmtPort(0)
                .saslMechanisms(List.of(mechanism))
                .build())) {
            withCluster(Sdk.connect(seed(s), Sdk.ADMIN, Sdk.PASSWORD), cluster -> {
                Collection c = Sdk.warmDefaultCollection(cluster.bucket("default"));
                c.upsert("scram", JsonObject.create().put("m", mechanism));
                assertThat(c.get("scram").contentAsObject().getString("m")).isEqualTo(mechanism);
            });
            long expectedFailures = mechanism.equals("SCRAM-SHA512") ? 0 : 1;
            assertThat(s.server().context().stats().authFailures.sum())
                    .as("SaslAuth refusals before the fallback")
                    .isGreaterThanOrEqualTo(expectedFailures);
        }
    }
}
