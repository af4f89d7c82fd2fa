package io.kvfrontend.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The SASL mechanisms a server offers: the SASL_LIST_MECHS answer and the set SASL_AUTH accepts.
 * Offering fewer than all is how to drop PLAIN on plaintext ports, or to make the SDK fall back
 * from SCRAM-SHA512 (it retries with the strongest listed mechanism after AuthError 0x20:
 * sdk-compat.md 1.5).
 *
 * <p>The listing is always strongest first ({@code SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN}),
 * whatever order the configuration named them in, so it is stable.
 *
 * <p>Immutable.
 */
public final class Mechanisms {
    /** The SASL name of PLAIN (RFC 4616). */
    public static final String PLAIN = PlainMechanism.NAME;

    private static final Mechanisms ALL = new Mechanisms(EnumSet.allOf(ScramMechanism.class), true);

    private final Set<ScramMechanism> scram;
    private final boolean plain;
    private final List<String> names;

    private Mechanisms(EnumSet<ScramMechanism> scram, boolean plain) {
        if (scram.isEmpty() && !plain) {
            // The SDK treats an empty LIST_MECHS answer as an authentication failure.
            throw new IllegalArgumentException("at least one SASL mechanism must be offered");
        }
        this.scram = EnumSet.copyOf(scram);
        this.plain = plain;
        List<String> n = new ArrayList<>();
        for (ScramMechanism m : ScramMechanism.values()) { // declared strongest first
            if (scram.contains(m)) {
                n.add(m.mechanismName());
            }
        }
        if (plain) {
            n.add(PLAIN);
        }
        this.names = List.copyOf(n);
    }

    /** {@code SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN}: what kv_engine offers on a plain port. */
    public static Mechanisms all() {
        return ALL;
    }

    /** The named mechanisms; see {@link #of(Collection)}. */
    public static Mechanisms of(String... names) {
        return of(Arrays.asList(names));
    }

    /**
     * The named mechanisms, by their exact SASL names.
     *
     * @throws IllegalArgumentException for an unknown name or an empty set
     */
    public static Mechanisms of(Collection<String> names) {
        EnumSet<ScramMechanism> scram = EnumSet.noneOf(ScramMechanism.class);
        boolean plain = false;
        for (String name : names) {
            if (PLAIN.equals(name)) {
                plain = true;
            } else {
                scram.add(ScramMechanism.fromMechanismName(name)
                        .orElseThrow(() -> new IllegalArgumentException(
                                "unknown SASL mechanism '" + name + "', expected some of " + ALL.listing())));
            }
        }
        return new Mechanisms(scram, plain);
    }

    /** Parses a space-separated list as in a config file, e.g. {@code "SCRAM-SHA256 SCRAM-SHA1"}. */
    public static Mechanisms parse(String spaceSeparated) {
        String trimmed = spaceSeparated.trim();
        return of(trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+")));
    }

    /** The SASL_LIST_MECHS response value: names separated by single spaces, strongest first. */
    public String listing() {
        return String.join(" ", names);
    }

    /** The offered names, strongest first. */
    public List<String> names() {
        return names;
    }

    /** Whether SASL_AUTH with this exact name is accepted. */
    public boolean offers(String mechanismName) {
        return names.contains(mechanismName);
    }

    /** Whether PLAIN is offered. */
    public boolean offersPlain() {
        return plain;
    }

    /** Whether this SCRAM variant is offered. */
    public boolean offers(ScramMechanism mechanism) {
        return scram.contains(mechanism);
    }

    @Override
    public String toString() {
        return "Mechanisms[" + listing() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mechanisms m && m.names.equals(names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }
}
