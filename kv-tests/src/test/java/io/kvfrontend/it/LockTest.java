package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.connection.OutputMode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GetLocked and UnlockKey (mcbp-protocol.md 4.2) as a client that did not negotiate XERROR sees
 * them: Locked is remapped to KeyEexists for mutations and to Etmpfail for GetLocked/UnlockKey,
 * NotLocked to Etmpfail (5, "no-XERROR" column).
 */
class LockTest {
    private static ModeServers servers;

    @BeforeAll
    static void startServers() {
        servers = ModeServers.start();
    }

    @AfterAll
    static void stopServers() {
        servers.close();
    }

    private static McbpClient client() {
        return servers.get(OutputMode.SPOOL).client();
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void aLockedDocumentHidesItsCasAndAdmitsOnlyTheLockCas(OutputMode mode) {
        String k = "lock-" + mode;
        try (McbpClient c = servers.get(mode).client();
                McbpClient other = servers.get(mode).client()) {
            long setCas = c.call(store(SET, k, "v1", 5, 0)).cas();

            Response locked = c.call(getLocked(k, 10).opaque(21));
            assertThat(locked.status()).isEqualTo(SUCCESS);
            assertThat(locked.opaque()).isEqualTo(21);
            assertThat(locked.valueString()).isEqualTo("v1");
            assertThat(locked.extrasInt(0)).isEqualTo(5);
            long lockCas = locked.cas();
            assertThat(lockCas).isNotZero().isNotEqualTo(setCas).isNotEqualTo(LOCKED_CAS);

            // Everyone (the locking connection included: the lock belongs to the CAS, not the connection)
            // reads the value with the CAS hidden.
            for (McbpClient reader : new McbpClient[] {c, other}) {
                Response plain = reader.call(get(k));
                assertThat(plain.status()).isEqualTo(SUCCESS);
                assertThat(plain.valueString()).isEqualTo("v1");
                assertThat(plain.cas()).isEqualTo(LOCKED_CAS);
            }

            // Mutations without the lock CAS: Locked, remapped to KeyEexists.
            assertThat(other.call(set(k, "x")).status()).isEqualTo(KEY_EEXISTS);
            assertThat(other.call(set(k, "x").cas(setCas)).status()).isEqualTo(KEY_EEXISTS);
            assertThat(other.call(store(REPLACE, k, "x", 0, 0)).status()).isEqualTo(KEY_EEXISTS);
            assertThat(other.call(keyed(DELETE, k)).status()).isEqualTo(KEY_EEXISTS);
            assertThat(other.call(concat(APPEND, k, "x")).status()).isEqualTo(KEY_EEXISTS);
            assertThat(other.call(withExpiry(TOUCH, k, 100)).status()).isEqualTo(KEY_EEXISTS);
            assertThat(other.call(withExpiry(GAT, k, 100)).status()).isEqualTo(KEY_EEXISTS);
            // GetLocked and UnlockKey on a lock conflict: Locked, remapped to Etmpfail.
            assertThat(other.call(getLocked(k, 10)).status()).isEqualTo(ETMPFAIL);
            assertThat(other.call(keyed(UNLOCK_KEY, k).cas(lockCas + 1)).status())
                    .isEqualTo(ETMPFAIL);
            assertThat(other.call(get(k)).valueString())
                    .as("nothing changed the value")
                    .isEqualTo("v1");

            // A mutation with the lock CAS succeeds and releases the lock.
            Response unlocking = other.call(set(k, "v2").cas(lockCas));
            assertThat(unlocking.status()).isEqualTo(SUCCESS);
            Response after = c.call(get(k));
            assertThat(after.valueString()).isEqualTo("v2");
            assertThat(after.cas()).isEqualTo(unlocking.cas()).isNotEqualTo(LOCKED_CAS);
            assertThat(c.call(set(k, "v3")).status())
                    .as("unlocked: a plain set works")
                    .isEqualTo(SUCCESS);
        }
    }

    @Test
    void unlockKeyWithTheLockCasReleasesTheLock() {
        try (McbpClient c = client()) {
            mustSet(c, "unlock", "v");
            long lockCas = c.call(getLocked("unlock", 10)).cas();
            Response unlocked = c.call(keyed(UNLOCK_KEY, "unlock").cas(lockCas).opaque(3));
            assertThat(unlocked.status()).isEqualTo(SUCCESS);
            assertThat(unlocked.opaque()).isEqualTo(3);
            assertThat(unlocked.value()).isEmpty();
            assertThat(c.call(get("unlock")).cas()).isNotEqualTo(LOCKED_CAS);
            assertThat(c.call(set("unlock", "w")).status()).isEqualTo(SUCCESS);
        }
    }

    @Test
    void unlockingADocumentThatIsNotLockedIsNotLockedRemappedToEtmpfail() {
        try (McbpClient c = client()) {
            long cas = mustSet(c, "not-locked", "v");
            assertThat(c.call(keyed(UNLOCK_KEY, "not-locked").cas(cas)).status())
                    .isEqualTo(ETMPFAIL);
        }
    }

    @Test
    void lockingOrUnlockingAMissingKeyIsKeyEnoent() {
        try (McbpClient c = client()) {
            assertThat(c.call(getLocked("lock-missing", 10)).status()).isEqualTo(KEY_ENOENT);
            assertThat(c.call(keyed(UNLOCK_KEY, "lock-missing").cas(1)).status())
                    .isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void getLockedWithoutExtrasLocksForTheDefaultTime() {
        try (McbpClient c = client()) {
            mustSet(c, "lock-default", "v");
            Response locked = c.call(keyed(GET_LOCKED, "lock-default"));
            assertThat(locked.status()).isEqualTo(SUCCESS);
            assertThat(c.call(set("lock-default", "x")).status()).isEqualTo(KEY_EEXISTS);
            assertThat(c.call(keyed(UNLOCK_KEY, "lock-default").cas(locked.cas()))
                            .status())
                    .isEqualTo(SUCCESS);
        }
    }

    @Test
    void unlockKeyWithoutACasAndGetLockedWithACasAreEinval() {
        try (McbpClient c = client()) {
            mustSet(c, "lock-rules", "v");
            assertThat(c.call(keyed(UNLOCK_KEY, "lock-rules")).status()).isEqualTo(EINVAL);
            assertThat(c.call(getLocked("lock-rules", 10).cas(5)).status()).isEqualTo(EINVAL);
            assertThat(c.call(Frames.request(GET_LOCKED).key("lock-rules").extras(new byte[2]))
                            .status())
                    .isEqualTo(EINVAL);
            assertThat(c.call(get("lock-rules")).cas()).as("still unlocked").isNotEqualTo(LOCKED_CAS);
        }
    }

    @Test
    void aLockTimesOut() {
        try (McbpClient c = client()) {
            mustSet(c, "lock-timeout", "v");
            assertThat(c.call(getLocked("lock-timeout", 1)).status()).isEqualTo(SUCCESS);
            assertThat(c.call(set("lock-timeout", "x")).status()).isEqualTo(KEY_EEXISTS);
            Await.until(
                    "a plain set succeeds once the 1 s lock expired",
                    Duration.ofSeconds(5),
                    () -> c.call(set("lock-timeout", "after")).status() == SUCCESS);
            assertThat(c.call(get("lock-timeout")).valueString()).isEqualTo("after");
        }
    }
}
