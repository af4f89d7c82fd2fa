package io.kvfrontend.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The SASL_LIST_MECHS answer and the configurable set behind it. */
class MechanismsTest {
    @Test
    void allListsWhatTheSdkExpectsStrongestFirst() {
        assertThat(Mechanisms.all().listing()).isEqualTo("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN");
        assertThat(SaslServer.create(UserStore.builder().build()).listMechanisms())
                .isEqualTo("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN");
    }

    @Test
    void configuredSubsetIsListedInCanonicalOrder() {
        Mechanisms m = Mechanisms.of("PLAIN", "SCRAM-SHA1", "SCRAM-SHA256");
        assertThat(m.listing()).isEqualTo("SCRAM-SHA256 SCRAM-SHA1 PLAIN");
        assertThat(m.offers("SCRAM-SHA512")).isFalse();
        assertThat(m.offers(ScramMechanism.SHA512)).isFalse();
        assertThat(m.offers(ScramMechanism.SHA1)).isTrue();
        assertThat(m.offersPlain()).isTrue();
        assertThat(m).isEqualTo(Mechanisms.parse("  SCRAM-SHA1 PLAIN\tSCRAM-SHA256 "));
    }

    @Test
    void plainCanBeDropped() {
        Mechanisms m = Mechanisms.parse("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1");
        assertThat(m.offersPlain()).isFalse();
        assertThat(m.offers("PLAIN")).isFalse();
        assertThat(m.names()).containsExactly("SCRAM-SHA512", "SCRAM-SHA256", "SCRAM-SHA1");
    }

    @Test
    void plainAloneIsAllowed() {
        assertThat(Mechanisms.of("PLAIN").listing()).isEqualTo("PLAIN");
    }

    @Test
    void unknownOrMisspelledNameIsRejectedListingTheValidOnes() {
        assertThatThrownBy(() -> Mechanisms.of("SCRAM-SHA-512"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'SCRAM-SHA-512'")
                .hasMessageContaining("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN");
    }

    @Test
    void emptySetIsRejectedBecauseTheSdkTreatsAnEmptyListAsFailure() {
        assertThatThrownBy(() -> Mechanisms.parse("  ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Mechanisms.of()).isInstanceOf(IllegalArgumentException.class);
    }
}
