package io.kvfrontend.auth;

import static io.kvfrontend.auth.AuthFixtures.FAST_ITERATIONS;
import static io.kvfrontend.auth.AuthFixtures.utf8;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Users, their bucket rights, and how their passwords are kept (salted SCRAM secrets only). */
class UserStoreTest {
    private static final String PASSWORD = "Corr3ct-Horse-Battery";

    private final UserStore users = UserStore.builder()
            .iterations(FAST_ITERATIONS)
            .addUser(new User("app", false, BucketAccess.of("orders", "customers")), PASSWORD)
            .addUser(new User("reader", false, BucketAccess.all()), "other-password")
            .addUser(new User("nobody", false, BucketAccess.none()), "third-password")
            .addUser(new User("Administrator", true, BucketAccess.none()), "admin-password")
            .build();

    @Test
    void perBucketAccessAllowsOnlyTheNamedBucketsCaseSensitively() {
        User app = users.user("app").orElseThrow();
        assertThat(app.canAccessBucket("orders")).isTrue();
        assertThat(app.canAccessBucket("customers")).isTrue();
        assertThat(app.canAccessBucket("billing")).isFalse();
        assertThat(app.canAccessBucket("Orders")).isFalse();
        assertThat(app.bucketAccess().buckets()).containsExactly("customers", "orders");
    }

    @Test
    void allBucketsAccessAllowsAnyBucketAndNoneAllowsNothing() {
        assertThat(users.user("reader").orElseThrow().canAccessBucket("anything"))
                .isTrue();
        assertThat(users.user("nobody").orElseThrow().canAccessBucket("orders")).isFalse();
        assertThat(BucketAccess.all().allows("x")).isTrue();
        assertThat(BucketAccess.none().allows("x")).isFalse();
    }

    @Test
    void adminFlagIsKeptAndGrantsEveryBucket() {
        User admin = users.user("Administrator").orElseThrow();
        assertThat(admin.admin()).isTrue();
        assertThat(admin.canAccessBucket("orders")).isTrue();
        assertThat(users.user("app").orElseThrow().admin()).isFalse();
    }

    @Test
    void userNamesAreExactAndKeptInOrder() {
        assertThat(users.userNames()).containsExactly("app", "reader", "nobody", "Administrator");
        assertThat(users.user("administrator")).isEmpty();
        assertThat(users.user("mallory")).isEmpty();
    }

