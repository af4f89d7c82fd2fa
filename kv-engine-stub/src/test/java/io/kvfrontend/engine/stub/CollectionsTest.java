package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.engine.spi.CollectionsManifest;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.ScopeConfig;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class CollectionsTest {
    private final MutableClock clock = new MutableClock(Fixtures.START);

    @Test
    void configuredScopesAndCollectionsGetIdsFromEightInConfigurationOrder() {
        CollectionsManifest m = CollectionsManifest.of(List.of(
                new ScopeConfig("inventory", List.of("airline", "hotel")),
                new ScopeConfig("_default", List.of("extra")),
                new ScopeConfig("tenant", List.of())));
        assertThat(m.uid()).isEqualTo(1);
        assertThat(m.scopes())
                .extracting(CollectionsManifest.Scope::name)
                .containsExactly("_default", "inventory", "tenant");
        assertThat(m.scope("_default").id()).isZero();
        assertThat(m.collection("_default", "_default").id()).isZero();
        assertThat(m.scope("inventory").id()).isEqualTo(8);
        assertThat(m.scope("tenant").id()).isEqualTo(9);
        assertThat(m.collection("inventory", "airline").id()).isEqualTo(8);
        assertThat(m.collection("inventory", "hotel").id()).isEqualTo(9);
        assertThat(m.collection("_default", "extra").id()).isEqualTo(10);
        assertThat(m.collection("inventory", "nope")).isNull();
        assertThat(m.collection("nope", "airline")).isNull();
        assertThat(m.hasCollection(9)).isTrue();
        assertThat(m.hasCollection(11)).isFalse();
    }

    @Test
    void onlyDefaultsGiveManifestUidZero() {
        assertThat(CollectionsManifest.of(List.of()).uid()).isZero();
        assertThat(CollectionsManifest.of(List.of()).scopes()).hasSize(1);
    }

    @Test
    void rejectsDuplicateAndInvalidNames() {
        assertThatThrownBy(() -> CollectionsManifest.of(List.of(new ScopeConfig("s", List.of("c", "c")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> CollectionsManifest.of(
                        List.of(new ScopeConfig("s", List.of()), new ScopeConfig("s", List.of()))))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> CollectionsManifest.of(List.of(new ScopeConfig("_system", List.of()))))
                .hasMessageContaining("scope name");
        assertThatThrownBy(() -> CollectionsManifest.of(List.of(new ScopeConfig("s", List.of("a.b")))))
                .hasMessageContaining("collection name");
    }

    @Test
    void documentsLiveInTheirCollectionAndUnknownCollectionsAreRefused() {
        StubBucket b =
                Fixtures.bucket(clock, Fixtures.config(16).withScopes(List.of(new ScopeConfig("s", List.of("c")))));
        int cid = b.collections().collection("s", "c").id();
        DocKey inC = new DocKey(cid, bytes("k"));
        assertThat(b.store(StoreMode.SET, inC, bytes("in c"), 0, 0, 0, Datatype.RAW, false)
                        .status())
                .isEqualTo(Status.SUCCESS);
        assertThat(b.get(inC).item().value()).isEqualTo(bytes("in c"));
        assertThat(b.get(Fixtures.key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        DocKey unknown = new DocKey(cid + 1, bytes("k"));
        assertThat(b.get(unknown).status()).isEqualTo(Status.UNKNOWN_COLLECTION);
        assertThat(b.store(StoreMode.SET, unknown, bytes("x"), 0, 0, 0, Datatype.RAW, false)
                        .status())
                .isEqualTo(Status.UNKNOWN_COLLECTION);
    }
}
