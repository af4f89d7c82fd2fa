package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.CollectionsManifest;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import org.junit.jupiter.api.Test;

/**
 * Scopes and collections created and dropped at runtime: a new manifest uid for each change, ids
 * never reused, a dropped collection's documents gone with their memory, and the default scope and
 * collection kept.
 */
class RuntimeCollectionsTest {
    private final StubBucket bucket = Fixtures.bucket(new MutableClock(Fixtures.START));

    private Status store(int collection, String key) {
        return bucket.store(
                        StoreMode.SET, new DocKey(collection, bytes(key)), bytes("value"), 0, 0, 0, Datatype.RAW, false)
                .status();
    }

    @Test
    void changesMakeNewManifestsAndDropsRemoveTheDocuments() {
        long uid = bucket.collections().uid();
        long memBefore = bucket.stats().memUsedBytes();
        assertThat(bucket.createScope("s")).isEqualTo(Status.SUCCESS);
        assertThat(bucket.createCollection("s", "c")).isEqualTo(Status.SUCCESS);
        CollectionsManifest m = bucket.collections();
        assertThat(m.uid()).isEqualTo(uid + 2);
        int id = m.collection("s", "c").id();
        assertThat(id).isGreaterThanOrEqualTo(CollectionsManifest.FIRST_USER_ID);

        for (int i = 0; i < 100; i++) {
            assertThat(store(id, "k" + i)).isEqualTo(Status.SUCCESS);
        }
        assertThat(bucket.stats().items()).isEqualTo(100);

        assertThat(bucket.dropCollection("s", "c")).isEqualTo(Status.SUCCESS);
        assertThat(bucket.stats().items()).isZero();
        assertThat(bucket.stats().memUsedBytes()).isEqualTo(memBefore);
        assertThat(store(id, "late")).isEqualTo(Status.UNKNOWN_COLLECTION);

        // Recreated under the same name, it is a new collection: a new id, empty.
        assertThat(bucket.createCollection("s", "c")).isEqualTo(Status.SUCCESS);
        assertThat(bucket.collections().collection("s", "c").id()).isGreaterThan(id);
        assertThat(bucket.dropScope("s")).isEqualTo(Status.SUCCESS);
        assertThat(bucket.collections().scope("s")).isNull();
        assertThat(bucket.collections().uid()).isEqualTo(uid + 5);
    }

    @Test
    void refusalsChangeNothing() {
        long uid = bucket.collections().uid();
        assertThat(bucket.createScope("_system")).isEqualTo(Status.EINVAL);
        assertThat(bucket.createScope("bad name")).isEqualTo(Status.EINVAL);
        assertThat(bucket.dropScope("_default")).isEqualTo(Status.EINVAL);
        assertThat(bucket.dropCollection("_default", "_default")).isEqualTo(Status.EINVAL);
        assertThat(bucket.dropScope("none")).isEqualTo(Status.UNKNOWN_SCOPE);
        assertThat(bucket.createCollection("none", "c")).isEqualTo(Status.UNKNOWN_SCOPE);
        assertThat(bucket.dropCollection("_default", "none")).isEqualTo(Status.UNKNOWN_COLLECTION);
        assertThat(bucket.createCollection("_default", "extra")).isEqualTo(Status.SUCCESS);
        assertThat(bucket.createCollection("_default", "extra")).isEqualTo(Status.KEY_EEXISTS);
        assertThat(bucket.collections().uid()).isEqualTo(uid + 1);
        assertThat(store(DocKey.DEFAULT_COLLECTION, "d")).isEqualTo(Status.SUCCESS);
    }
}
