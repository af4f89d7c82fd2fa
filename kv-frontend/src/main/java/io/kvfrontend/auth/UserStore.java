package io.kvfrontend.auth;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The configured users and their credentials, as an immutable snapshot built once at configuration
 * time. A password is kept only as one salted {@link ScramSecret} per {@link ScramMechanism} (salt,
 * iterations, StoredKey, ServerKey: RFC 5802 section 3), never in plain text; the builder derives
 * the secrets as each user is added, so not even the builder holds a password afterwards.
 *
 * <p>Thread-safe (immutable). Building costs three PBKDF2 runs per user (a few milliseconds each at
 * the default 4096 iterations), which is why it happens at configuration time and not per
 * connection. To change users, build a new store and swap it in; exchanges already started keep the
 * store they started with.
 *
 * <p>Unknown users get a deterministic fake secret (see {@link #scramSecretOrFake}) so a SCRAM
 * server-first message does not reveal whether a user exists (RFC 5802 section 5.1).
 */
public final class UserStore {
    /** Default SCRAM iteration count, as gocaves and Couchbase Server use (sdk-compat.md 1.5). */
    public static final int DEFAULT_ITERATIONS = 4096;

    /** PLAIN checks passwords against this secret: SHA-256 is the cheapest of the three PBKDF2s. */
    private static final ScramMechanism PLAIN_CHECK = ScramMechanism.SHA256;

    private final Map<String, Entry> users;
    private final int iterations;
    /** Keys the fake salts of unknown users; random per store, so it rotates with real salts. */
    private final byte[] fakeSecretKey;

    private record Entry(User user, Map<ScramMechanism, ScramSecret> secrets) {}

    private UserStore(Builder b) {
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(b.users));
        this.iterations = b.iterations;
        this.fakeSecretKey = b.fakeSecretKey.clone();
    }

    /** A builder with {@link #DEFAULT_ITERATIONS} and random salts. */
    public static Builder builder() {
        return new Builder();
    }

    /** The user called {@code name}, if configured. */
    public Optional<User> user(String name) {
        Entry e = users.get(name);
        return e == null ? Optional.empty() : Optional.of(e.user());
    }

    /** Every configured user name, in the order added. */
    public Set<String> userNames() {
        return users.keySet();
    }

    /** The iteration count of the secrets this store derived (and of fake secrets). */
    public int iterations() {
        return iterations;
    }

    /**
     * PLAIN verification (RFC 4616): whether {@code password} (UTF-8, as on the wire) is the password
     * of {@code name}. Recomputes SaltedPassword and StoredKey with the stored salt and compares with
     * {@link java.security.MessageDigest#isEqual}, so it costs one PBKDF2 run (about a millisecond at
     * 4096 iterations). An unknown user costs the same work against a fake secret, so the answer's
     * timing does not reveal whether the user exists. Thread-safe.
     *
     * @return the user on a match; empty for an unknown user, a wrong password or non-UTF-8 bytes
     */
    public Optional<User> authenticatePlain(String name, byte[] password) {
        Entry e = users.get(name);
        ScramSecret secret = e != null ? e.secrets().get(PLAIN_CHECK) : fakeSecret(name, PLAIN_CHECK);
        char[] chars = decodeUtf8(password);
        if (chars == null) {
            // No configured password (a Java String, always valid UTF-16) encodes to invalid UTF-8.
            return Optional.empty();
        }
        try {
            boolean match = secret.matchesPassword(chars);
            return match && e != null ? Optional.of(e.user()) : Optional.empty();
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    /**
     * A store with {@code user} added or replaced: with new secrets from {@code password}, or, when
     * {@code password} is {@code null}, keeping the existing user's secrets (its access changes
     * only). Every other user keeps its secrets; the fake-secret key stays, so unknown users look
     * the same before and after.
     *
     * @throws IllegalArgumentException if {@code password} is {@code null} and the user is new
     */
    public UserStore withUser(User user, char[] password) {
        Builder b = copyExcept(user.name());
        if (password != null) {
            b.addUser(user, password);
        } else {
            Entry old = users.get(user.name());
            if (old == null) {
                throw new IllegalArgumentException("a new user needs a password");
            }
            b.users.put(user.name(), new Entry(user, old.secrets()));
        }
        return b.build();
    }

    /** A store without {@code name} (the same store if there is no such user). */
    public UserStore withoutUser(String name) {
        return users.containsKey(name) ? copyExcept(name).build() : this;
    }

    private Builder copyExcept(String name) {
        Builder b = new Builder().iterations(iterations).fakeSecretKey(fakeSecretKey);
        users.forEach((n, e) -> {
            if (!n.equals(name)) {
                b.users.put(n, e);
            }
        });
        return b;
    }

    /** The stored secret of {@code name} for {@code mechanism}, if the user exists. */
    Optional<ScramSecret> scramSecret(String name, ScramMechanism mechanism) {
        Entry e = users.get(name);
        return e == null ? Optional.empty() : Optional.of(e.secrets().get(mechanism));
    }

    /**
     * The stored secret, or for an unknown user a fake one whose salt is HMAC(per-store key, mechanism
     * and name): the same length and iteration count as a real one, and the same on every attempt, so
     * the server-first message looks the same whether or not the user exists. Thread-safe.
     */
    ScramLookup scramSecretOrFake(String name, ScramMechanism mechanism) {
        Entry e = users.get(name);
        if (e != null) {
            return new ScramLookup(e.user(), e.secrets().get(mechanism));
        }
        return new ScramLookup(null, fakeSecret(name, mechanism));
    }

    /** A secret to run SCRAM against; {@code user} is null when the secret is fake and must never succeed. */
    record ScramLookup(User user, ScramSecret secret) {}

    private ScramSecret fakeSecret(String name, ScramMechanism mechanism) {
        byte[] seed = (mechanism.mechanismName() + '\0' + name).getBytes(UTF_8);
        byte[] salt = mechanism.hmac(fakeSecretKey, seed);
        byte[] storedKey = mechanism.hmac(fakeSecretKey, salt);
        byte[] serverKey = mechanism.hmac(fakeSecretKey, storedKey);
        return new ScramSecret(mechanism, salt, iterations, storedKey, serverKey);
    }

    private static char[] decodeUtf8(byte[] bytes) {
        try {
            CharBuffer cb = UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            char[] out = new char[cb.remaining()];
            cb.get(out);
            Arrays.fill(cb.array(), '\0');
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** User names and flags only: a store never prints a credential. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("UserStore[i=").append(iterations).append(", users=[");
        String sep = "";
        for (Entry e : users.values()) {
            sb.append(sep).append(e.user());
            sep = ", ";
        }
        return sb.append("]]").toString();
    }

    /** Source of salts for new secrets; tests inject fixed salts to replay published vectors. */
    @FunctionalInterface
    public interface SaltSource {
        /** A fresh salt for {@code user}'s secret under {@code mechanism}; must not be empty. */
        byte[] salt(String user, ScramMechanism mechanism);

        /** Random salts as long as the mechanism's hash, from {@code random}. */
        static SaltSource random(SecureRandom random) {
            Objects.requireNonNull(random, "random");
            return (user, mechanism) -> {
                byte[] salt = new byte[mechanism.hashLength()];
                random.nextBytes(salt);
                return salt;
            };
        }
    }

    /**
     * Collects users and derives their secrets as they are added. Confined: one thread, at
     * configuration time. Configuration errors are {@link IllegalArgumentException}s that name the
     * user, never the password.
     */
    public static final class Builder {
        private final Map<String, Entry> users = new LinkedHashMap<>();
        private int iterations = DEFAULT_ITERATIONS;
        private SaltSource saltSource = SaltSource.random(new SecureRandom());
        private byte[] fakeSecretKey;

        private Builder() {
            fakeSecretKey = new byte[32];
            new SecureRandom().nextBytes(fakeSecretKey);
        }

        /** SCRAM iteration count (>= 2) for users added after this call; default 4096. */
        public Builder iterations(int iterations) {
            if (iterations < 2) {
                throw new IllegalArgumentException("SCRAM iteration count must be >= 2, got " + iterations);
            }
            this.iterations = iterations;
            return this;
        }

        /** Where salts of users added after this call come from; default 20/32/64 random bytes. */
        public Builder saltSource(SaltSource saltSource) {
            this.saltSource = Objects.requireNonNull(saltSource, "saltSource");
            return this;
        }

        /** Fixes the key behind unknown users' fake salts (tests); default random per store. */
        Builder fakeSecretKey(byte[] key) {
            if (key.length == 0) {
                throw new IllegalArgumentException("fake secret key must not be empty");
            }
            this.fakeSecretKey = key.clone();
            return this;
        }

        /** Adds a user; see {@link #addUser(User, char[])}. */
        public Builder addUser(User user, String password) {
            char[] chars = Objects.requireNonNull(password, "password").toCharArray();
            try {
                return addUser(user, chars);
            } finally {
                Arrays.fill(chars, '\0');
            }
        }

        /**
         * Adds a user and derives its SCRAM secrets for every mechanism now (three PBKDF2 runs). The
         * password is not retained; the caller may clear {@code password} afterwards.
         *
         * @throws IllegalArgumentException if the name is already taken
         */
        public Builder addUser(User user, char[] password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (users.containsKey(user.name())) {
                throw new IllegalArgumentException("duplicate user '" + user.name() + "'");
            }
            Map<ScramMechanism, ScramSecret> secrets = new EnumMap<>(ScramMechanism.class);
            for (ScramMechanism m : ScramMechanism.values()) {
                byte[] salt = saltSource.salt(user.name(), m);
                if (salt == null || salt.length == 0) {
                    throw new IllegalArgumentException("salt source gave an empty salt for '" + user.name() + "'");
                }
                secrets.put(m, ScramSecret.derive(m, password, salt, iterations));
            }
            users.put(user.name(), new Entry(user, Collections.unmodifiableMap(secrets)));
            return this;
        }

        /** An immutable store of the users added so far. */
        public UserStore build() {
            return new UserStore(this);
        }
    }
}
