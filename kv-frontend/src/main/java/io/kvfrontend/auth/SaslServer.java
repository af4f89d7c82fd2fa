package io.kvfrontend.auth;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * The server's SASL configuration: the {@link UserStore}, the offered {@link Mechanisms} and the
 * source of server nonces. One per server (or per listener, e.g. to drop PLAIN on plaintext ports);
 * each connection gets its own {@link SaslExchange} from {@link #newExchange()}.
 *
 * <p>Thread-safe (immutable but for the swappable user store; the default nonce source is a {@link SecureRandom}, itself thread-safe).
 * Users change at run time with {@link #users(UserStore)}; an exchange already under way keeps
 * the store it started with.
 */
public final class SaslServer {
    /** Random bytes in a default server nonce; RFC 5802 wants it unpredictable, 24 is ample. */
    public static final int NONCE_BYTES = 24;

    // Replaced whole when users change at run time (the user manager); an exchange reads it when it
    // starts, so one already under way finishes against the store it began with.
    private volatile UserStore users;
    private final Mechanisms mechanisms;
    private final NonceSource nonces;

    private SaslServer(Builder b) {
        this.users = b.users;
        this.mechanisms = b.mechanisms;
        this.nonces = b.nonces;
    }

    /** All mechanisms ({@link Mechanisms#all()}) and random nonces. */
    public static SaslServer create(UserStore users) {
        return builder(users).build();
    }

    public static Builder builder(UserStore users) {
        return new Builder(users);
    }

    /** The SASL_LIST_MECHS response value, e.g. {@code SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN}. */
    public String listMechanisms() {
        return mechanisms.listing();
    }

    public Mechanisms mechanisms() {
        return mechanisms;
    }

    public UserStore users() {
        return users;
    }

    /** Makes {@code next} the users every new exchange (and HTTP Basic check) sees. */
    public void users(UserStore next) {
        users = Objects.requireNonNull(next, "users");
    }

    /** A fresh, idle exchange for one connection. */
    public SaslExchange newExchange() {
        return new SaslExchange(this);
    }

    String nextNonce() {
        return nonces.nextNonce();
    }

    /** Source of server nonces; tests inject fixed ones to replay published vectors. */
    @FunctionalInterface
    public interface NonceSource {
        /** A fresh nonce: non-empty, printable ASCII without ',' (RFC 5802 "printable"). Thread-safe. */
        String nextNonce();

        /** {@value #NONCE_BYTES} random bytes in standard base64 (no ',' in that alphabet). */
        static NonceSource random(SecureRandom random) {
            Objects.requireNonNull(random, "random");
            return () -> {
                byte[] b = new byte[NONCE_BYTES];
                random.nextBytes(b);
                return Base64.getEncoder().encodeToString(b);
            };
        }
    }

    /** Confined: one thread, at configuration time. */
    public static final class Builder {
        private final UserStore users;
        private Mechanisms mechanisms = Mechanisms.all();
        private NonceSource nonces = NonceSource.random(new SecureRandom());

        private Builder(UserStore users) {
            this.users = Objects.requireNonNull(users, "users");
        }

        /** The offered mechanisms; default {@link Mechanisms#all()}. */
        public Builder mechanisms(Mechanisms mechanisms) {
            this.mechanisms = Objects.requireNonNull(mechanisms, "mechanisms");
            return this;
        }

        /** Where server nonces come from; default {@link NonceSource#random} over a {@link SecureRandom}. */
        public Builder nonceSource(NonceSource nonces) {
            this.nonces = Objects.requireNonNull(nonces, "nonces");
            return this;
        }

        public SaslServer build() {
            return new SaslServer(this);
        }
    }
}
