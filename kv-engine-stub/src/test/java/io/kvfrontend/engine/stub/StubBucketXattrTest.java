package io.kvfrontend.engine.stub;

import static io.kvfrontend.engine.stub.Fixtures.START;
import static io.kvfrontend.engine.stub.Fixtures.bytes;
import static io.kvfrontend.engine.stub.Fixtures.key;
import static io.kvfrontend.engine.stub.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocumentWrite;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.engine.spi.MetaResult;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import io.kvfrontend.engine.spi.Xattrs;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Documents with xattrs: tombstones that keep system xattrs, full-body writes that keep xattrs, and whole-revision writes. */
class StubBucketXattrTest {
    private final MutableClock clock = new MutableClock(START);
    private final StubBucket bucket = Fixtures.bucket(clock);

    private static byte[] doc(String body, String... keyValues) {
        Map<String, byte[]> x = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            x.put(keyValues[i], bytes(keyValues[i + 1]));
        }
        return Xattrs.encode(x, bytes(body));
    }

    private MutationResult storeWithXattrs(String key, byte[] value) {
        return bucket.store(StoreMode.SET, key(key), value, 0, 0, 0, Datatype.JSON | Datatype.XATTR, false);
    }

    private static DocumentWrite replace(long cas, boolean fromDeleted, boolean deleted, byte[] value) {
        int datatype = Datatype.XATTR | (deleted ? 0 : Datatype.JSON);
        return new DocumentWrite(false, cas, fromDeleted, deleted, value, datatype, 0, 0, false, null);
    }

    @Test
    void deleteKeepsOnlySystemXattrsInATombstone() {
        storeWithXattrs("k", doc("{\"a\":1}", "_sys", "{\"x\":1}", "user", "2"));

        MutationResult deleted = bucket.delete(key("k"), 0);

        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        GetResult t = bucket.getDeleted(key("k"));
        assertThat(t.status()).isEqualTo(Status.SUCCESS);
        assertThat(t.cas()).isEqualTo(deleted.cas());
        Item item = t.item();
        assertThat(item.datatype()).isEqualTo(Datatype.XATTR);
        assertThat(Xattrs.body(item.value(), item.datatype())).isEmpty();
        Map<String, byte[]> kept = Xattrs.parse(item.value(), item.datatype());
        assertThat(kept).containsOnlyKeys("_sys");
        assertThat(text(kept.get("_sys"))).isEqualTo("{\"x\":1}");
        MetaResult meta = bucket.getMeta(key("k"));
        assertThat(meta.status()).isEqualTo(Status.SUCCESS);
        assertThat(meta.deleted()).isTrue();
        assertThat(bucket.stats().items()).isZero();
    }

    @Test
    void aDocumentWithOnlyUserXattrsLeavesNoTombstone() {
        storeWithXattrs("k", doc("{}", "user", "1"));

        bucket.delete(key("k"), 0);

        assertThat(bucket.getDeleted(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.getMeta(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.stats().memUsedBytes()).isZero();
    }

    @Test
    void aFullBodySetKeepsTheXattrsOfTheDocumentItOverwrites() {
        storeWithXattrs("k", doc("{\"a\":1}", "_sys", "1", "user", "2"));

        bucket.store(StoreMode.SET, key("k"), bytes("{\"b\":2}"), 0, 0, 0, Datatype.JSON, false);

        Item item = bucket.get(key("k")).item();
        assertThat(item.datatype()).isEqualTo(Datatype.JSON | Datatype.XATTR);
        assertThat(text(Xattrs.body(item.value(), item.datatype()))).isEqualTo("{\"b\":2}");
        assertThat(Xattrs.parse(item.value(), item.datatype())).containsOnlyKeys("_sys", "user");
    }

    @Test
    void aLiveRevisionReplacesTheTombstoneAndItsCharge() {
        storeWithXattrs("k", doc("{}", "_sys", "1"));
        bucket.delete(key("k"), 0);
        assertThat(bucket.stats().memUsedBytes()).isPositive();

        bucket.store(StoreMode.ADD, key("k"), bytes("1"), 0, 0, 0, Datatype.JSON, false);

        assertThat(bucket.getDeleted(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.get(key("k")).item().datatype()).isEqualTo(Datatype.JSON); // the tombstone's xattrs are gone
        bucket.delete(key("k"), 0);
        assertThat(bucket.stats().memUsedBytes()).isZero();
    }

    @Test
    void writeUnderTheCasItReadSucceedsOnceAndThenConflicts() {
        MutationResult first = storeWithXattrs("k", doc("{}", "_t", "1"));

        MutationResult w = bucket.write(key("k"), replace(first.cas(), false, false, doc("{\"n\":1}", "_t", "2")));
        MutationResult again = bucket.write(key("k"), replace(first.cas(), false, false, doc("{\"n\":2}", "_t", "3")));

        assertThat(w.status()).isEqualTo(Status.SUCCESS);
        assertThat(again.status()).isEqualTo(Status.KEY_EEXISTS);
        Item item = bucket.get(key("k")).item();
        assertThat(item.cas()).isEqualTo(w.cas());
        assertThat(text(Xattrs.body(item.value(), item.datatype()))).isEqualTo("{\"n\":1}");
    }

    @Test
    void aWriteCanTurnALiveDocumentIntoATombstoneAndReviveIt() {
        MutationResult live = storeWithXattrs("k", doc("{\"a\":1}", "_t", "1"));

        MutationResult dead = bucket.write(key("k"), replace(live.cas(), false, true, doc("", "_t", "2")));
        assertThat(dead.status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.getDeleted(key("k")).cas()).isEqualTo(dead.cas());
        // The tombstone's CAS must match, like a live document's.
        assertThat(bucket.write(key("k"), replace(live.cas(), true, false, doc("{}", "_t", "3")))
                        .status())
                .isEqualTo(Status.KEY_EEXISTS);

        MutationResult revived = bucket.write(key("k"), replace(dead.cas(), true, false, doc("{\"b\":2}", "_t", "3")));

        assertThat(revived.status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.getDeleted(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.get(key("k")).cas()).isEqualTo(revived.cas());
        assertThat(revived.seqno()).isGreaterThan(dead.seqno());
    }

    @Test
    void aCreateFailsOverALiveDocumentAndSucceedsOverATombstone() {
        DocumentWrite create = new DocumentWrite(true, 0, false, false, bytes("{}"), Datatype.JSON, 7, 0, false, null);
        storeWithXattrs("k", doc("{}", "_t", "1"));

        assertThat(bucket.write(key("k"), create).status()).isEqualTo(Status.KEY_EEXISTS);
        bucket.delete(key("k"), 0);
        MutationResult created = bucket.write(key("k"), create);

        assertThat(created.status()).isEqualTo(Status.SUCCESS);
        assertThat(bucket.get(key("k")).item().flags()).isEqualTo(7);
        assertThat(bucket.getDeleted(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void theFinisherSeesTheCasAndSeqnoTheRevisionGets() {
        AtomicLong seenCas = new AtomicLong();
        AtomicLong seenSeqno = new AtomicLong();
        DocumentWrite w = new DocumentWrite(
                true, 0, false, false, bytes("{}"), Datatype.JSON, 0, 0, false, (value, cas, seqno) -> {
                    seenCas.set(cas);
                    seenSeqno.set(seqno);
                    return bytes("{\"cas\":" + cas + "}");
                });

        MutationResult r = bucket.write(key("k"), w);

        assertThat(seenCas.get()).isEqualTo(r.cas());
        assertThat(seenSeqno.get()).isEqualTo(r.seqno());
        assertThat(text(bucket.get(key("k")).item().value())).isEqualTo("{\"cas\":" + r.cas() + "}");
    }

    @Test
    void aWriteOverTheValueLimitIsE2bigAndChangesNothing() {
        MutationResult live = storeWithXattrs("k", doc("{}", "_t", "1"));
        byte[] big = new byte[bucket.config().maxValueBytes() + 1];

        MutationResult w = bucket.write(key("k"), replace(live.cas(), false, false, big));

        assertThat(w.status()).isEqualTo(Status.E2BIG);
        assertThat(bucket.get(key("k")).cas()).isEqualTo(live.cas());
    }

    @Test
    void flushRemovesTombstonesAndTheirCharge() {
        storeWithXattrs("k", doc("{}", "_t", "1"));
        bucket.delete(key("k"), 0);

        bucket.flush();

        assertThat(bucket.getDeleted(key("k")).status()).isEqualTo(Status.KEY_ENOENT);
        assertThat(bucket.stats().memUsedBytes()).isZero();
    }
}
