package io.kvfrontend.auth;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Base64;

/** Small builders shared by the auth tests. */
final class AuthFixtures {
    /** Few iterations keep store building cheap where the count does not matter to the test. */
    static final int FAST_ITERATIONS = 16;

    private AuthFixtures() {}

    static byte[] utf8(String s) {
        return s.getBytes(UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, UTF_8);
    }

    static byte[] b64(String s) {
        return Base64.getDecoder().decode(s);
    }

    /** A store with the given users (name, password pairs), all-bucket access, not admin. */
    static UserStore store(int iterations, String... namesAndPasswords) {
        UserStore.Builder b = UserStore.builder().iterations(iterations);
        for (int i = 0; i < namesAndPasswords.length; i += 2) {
            b.addUser(new User(namesAndPasswords[i], false, BucketAccess.all()), namesAndPasswords[i + 1]);
        }
        return b.build();
    }
}
