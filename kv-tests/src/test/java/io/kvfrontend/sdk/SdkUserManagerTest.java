package io.kvfrontend.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.UserNotFoundException;
import com.couchbase.client.java.manager.user.AuthDomain;
import com.couchbase.client.java.manager.user.Role;
import com.couchbase.client.java.manager.user.User;
import com.couchbase.client.java.manager.user.UserAndMetadata;
import com.couchbase.client.java.manager.user.UserManager;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java SDK's user manager against the management REST API: a user created at run time logs in
 * (SASL) with the access its roles give, is shown with the roles it was given, changes, and after
 * deletion can no longer log in.
 */
class SdkUserManagerTest extends SdkCluster {
    private static final int SASL_AUTH = 0x21;
    private static final int SELECT_BUCKET = 0x89;
    private UserManager users;

    @Override
    ServerConfig.Builder serverConfig() {
        return TestServer.withAuth().mgmtPort(0);
    }

    @BeforeAll
    void managers() {
        users = cluster.users();
    }

    /** SASL PLAIN then SelectBucket on a raw connection: the two statuses. */
    private int[] login(String user, String password, String bucket) {
        try (McbpClient c = McbpClient.connect(server.port())) {
            // HELLO XERROR: without it an access refusal closes the connection, as kv_engine does.
            assertThat(c.call(Frames.request(0x1f).key("t").value(new byte[] {0, 0x07}))
                            .status())
                    .isZero();
            int auth = c.call(Frames.request(SASL_AUTH).key("PLAIN").value("\0" + user + "\0" + password))
                    .status();
            if (auth != 0) {
                return new int[] {auth, -1};
            }
            return new int[] {
                auth, c.call(Frames.request(SELECT_BUCKET).key(bucket)).status()
            };
        }
    }

    @Test
    void aUserMadeAtRunTimeLogsInWithItsRolesAndIsGoneAfterDeletion() {
        users.upsertUser(new User("reader")
                .password("reader-pw")
                .displayName("Reader")
                .roles(new Role("data_reader", "default", "_default", "_default")));

        UserAndMetadata got = users.getUser(AuthDomain.LOCAL, "reader");
        assertThat(got.user().displayName()).isEqualTo("Reader");
        assertThat(got.user().roles()).containsExactly(new Role("data_reader", "default", "_default", "_default"));
        assertThat(users.getAllUsers()).extracting(u -> u.user().username()).contains("reader", Sdk.ADMIN);
        assertThat(login("reader", "reader-pw", "default")).containsExactly(0x00, 0x00);
        assertThat(login("reader", "wrong", "default")[0]).isEqualTo(0x20);

        // Access changes; the password stays when none is given.
        users.upsertUser(new User("reader").roles(new Role("admin")));
        assertThat(users.getUser(AuthDomain.LOCAL, "reader").user().roles()).containsExactly(new Role("admin"));
        assertThat(login("reader", "reader-pw", "default")).containsExactly(0x00, 0x00);

        users.dropUser("reader");
        assertThat(login("reader", "reader-pw", "default")[0]).isEqualTo(0x20);
        assertThatThrownBy(() -> users.getUser(AuthDomain.LOCAL, "reader")).isInstanceOf(UserNotFoundException.class);
        assertThatThrownBy(() -> users.dropUser("reader")).isInstanceOf(UserNotFoundException.class);
    }

    @Test
    void aUserWithoutTheBucketsRoleCannotSelectIt() {
        users.upsertUser(new User("other").password("other-pw").roles(new Role("data_reader", "elsewhere")));
        assertThat(login("other", "other-pw", "default")).containsExactly(0x00, 0x24);
        users.dropUser("other");
    }

    @Test
    void theRolesListNamesTheBucketRoles() {
        assertThat(users.getRoles())
                .extracting(r -> r.role().name())
                .contains("admin", "data_reader", "bucket_full_access");
    }
}
