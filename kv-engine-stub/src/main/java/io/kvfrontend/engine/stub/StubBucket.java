package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.ArithmeticResult;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.BucketStats;
import io.kvfrontend.engine.spi.CollectionsManifest;
import io.kvfrontend.engine.spi.CompressionMode;
import io.kvfrontend.engine.spi.Cookie;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.DocumentWrite;
import io.kvfrontend.engine.spi.EngineResult;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.MetaResult;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.RangeScanSpec;
import io.kvfrontend.engine.spi.RangeScanStats;
import io.kvfrontend.engine.spi.SnappyCodec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import io.kvfrontend.engine.spi.Xattrs;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.search.Search;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory bucket: {@code numVBuckets} {@link VBucket}s, CAS, expiry, GetLocked locks and a
 * memory quota, with the command semantics of mcbp-protocol.md 4.2.
 *
 * <p><b>Thread-safe and non-blocking.</b> Reads go to the vBucket's skip list without a lock.
 * Every mutation runs under its vBucket's lock (see {@link VBucket}): it reads the current revision,
 * checks existence, lock and CAS, charges the quota, then stamps a fresh CAS and seqno and installs
 * a new immutable {@link StoredValue}. Nothing under the lock does I/O or waits on another thread,
 * and no thread ever holds two vBucket locks at once, so there is no lock ordering to get wrong.
 *
 * <p>Decisions this engine makes where the protocol leaves room:
 * <ul>
 *   <li>Sequence numbers: every new revision takes one (Set/Add/Replace, Delete, Incr/Decr,
 *       Append/Prepend, Touch, GetAndTouch), and so does every removal of an expired document (it is
 *       a deletion). GetLocked and UnlockKey do not: they change the CAS (GetLocked) but not the
 *       document, as in kv_engine. Flush removes everything without stamping seqnos and never resets
 *       them, so earlier mutation tokens stay comparable.</li>
 *   <li>GetLocked gives the document a new CAS, which is the lock CAS. UnlockKey and lock expiry
 *       leave that CAS on the document, as kv_engine does. Readers without the lock see
 *       {@link GetResult#LOCKED_CAS} both in the result and in the item, so the lock CAS cannot leak.</li>
 *   <li>Tombstones only where kv_engine needs them: Delete and expiry remove a document outright,
 *       unless it has system xattrs ({@code _} keys), which stay in a tombstone with an empty body
 *       ({@link #getDeleted}, GetMeta with the deleted flag, sub-document AccessDeleted). Otherwise
 *       GetMeta after a delete answers KEY_ENOENT. The vBucket's high seqno records every deletion.
 *       Tombstones do not expire; a live revision, a flush or a dropped collection removes them.</li>
 *   <li>Set and Replace keep the xattrs of the document they overwrite (kv_engine preserves them).</li>
 *   <li>Expired documents stay counted as items until an access or the pager removes them.</li>
 *   <li>Arrays handed to {@link #store} and {@link #concat} are kept, not copied, like the key array of
 *       a {@link DocKey}: callers hand over a fresh array and never write into it afterwards.</li>
 *   <li>Add ignores its CAS (the front end rejects a non-zero one, mcbp-protocol.md 3.2).</li>
 *   <li>Once the bucket is deleted from its engine every operation answers {@link Status#NO_BUCKET}.</li>
 * </ul>
 */
public final class StubBucket implements Bucket {
    private static final Logger LOG = LoggerFactory.getLogger(StubBucket.class);
    private static final int MAX_COUNTER_DIGITS = 20; // 2^64 - 1 = 18446744073709551615

    // Replaced whole by update(); every reader takes one snapshot per operation.
    private volatile BucketConfig config;
    private final Clock clock;
    private final int defaultLockSeconds;
    private final int maxLockSeconds;
    private final VBucket[] vbuckets;
    private final MemoryQuota quota;
    private final CasClock casClock;
    private final LongAdder expiredByPager = new LongAdder();
    private final LongAdder expiredOnAccess = new LongAdder();
    private final LongAdder quotaRejections = new LongAdder();
    // Replaced whole (under manifestLock) when scopes or collections change; read without a lock.
    private volatile CollectionsManifest manifest;
    private volatile Set<Integer> collectionIds;
    private final Object manifestLock = new Object();
    private int nextScopeId;
    private int nextCollectionId;
    /** Range scans run here; {@code null} for a bucket built without an executor (no scans). */
    private final ScheduledExecutorService scanExecutor;

    private final RangeScanRegistry scans;
    private volatile boolean deleted;

    /** A bucket without range scans (they answer NOT_SUPPORTED), for tests of the rest. */
    StubBucket(BucketConfig config, StubEngineSettings settings) {
        this(config, settings, null);
    }

    /**
     * @param executor the engine's background executor: range-scan creates and continues run there,
     *                 and the scan registry expires scans on it
     */
    StubBucket(BucketConfig config, StubEngineSettings settings, ScheduledExecutorService executor) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = settings.clock();
        this.defaultLockSeconds = settings.defaultLockSeconds();
        this.maxLockSeconds = settings.maxLockSeconds();
        this.quota = new MemoryQuota(config.quotaBytes());
        this.casClock = new CasClock(clock);
        this.manifest = CollectionsManifest.of(config.scopes());
        this.collectionIds = idsOf(manifest);
        this.nextScopeId = Math.max(CollectionsManifest.FIRST_USER_ID, manifest.highestId() + 1);
        this.nextCollectionId = nextScopeId;
        this.vbuckets = new VBucket[config.numVBuckets()];
        for (int i = 0; i < vbuckets.length; i++) {
            vbuckets[i] = new VBucket(i);
        }
        this.scanExecutor = executor;
        this.scans = executor == null ? null : new RangeScanRegistry(settings.rangeScans(), executor);
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public BucketConfig config() {
        return config;
    }

    /** The engine clock this bucket judges expiry and locks by. */
    public Clock clock() {
        return clock;
    }

    /** The vBucket with this id. */
    public VBucket vbucket(int vbucket) {
        if (vbucket < 0 || vbucket >= vbuckets.length) {
            throw new IllegalArgumentException(
                    "vBucket " + vbucket + " out of range 0.." + (vbuckets.length - 1) + " of bucket " + config.name());
        }
        return vbuckets[vbucket];
    }

    /** {@code ((crc32(key) >>> 16) & 0x7fff) & (numVBuckets - 1)}, the SDK's "CRC" hash (mcbp-protocol.md 3.3). */
    @Override
    public int vbucketOf(byte[] logicalKey) {
        CRC32 crc = new CRC32();
        crc.update(logicalKey);
        return (int) ((crc.getValue() >>> 16) & 0x7fff) & (vbuckets.length - 1);
    }

    /** Whether a collection exists: the one place that knows (the bucket's manifest). */
    boolean collectionExists(int collectionId) {
        return collectionId == DocKey.DEFAULT_COLLECTION || collectionIds.contains(collectionId);
    }

    @Override
    public CollectionsManifest collections() {
        return manifest;
    }

    private static Set<Integer> idsOf(CollectionsManifest m) {
        return m.scopes().stream()
                .flatMap(sc -> sc.collections().stream())
                .map(CollectionsManifest.Collection::id)
                .collect(Collectors.toUnmodifiableSet());
    }

    private void install(List<CollectionsManifest.Scope> scopes) {
        CollectionsManifest next = new CollectionsManifest(manifest.uid() + 1, scopes);
        collectionIds = idsOf(next);
        manifest = next;
    }

    @Override
    public synchronized Status update(BucketConfig next) {
        BucketConfig current = config;
        if (!next.name().equals(current.name()) || next.numVBuckets() != current.numVBuckets()) {
            return Status.EINVAL;
        }
        quota.quota(next.quotaBytes());
        config = next.withScopes(current.scopes());
        LOG.info("bucket {} settings changed: {}", current.name(), config);
        return Status.SUCCESS;
    }

    @Override
    public Status createScope(String scope) {
        if (!CollectionsManifest.isValidName(scope)) {
            return Status.EINVAL;
        }
        synchronized (manifestLock) {
            if (manifest.scope(scope) != null) {
                return Status.KEY_EEXISTS;
            }
            List<CollectionsManifest.Scope> scopes = new ArrayList<>(manifest.scopes());
            scopes.add(new CollectionsManifest.Scope(scope, nextScopeId++, List.of()));
            install(scopes);
        }
        LOG.info("bucket {}: scope {} created", config.name(), scope);
        return Status.SUCCESS;
    }

    @Override
    public Status dropScope(String scope) {
        if (CollectionsManifest.DEFAULT.equals(scope)) {
            return Status.EINVAL;
        }
        CollectionsManifest.Scope gone;
        synchronized (manifestLock) {
            gone = manifest.scope(scope);
            if (gone == null) {
                return Status.UNKNOWN_SCOPE;
            }
            List<CollectionsManifest.Scope> scopes = new ArrayList<>(manifest.scopes());
            scopes.remove(gone);
            install(scopes);
        }
        long removed = 0;
        for (CollectionsManifest.Collection c : gone.collections()) {
            removed += purge(c.id());
        }
        LOG.info("bucket {}: scope {} dropped, {} documents removed", config.name(), scope, removed);
        return Status.SUCCESS;
    }

    @Override
    public Status createCollection(String scope, String collection) {
        if (!CollectionsManifest.isValidName(collection)) {
            return Status.EINVAL;
        }
        synchronized (manifestLock) {
            CollectionsManifest.Scope s = manifest.scope(scope);
            if (s == null) {
                return Status.UNKNOWN_SCOPE;
            }
            if (manifest.collection(scope, collection) != null) {
                return Status.KEY_EEXISTS;
            }
            List<CollectionsManifest.Collection> cols = new ArrayList<>(s.collections());
            cols.add(new CollectionsManifest.Collection(collection, nextCollectionId++));
            List<CollectionsManifest.Scope> scopes = new ArrayList<>(manifest.scopes());
            scopes.set(scopes.indexOf(s), new CollectionsManifest.Scope(s.name(), s.id(), cols));
            install(scopes);
        }
        LOG.info("bucket {}: collection {}.{} created", config.name(), scope, collection);
        return Status.SUCCESS;
    }

    @Override
    public Status dropCollection(String scope, String collection) {
        if (CollectionsManifest.DEFAULT.equals(scope) && CollectionsManifest.DEFAULT.equals(collection)) {
            return Status.EINVAL;
        }
        CollectionsManifest.Collection gone;
        synchronized (manifestLock) {
            CollectionsManifest.Scope s = manifest.scope(scope);
            if (s == null) {
                return Status.UNKNOWN_SCOPE;
            }
            gone = manifest.collection(scope, collection);
            if (gone == null) {
                return Status.UNKNOWN_COLLECTION;
            }
            List<CollectionsManifest.Collection> cols = new ArrayList<>(s.collections());
            cols.remove(gone);
            List<CollectionsManifest.Scope> scopes = new ArrayList<>(manifest.scopes());
            scopes.set(scopes.indexOf(s), new CollectionsManifest.Scope(s.name(), s.id(), cols));
            install(scopes);
        }
        long removed = purge(gone.id());
        LOG.info(
                "bucket {}: collection {}.{} dropped, {} documents removed", config.name(), scope, collection, removed);
        return Status.SUCCESS;
    }

    /**
     * Removes the documents of a collection that no longer exists (its id is never reused, and
     * {@link #admit} already refuses it), returning their memory to the quota.
     */
    private long purge(int collectionId) {
        long removed = 0;
        for (VBucket vb : vbuckets) {
            vb.lock();
            try {
                List<Map.Entry<DocKey, StoredValue>> docs =
                        new ArrayList<>(vb.collectionView(collectionId).entrySet());
                for (Map.Entry<DocKey, StoredValue> e : docs) {
                    removeLocked(vb, e.getKey(), e.getValue());
                    removed++;
                }
                for (Map.Entry<DocKey, StoredValue> e : vb.tombstonesOf(collectionId)) {
                    dropTombstoneLocked(vb, e.getKey());
                }
            } finally {
                vb.unlock();
            }
        }
        return removed;
    }

    /** {@code null} if the key may be served, else why not. */
    private Status admit(DocKey key) {
        if (deleted) {
            return Status.NO_BUCKET;
        }
        if (!collectionExists(key.collectionId())) {
            return Status.UNKNOWN_COLLECTION;
        }
        return null;
    }

    private VBucket vbucketFor(DocKey key) {
        return vbuckets[vbucketOf(key.key())];
    }

    // ---------------------------------------------------------------- reads

    @Override
    public GetResult get(DocKey key) {
        Status refused = admit(key);
        if (refused != null) {
            return GetResult.failure(refused);
        }
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        StoredValue sv = readLive(vb, key, seconds(nowMillis));
        if (sv == null) {
            return GetResult.failure(Status.KEY_ENOENT);
        }
        long shownCas = sv.isLocked(nowMillis) ? GetResult.LOCKED_CAS : sv.cas();
        return new GetResult(Status.SUCCESS, sv.toItem(key, vb.id(), shownCas), shownCas);
    }

    @Override
    public GetResult getDeleted(DocKey key) {
        Status refused = admit(key);
        if (refused != null) {
            return GetResult.failure(refused);
        }
        VBucket vb = vbucketFor(key);
        StoredValue t = vb.tombstone(key);
        if (t == null || readLive(vb, key, seconds(clock.millis())) != null) {
            return GetResult.failure(Status.KEY_ENOENT);
        }
        return new GetResult(Status.SUCCESS, t.toItem(key, vb.id(), t.cas()), t.cas());
    }

    @Override
    public MetaResult getMeta(DocKey key) {
        Status refused = admit(key);
        if (refused != null) {
            return MetaResult.failure(refused);
        }
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        StoredValue sv = readLive(vb, key, seconds(nowMillis));
        if (sv == null) {
            StoredValue t = vb.tombstone(key);
            return t == null
                    ? MetaResult.failure(Status.KEY_ENOENT)
                    : new MetaResult(Status.SUCCESS, true, t.flags(), t.expiry(), t.seqno(), t.datatype(), t.cas());
        }
        long shownCas = sv.isLocked(nowMillis) ? GetResult.LOCKED_CAS : sv.cas();
        return new MetaResult(Status.SUCCESS, false, sv.flags(), sv.expiry(), sv.seqno(), sv.datatype(), shownCas);
    }

    // ---------------------------------------------------------------- mutations

    @Override
    public MutationResult store(
            StoreMode mode,
            DocKey key,
            byte[] value,
            int flags,
            long expiry,
            long cas,
            int datatype,
            boolean preserveTtl) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(value, "value");
        // The stored form, chosen before the lock (inflating or compressing is CPU work); a bad
        // value is refused after the key's own checks, as before.
        Status badValue = null;
        if ((datatype & Datatype.SNAPPY) != 0) {
            int inflated = SnappyCodec.inflatedLength(value);
            if (inflated < 0) {
                badValue = Status.EINVAL;
            } else if (inflated > config.maxValueBytes()) {
                badValue = Status.E2BIG;
            } else if (config.compression() == CompressionMode.OFF) {
                try {
                    value = SnappyCodec.inflate(value, config.maxValueBytes());
                    datatype &= ~Datatype.SNAPPY;
                } catch (IllegalArgumentException e) {
                    badValue = Status.EINVAL;
                }
            }
        } else if (value.length > config.maxValueBytes()) {
            badValue = Status.E2BIG;
        } else if (config.compression() == CompressionMode.ACTIVE) {
            byte[] compressed = SnappyCodec.compressIfWorthwhile(value);
            if (compressed != null) {
                value = compressed;
                datatype |= Datatype.SNAPPY;
            }
        }
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        long nowSeconds = seconds(nowMillis);
        vb.lock();
        try {
            Status refused = admit(key);
            if (refused != null) {
                return MutationResult.failure(refused);
            }
            if (badValue != null) {
                return MutationResult.failure(badValue);
            }
            StoredValue current = liveLocked(vb, key, nowSeconds);
            if (current == null) {
                if (mode == StoreMode.REPLACE || (mode == StoreMode.SET && cas != 0)) {
                    return MutationResult.failure(Status.KEY_ENOENT);
                }
            } else {
                if (mode == StoreMode.ADD) {
                    return MutationResult.failure(Status.KEY_EEXISTS);
                }
                Status conflict = checkLockAndCas(current, cas, nowMillis);
                if (conflict != null) {
                    return MutationResult.failure(conflict);
                }
            }
            long absoluteExpiry =
                    preserveTtl && current != null ? current.expiry() : Expiry.toAbsoluteSeconds(expiry, nowSeconds);
            if (current != null && (current.datatype() & Datatype.XATTR) != 0 && (datatype & Datatype.XATTR) == 0) {
                // The new body goes behind the document's xattrs, which a full-body write keeps.
                byte[] body =
                        (datatype & Datatype.SNAPPY) != 0 ? SnappyCodec.inflate(value, config.maxValueBytes()) : value;
                value = Xattrs.withBody(plainValue(current), current.datatype(), body);
                datatype = (datatype & ~Datatype.SNAPPY) | Datatype.XATTR;
            }
            if (!chargeLocked(key, current, value)) {
                return MutationResult.failure(Status.ETMPFAIL);
            }
            return installLocked(vb, key, value, flags, absoluteExpiry, datatype);
        } finally {
            vb.unlock();
        }
    }

    @Override
    public MutationResult delete(DocKey key, long cas) {
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        vb.lock();
        try {
            Status refused = admit(key);
            if (refused != null) {
                return MutationResult.failure(refused);
            }
            StoredValue current = liveLocked(vb, key, seconds(nowMillis));
            if (current == null) {
                return MutationResult.failure(Status.KEY_ENOENT);
            }
            Status conflict = checkLockAndCas(current, cas, nowMillis);
            if (conflict != null) {
                return MutationResult.failure(conflict);
            }
            return deleteLocked(vb, key, current);
        } finally {
            vb.unlock();
        }
    }

    @Override
    public MutationResult write(DocKey key, DocumentWrite w) {
        Objects.requireNonNull(w, "write");
        if (w.value().length > config.maxValueBytes()) {
            return MutationResult.failure(Status.E2BIG);
        }
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        long nowSeconds = seconds(nowMillis);
        vb.lock();
        try {
            Status refused = admit(key);
            if (refused != null) {
                return MutationResult.failure(refused);
            }
            StoredValue live = liveLocked(vb, key, nowSeconds);
            StoredValue tombstone = vb.tombstone(key);
            StoredValue current;
            if (w.create()) {
                if (live != null) {
                    return MutationResult.failure(Status.KEY_EEXISTS);
                }
                current = tombstone;
            } else if (w.fromDeleted()) {
                if (live != null) {
                    return MutationResult.failure(Status.KEY_EEXISTS); // revived since it was read
                }
                if (tombstone == null) {
                    return MutationResult.failure(Status.KEY_ENOENT);
                }
                if (w.cas() != tombstone.cas()) {
                    return MutationResult.failure(Status.KEY_EEXISTS);
                }
                current = tombstone;
            } else {
                if (live == null) {
                    return MutationResult.failure(Status.KEY_ENOENT);
                }
                Status conflict = checkLockAndCas(live, w.cas(), nowMillis);
                if (conflict != null) {
                    return MutationResult.failure(conflict);
                }
                current = live;
            }
            long absoluteExpiry = w.deleted()
                    ? 0
                    : w.preserveTtl() && live != null
                            ? live.expiry()
                            : Expiry.toAbsoluteSeconds(w.expiry(), nowSeconds);
            long cas = casClock.next();
            long seqno = vb.highSeqno() + 1; // stamped below, once the value fits
            byte[] value = w.finisher() == null ? w.value() : w.finisher().finish(w.value(), cas, seqno);
            if (value.length > config.maxValueBytes()) {
                return MutationResult.failure(Status.E2BIG);
            }
            if (!chargeLocked(key, current, value)) {
                return MutationResult.failure(Status.ETMPFAIL);
            }
            if (current == live && live != null) {
                vb.removeLocked(key);
            } else if (current != null) {
                vb.removeTombstoneLocked(key);
            }
            long stamped = vb.nextSeqnoLocked();
            assert stamped == seqno;
            StoredValue next = new StoredValue(value, w.flags(), absoluteExpiry, cas, seqno, w.datatype(), 0);
            if (w.deleted()) {
                vb.putTombstoneLocked(key, next);
            } else {
                vb.putLocked(key, next);
            }
            return new MutationResult(Status.SUCCESS, cas, vb.id(), vb.uuid(), seqno);
        } finally {
            vb.unlock();
        }
    }

    @Override
    public ArithmeticResult arithmetic(DocKey key, boolean increment, long delta, long initial, long expiry) {
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        long nowSeconds = seconds(nowMillis);
        vb.lock();
        try {
            Status refused = admit(key);
            if (refused != null) {
                return ArithmeticResult.failure(refused);
            }
            StoredValue current = liveLocked(vb, key, nowSeconds);
            long result;
            int flags;
            long absoluteExpiry;
            if (current == null) {
                if (Expiry.unsigned(expiry) == Expiry.NO_CREATE) {
                    return ArithmeticResult.failure(Status.KEY_ENOENT);
                }
                // A missing counter is created holding `initial`; the delta is not applied (memcached).
                result = initial;
                flags = 0;
                absoluteExpiry = Expiry.toAbsoluteSeconds(expiry, nowSeconds);
            } else {
                if (current.isLocked(nowMillis)) {
                    return ArithmeticResult.failure(Status.LOCKED);
                }
                Long counter = parseCounter(Xattrs.body(plainValue(current), current.datatype()));
                if (counter == null) {
                    return ArithmeticResult.failure(Status.DELTA_BADVAL);
                }
                long old = counter;
                if (increment) {
                    result = old + delta; // two's complement addition is addition modulo 2^64
                } else {
                    result = Long.compareUnsigned(old, delta) < 0 ? 0 : old - delta;
                }
                // The counter's own expiry and flags stay; the request expiry only applies on creation.
                flags = current.flags();
                absoluteExpiry = current.expiry();
            }
            byte[] text = Long.toUnsignedString(result).getBytes(StandardCharsets.US_ASCII);
            if (text.length > config.maxValueBytes()) {
                return ArithmeticResult.failure(Status.E2BIG);
            }
            int datatype = Datatype.JSON;
            if (current != null && (current.datatype() & Datatype.XATTR) != 0) {
                text = Xattrs.withBody(plainValue(current), current.datatype(), text); // xattrs stay
                datatype |= Datatype.XATTR;
            }
            if (!chargeLocked(key, current, text)) {
                return ArithmeticResult.failure(Status.ETMPFAIL);
            }
            return new ArithmeticResult(installLocked(vb, key, text, flags, absoluteExpiry, datatype), result);
        } finally {
            vb.unlock();
        }
    }

    @Override
    public MutationResult concat(DocKey key, boolean append, byte[] value, long cas) {
        Objects.requireNonNull(value, "value");
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        vb.lock();
        try {
            Status refused = admit(key);
            if (refused != null) {
                return MutationResult.failure(refused);
            }
            StoredValue current = liveLocked(vb, key, seconds(nowMillis));
            if (current == null) {
                return MutationResult.failure(Status.NOT_STORED);
            }
            Status conflict = checkLockAndCas(current, cas, nowMillis);
            if (conflict != null) {
                return MutationResult.failure(conflict);
            }
            byte[] whole = plainValue(current);
            byte[] old = Xattrs.body(whole, current.datatype());
            if ((long) whole.length + value.length > config.maxValueBytes()) {
                return MutationResult.failure(Status.E2BIG);
            }
            byte[] joined = new byte[old.length + value.length];
            byte[] head = append ? old : value;
            byte[] tail = append ? value : old;
            System.arraycopy(head, 0, joined, 0, head.length);
            System.arraycopy(tail, 0, joined, head.length, tail.length);
            // Bytes glued to a JSON document are in general no longer JSON; other bits stay as stored.
            int datatype = current.datatype() & ~(Datatype.JSON | Datatype.SNAPPY);
            joined = Xattrs.withBody(whole, current.datatype(), joined); // the xattrs stay in front
            if (config.compression() == CompressionMode.ACTIVE) {
                byte[] compressed = SnappyCodec.compressIfWorthwhile(joined);
                if (compressed != null) {
                    joined = compressed;
                    datatype |= Datatype.SNAPPY;
                }
            }
            if (!chargeLocked(key, current, joined)) {
                return MutationResult.failure(Status.ETMPFAIL);
            }
            return installLocked(vb, key, joined, current.flags(), current.expiry(), datatype);
        } finally {
            vb.unlock();
        }
    }

    @Override
    public MutationResult touch(DocKey key, long expiry) {
        Touched t = touchDocument(key, expiry);
        return t.status() != Status.SUCCESS
                ? MutationResult.failure(t.status())
                : new MutationResult(
                        Status.SUCCESS,
                        t.value().cas(),
                        t.vbucket().id(),
                        t.vbucket().uuid(),
                        t.value().seqno());
    }

    @Override
    public GetResult getAndTouch(DocKey key, long expiry) {
        Touched t = touchDocument(key, expiry);
        return t.status() != Status.SUCCESS
                ? GetResult.failure(t.status())
                : new GetResult(
                        Status.SUCCESS,
                        t.value().toItem(key, t.vbucket().id(), t.value().cas()),
                        t.value().cas());
    }

    /** The outcome of Touch and GetAndTouch: a failure status, or the new revision. */
    private record Touched(Status status, VBucket vbucket, StoredValue value) {
        static Touched failure(Status status) {
            return new Touched(status, null, null);
        }
    }

    /** Sets a new expiry on a live, unlocked document (Touch and GetAndTouch share it). */
    private Touched touchDocument(DocKey key, long expiry) {
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        vb.lock();
        try {
            Status refused = admit(key);
            if (refused != null) {
                return Touched.failure(refused);
            }
            StoredValue current = liveLocked(vb, key, seconds(nowMillis));
            if (current == null) {
                return Touched.failure(Status.KEY_ENOENT);
            }
            if (current.isLocked(nowMillis)) {
                return Touched.failure(Status.LOCKED);
            }
            return new Touched(Status.SUCCESS, vb, touchLocked(vb, key, current, expiry, seconds(nowMillis)));
        } finally {
            vb.unlock();
        }
    }

    @Override
    public GetResult getLocked(DocKey key, int lockSeconds) {
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        vb.lock();
        try {
            Status refused = admit(key);
            if (refused != null) {
                return GetResult.failure(refused);
            }
            StoredValue current = liveLocked(vb, key, seconds(nowMillis));
            if (current == null) {
                return GetResult.failure(Status.KEY_ENOENT);
            }
            if (current.isLocked(nowMillis)) {
                return GetResult.failure(Status.LOCKED);
            }
            int seconds = lockSeconds <= 0 || lockSeconds > maxLockSeconds ? defaultLockSeconds : lockSeconds;
            long lockCas = casClock.next();
            StoredValue locked = current.withLock(lockCas, nowMillis + seconds * 1000L);
            vb.putLocked(key, locked); // same revision, same seqno: locking is not a mutation
            return new GetResult(Status.SUCCESS, locked.toItem(key, vb.id(), lockCas), lockCas);
        } finally {
            vb.unlock();
        }
    }

    @Override
    public MutationResult unlock(DocKey key, long cas) {
        VBucket vb = vbucketFor(key);
        long nowMillis = clock.millis();
        vb.lock();
        try {
            Status refused = admit(key);
            if (refused != null) {
                return MutationResult.failure(refused);
            }
            StoredValue current = liveLocked(vb, key, seconds(nowMillis));
            if (current == null) {
                return MutationResult.failure(Status.KEY_ENOENT);
            }
            if (!current.isLocked(nowMillis)) {
                return MutationResult.failure(Status.NOT_LOCKED);
            }
            if (cas != current.cas()) {
                return MutationResult.failure(Status.LOCKED);
            }
            vb.putLocked(key, current.withoutLock());
            return new MutationResult(Status.SUCCESS, current.cas(), vb.id(), vb.uuid(), current.seqno());
        } finally {
            vb.unlock();
        }
    }

    @Override
    public Status flush() {
        if (deleted) {
            return Status.NO_BUCKET;
        }
        if (!config.flushEnabled()) {
            return Status.NOT_SUPPORTED;
        }
        long removed = clearAll();
        LOG.info("Flushed bucket {}: {} items removed", config.name(), removed);
        return Status.SUCCESS;
    }

    // ---------------------------------------------------------------- vBucket facts, stats

    @Override
    public long vbucketUuid(int vbucket) {
        return vbucket(vbucket).uuid();
    }

    @Override
    public long highSeqno(int vbucket) {
        return vbucket(vbucket).highSeqno();
    }

    @Override
    public BucketStats stats() {
        long items = 0;
        for (VBucket vb : vbuckets) {
            items += vb.itemCount();
        }
        return new BucketStats(
                items,
                quota.used(),
                quota.quota(),
                vbuckets.length,
                expiredByPager.sum(),
                expiredOnAccess.sum(),
                quotaRejections.sum());
    }

    // ---------------------------------------------------------------- expiry pager, deletion

    /**
     * One expiry pager pass: removes every document expired by now. Each removal takes the vBucket
     * lock and checks expiry again under it, so a document rewritten meanwhile survives. Stops early
     * when the calling thread is interrupted (engine shutdown).
     *
     * @return documents removed
     */
    long runExpiryPager() {
        long nowSeconds = seconds(clock.millis());
        long removed = 0;
        for (VBucket vb : vbuckets) {
            if (deleted || Thread.currentThread().isInterrupted()) {
                break;
            }
            for (Map.Entry<DocKey, StoredValue> e : vb.entries()) {
                if (!e.getValue().isExpired(nowSeconds)) {
                    continue;
                }
                vb.lock();
                try {
                    StoredValue now = vb.peek(e.getKey());
                    if (now != null && now.isExpired(nowSeconds)) {
                        expireLocked(vb, e.getKey(), now);
                        expiredByPager.increment();
                        removed++;
                    }
                } finally {
                    vb.unlock();
                }
            }
        }
        return removed;
    }

    /**
     * Detaches this bucket from its engine: every later call answers NO_BUCKET and all documents are
     * dropped, so nothing the bucket held stays reachable through a connection that still refers to it.
     */
    void markDeleted() {
        deleted = true;
        if (scans != null) {
            scans.cancelAll();
        }
        long removed = clearAll();
        LOG.debug("Bucket {} deleted: {} items dropped", config.name(), removed);
    }

    /** Removes everything, vBucket by vBucket under each lock, and releases the quota it was charged. */
    private long clearAll() {
        long removed = 0;
        for (VBucket vb : vbuckets) {
            vb.lock();
            try {
                removed += vb.itemCount();
                quota.release(vb.clearLocked());
            } finally {
                vb.unlock();
            }
        }
        return removed;
    }

    boolean isDeleted() {
        return deleted;
    }

    // ---------------------------------------------------------------- range scans

    /**
     * Range-scan create (see {@link Bucket#rangeScanCreate}): everything, including the vBucket and
     * collection checks, runs in a {@link RangeScanCreateTask} on the background executor.
     */
    @Override
    public EngineResult<byte[]> rangeScanCreate(Cookie cookie, int vbucket, RangeScanSpec spec) {
        if (scans == null) {
            return EngineResult.failure(Status.NOT_SUPPORTED);
        }
        if (cookie.engineStorage() instanceof RangeScanCreateTask.Created created) {
            return EngineResult.of(Status.SUCCESS, created.scanId());
        }
        if (deleted) {
            return EngineResult.failure(Status.NO_BUCKET);
        }
        Objects.requireNonNull(spec, "spec");
        try {
            scanExecutor.execute(new RangeScanCreateTask(this, scans, scanExecutor, cookie, vbucket, spec));
        } catch (RejectedExecutionException e) {
            return EngineResult.failure(Status.ETMPFAIL); // the engine is closing
        }
        return EngineResult.blocked();
    }

    /**
     * Range-scan continue (see {@link Bucket#rangeScanContinue}): validated here, on the caller's
     * thread (unknown or expired id: KEY_ENOENT; another vBucket: NOT_MY_VBUCKET; a continue already
     * running: EBUSY), then run by a {@link RangeScanContinueTask}. Limits are unsigned 32-bit.
     */
    @Override
    public EngineResult<Integer> rangeScanContinue(
            Cookie cookie, int vbucket, byte[] scanId, int itemLimit, int timeLimitMs, int byteLimit) {
        if (scans == null) {
            return EngineResult.failure(Status.NOT_SUPPORTED);
        }
        if (cookie.engineStorage() instanceof RangeScanContinueTask.Outcome outcome) {
            return EngineResult.of(outcome.status(), outcome.flags());
        }
        if (deleted) {
            return EngineResult.failure(Status.NO_BUCKET);
        }
        RangeScan scan = scanId == null || scanId.length != 16 ? null : scans.find(RangeScan.fromBytes(scanId));
        if (scan == null) {
            return EngineResult.failure(Status.KEY_ENOENT);
        }
        if (scan.vbucketId() != vbucket) {
            return EngineResult.failure(Status.NOT_MY_VBUCKET);
        }
        RangeScanContinueTask task = new RangeScanContinueTask(
                scan,
                scans,
                scanExecutor,
                cookie,
                Integer.toUnsignedLong(itemLimit),
                Integer.toUnsignedLong(timeLimitMs),
                Integer.toUnsignedLong(byteLimit));
        if (!scan.tryStartContinue(task)) {
            return EngineResult.failure(scan.isCancelled() ? Status.KEY_ENOENT : Status.EBUSY);
        }
        scans.continueStarted(scan);
        try {
            task.start();
        } catch (RejectedExecutionException e) {
            scans.continueAborted();
            scans.cancel(scan);
            return EngineResult.failure(Status.ETMPFAIL);
        }
        return EngineResult.blocked();
    }

    /** Range-scan cancel, inline: SUCCESS, KEY_ENOENT (unknown id) or NOT_MY_VBUCKET. */
    @Override
    public Status rangeScanCancel(int vbucket, byte[] scanId) {
        if (scans == null) {
            return Status.NOT_SUPPORTED;
        }
        if (deleted) {
            return Status.NO_BUCKET;
        }
        RangeScan scan = scanId == null || scanId.length != 16 ? null : scans.find(RangeScan.fromBytes(scanId));
        if (scan == null) {
            return Status.KEY_ENOENT;
        }
        if (scan.vbucketId() != vbucket) {
            return Status.NOT_MY_VBUCKET;
        }
        scans.cancel(scan);
        return Status.SUCCESS;
    }

    /** Cancels the scans a closed connection created. */
    void connectionClosed(long connectionId) {
        if (scans != null) {
            scans.connectionClosed(connectionId);
        }
    }

    @Override
    public RangeScanStats rangeScanStats() {
        return scans == null ? null : scans.stats();
    }

    /**
     * The range-scan registry's Caffeine cache under Micrometer's {@code CaffeineCacheMetrics}
     * ({@code cache.*} with {@code cache=range_scans}), and the open/continuing gauges.
     */
    @Override
    public List<Meter> bindMeters(MeterRegistry registry) {
        if (scans == null) {
            return List.of();
        }
        List<Meter> meters = new ArrayList<>();
        CaffeineCacheMetrics.monitor(registry, scans.cache(), "range_scans", "bucket", name());
        meters.addAll(Search.in(registry)
                .tags("cache", "range_scans", "bucket", name())
                .meters());
        meters.add(
                Gauge.builder("kv.rangescan.open", this, x -> x.rangeScanStats().open())
                        .tag("bucket", name())
                        .description("range scans open (idle or continuing)")
                        .register(registry));
        meters.add(Gauge.builder(
                        "kv.rangescan.continuing", this, x -> x.rangeScanStats().continuing())
                .tag("bucket", name())
                .description("range scans with a continue running")
                .register(registry));
        return meters;
    }

    // ---------------------------------------------------------------- helpers

    private static long seconds(long millis) {
        return Math.floorDiv(millis, 1000L);
    }

    /**
     * The live revision for a read: lock-free unless the stored one has expired, in which case it is
     * removed under the lock (lazy expiry) and whatever is live then (usually nothing) is returned.
     */
    private StoredValue readLive(VBucket vb, DocKey key, long nowSeconds) {
        StoredValue sv = vb.peek(key);
        if (sv == null || !sv.isExpired(nowSeconds)) {
            return sv;
        }
        vb.lock();
        try {
            return liveLocked(vb, key, nowSeconds);
        } finally {
            vb.unlock();
        }
    }

    /** The live revision under the vBucket lock; an expired one is removed and reads as missing. */
    private StoredValue liveLocked(VBucket vb, DocKey key, long nowSeconds) {
        StoredValue sv = vb.peek(key);
        if (sv != null && sv.isExpired(nowSeconds)) {
            expireLocked(vb, key, sv);
            expiredOnAccess.increment();
            return null;
        }
        return sv;
    }

    /** Removes an expired document: a deletion like any other, so it takes a seqno. */
    private void expireLocked(VBucket vb, DocKey key, StoredValue expired) {
        deleteLocked(vb, key, expired);
    }

    /**
     * Deletes a live document. The deletion is a revision of its own (fresh CAS, fresh seqno); a
     * document with system xattrs leaves them in a tombstone, as kv_engine does.
     */
    private MutationResult deleteLocked(VBucket vb, DocKey key, StoredValue current) {
        removeLocked(vb, key, current);
        long deleteCas = casClock.next();
        long seqno = vb.nextSeqnoLocked();
        if ((current.datatype() & Datatype.XATTR) != 0) {
            Map<String, byte[]> kept = Xattrs.systemOnly(Xattrs.parse(plainValue(current), current.datatype()));
            if (!kept.isEmpty()) {
                byte[] section = Xattrs.encode(kept, new byte[0]);
                if (quota.tryCharge(MemoryQuota.chargeOf(key, section))) {
                    vb.putTombstoneLocked(
                            key, new StoredValue(section, current.flags(), 0, deleteCas, seqno, Datatype.XATTR, 0));
                } else {
                    quotaRejections.increment(); // no room: the attributes go with the document
                }
            }
        }
        return new MutationResult(Status.SUCCESS, deleteCas, vb.id(), vb.uuid(), seqno);
    }

    /** Drops the tombstone of {@code key}, if any, and its charge: a live revision replaces it. */
    private void dropTombstoneLocked(VBucket vb, DocKey key) {
        StoredValue t = vb.removeTombstoneLocked(key);
        if (t != null) {
            quota.release(MemoryQuota.chargeOf(key, t.value()));
        }
    }

    private void removeLocked(VBucket vb, DocKey key, StoredValue current) {
        vb.removeLocked(key);
        quota.release(MemoryQuota.chargeOf(key, current.value()));
    }

    /**
     * The lock and CAS rules shared by Set/Replace, Delete and Append/Prepend (mcbp-protocol.md 3.2,
     * 4.2): a live lock admits only its own CAS (the mutation then releases it); otherwise a non-zero
     * CAS must match.
     */
    private static Status checkLockAndCas(StoredValue current, long cas, long nowMillis) {
        if (current.isLocked(nowMillis)) {
            return cas == current.cas() ? null : Status.LOCKED;
        }
        if (cas != 0 && cas != current.cas()) {
            return Status.KEY_EEXISTS;
        }
        return null;
    }

    /** Charges the growth from {@code current} to {@code newValue}; false (and counted) over quota. */
    private boolean chargeLocked(DocKey key, StoredValue current, byte[] newValue) {
        long delta = MemoryQuota.chargeOf(key, newValue)
                - (current == null ? 0 : MemoryQuota.chargeOf(key, current.value()));
        if (quota.tryCharge(delta)) {
            return true;
        }
        quotaRejections.increment();
        return false;
    }

    /** Installs a new, unlocked revision with a fresh CAS and seqno. The quota is already charged. */
    private MutationResult installLocked(VBucket vb, DocKey key, byte[] value, int flags, long expiry, int datatype) {
        dropTombstoneLocked(vb, key);
        long cas = casClock.next();
        long seqno = vb.nextSeqnoLocked();
        vb.putLocked(key, new StoredValue(value, flags, expiry, cas, seqno, datatype, 0));
        return new MutationResult(Status.SUCCESS, cas, vb.id(), vb.uuid(), seqno);
    }

    private StoredValue touchLocked(VBucket vb, DocKey key, StoredValue current, long expiry, long nowSeconds) {
        StoredValue touched = new StoredValue(
                current.value(),
                current.flags(),
                Expiry.toAbsoluteSeconds(expiry, nowSeconds),
                casClock.next(),
                vb.nextSeqnoLocked(),
                current.datatype(),
                0);
        vb.putLocked(key, touched);
        return touched;
    }

    /**
     * The counter in a stored value: 1 to 20 ASCII digits of an unsigned 64-bit number, else
     * {@code null} (DELTA_BADVAL). Stricter than strtoull: no sign, no spaces, no trailing text.
     */
    /** A stored value as plain bytes: inflated if the bucket holds it compressed. */
    static byte[] plainValue(StoredValue sv) {
        return (sv.datatype() & Datatype.SNAPPY) == 0
                ? sv.value()
                : SnappyCodec.inflate(sv.value(), Integer.MAX_VALUE - 8);
    }

    static Long parseCounter(byte[] value) {
        if (value.length == 0 || value.length > MAX_COUNTER_DIGITS) {
            return null;
        }
        for (byte b : value) {
            if (b < '0' || b > '9') {
                return null;
            }
        }
        try {
            return Long.parseUnsignedLong(new String(value, StandardCharsets.US_ASCII));
        } catch (NumberFormatException aboveTwoToTheSixtyFour) {
            return null;
        }
    }
}