    @Test
    void plainVerificationAcceptsOnlyTheRightPassword() {
        assertThat(users.authenticatePlain("app", utf8(PASSWORD)))
                .hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("app"));
        assertThat(users.authenticatePlain("app", utf8(PASSWORD + "x"))).isEmpty();
        assertThat(users.authenticatePlain("app", utf8(""))).isEmpty();
        assertThat(users.authenticatePlain("reader", utf8(PASSWORD))).isEmpty();
        assertThat(users.authenticatePlain("mallory", utf8(PASSWORD))).isEmpty();
    }

    @Test
    void emptyPasswordIsAPasswordLikeAnyOther() {
        UserStore s = UserStore.builder()
                .iterations(FAST_ITERATIONS)
                .addUser(new User("u", false, BucketAccess.all()), "")
                .build();
        assertThat(s.authenticatePlain("u", new byte[0])).isPresent();
        assertThat(s.authenticatePlain("u", utf8(" "))).isEmpty();
    }

    @Test
    void keepsOneSaltedSecretPerMechanismWithFreshRandomSalts() {
        ScramSecret sha512 = users.scramSecret("app", ScramMechanism.SHA512).orElseThrow();
        ScramSecret sha256 = users.scramSecret("app", ScramMechanism.SHA256).orElseThrow();
        ScramSecret sha1 = users.scramSecret("app", ScramMechanism.SHA1).orElseThrow();
        assertThat(sha512.salt()).hasSize(64);
        assertThat(sha256.salt()).hasSize(32);
        assertThat(sha1.salt()).hasSize(20);
        assertThat(sha512.storedKey()).hasSize(64);
        assertThat(sha1.serverKey()).hasSize(20);
        assertThat(sha256.iterations()).isEqualTo(FAST_ITERATIONS);
        // Same password, different user: a different salt, so different keys.
        UserStore again = UserStore.builder()
                .iterations(FAST_ITERATIONS)
                .addUser(new User("app", false, BucketAccess.all()), PASSWORD)
                .build();
        ScramSecret rebuilt = again.scramSecret("app", ScramMechanism.SHA256).orElseThrow();
        assertThat(rebuilt.salt()).isNotEqualTo(sha256.salt());
        assertThat(rebuilt.storedKey()).isNotEqualTo(sha256.storedKey());
    }

    @Test
    void nothingPrintedOrKeptContainsThePassword() {
        String b64Password = Base64.getEncoder().encodeToString(utf8(PASSWORD));
        assertThat(users.toString()).contains("app", "orders").doesNotContain(PASSWORD, b64Password);
        assertThat(users.user("app").orElseThrow().toString()).doesNotContain(PASSWORD);
        for (ScramMechanism m : ScramMechanism.values()) {
            ScramSecret secret = users.scramSecret("app", m).orElseThrow();
            assertThat(secret.toString())
                    .doesNotContain(PASSWORD)
                    .contains("redacted")
                    .doesNotContain(Base64.getEncoder().encodeToString(secret.storedKey()));
            assertThat(new String(secret.storedKey(), ISO_8859_1)).doesNotContain(PASSWORD);
            assertThat(new String(secret.salt(), ISO_8859_1)).doesNotContain(PASSWORD);
        }
    }

    @Test
    void duplicateUserIsRejectedNamingTheUserButNotThePassword() {
        UserStore.Builder b = UserStore.builder()
                .iterations(FAST_ITERATIONS)
                .addUser(new User("app", false, BucketAccess.all()), PASSWORD);
        assertThatThrownBy(() -> b.addUser(new User("app", true, BucketAccess.none()), PASSWORD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'app'")
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void iterationCountBelowTwoIsRejected() {
        assertThatThrownBy(() -> UserStore.builder().iterations(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 2");
        assertThat(UserStore.builder().build().iterations()).isEqualTo(4096);
    }

    @Test
    void emptySaltFromTheSourceIsRejected() {
        UserStore.Builder b = UserStore.builder().iterations(FAST_ITERATIONS).saltSource((u, m) -> new byte[0]);
        assertThatThrownBy(() -> b.addUser(new User("app", false, BucketAccess.all()), PASSWORD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void invalidUsersAndBucketSetsAreRejected() {
        assertThatThrownBy(() -> new User("", false, BucketAccess.all())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new User("a\0b", false, BucketAccess.all()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BucketAccess(true, Set.of("orders"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BucketAccess.of("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fakeSecretOfAnUnknownUserIsDeterministicPerStoreKeyAndNeverAUser() {
        UserStore a = UserStore.builder()
                .iterations(FAST_ITERATIONS)
                .fakeSecretKey(utf8("k1"))
                .build();
        UserStore b = UserStore.builder()
                .iterations(FAST_ITERATIONS)
                .fakeSecretKey(utf8("k1"))
                .build();
        UserStore c = UserStore.builder()
                .iterations(FAST_ITERATIONS)
                .fakeSecretKey(utf8("k2"))
                .build();
        UserStore.ScramLookup la = a.scramSecretOrFake("ghost", ScramMechanism.SHA256);
        assertThat(la.user()).isNull();
        assertThat(la.secret().salt())
                .hasSize(32)
                .isEqualTo(b.scramSecretOrFake("ghost", ScramMechanism.SHA256)
                        .secret()
                        .salt())
                .isNotEqualTo(c.scramSecretOrFake("ghost", ScramMechanism.SHA256)
                        .secret()
                        .salt());
        assertThat(la.secret().iterations()).isEqualTo(FAST_ITERATIONS);
    }
}
