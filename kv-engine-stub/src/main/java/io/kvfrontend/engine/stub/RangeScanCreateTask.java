package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.Cookie;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.RangeScanSpec;
import io.kvfrontend.engine.spi.Status;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RangeScanCreate on the engine's background executor (kv_engine's {@code RangeScanCreateTask}):
 * checks the vBucket, the collection and the snapshot requirements, makes sure the range holds at
 * least one key (or picks the sample), registers the scan under a random id, and notifies the
 * cookie: SUCCESS with a {@link Created} in the engine storage, or the failure status.
 *
 * <p>Waiting for a sequence number does not hold a thread: the task re-schedules itself every
 * {@link #SEQNO_POLL_MILLIS} ms until the seqno is reached or the timeout passes.
 *
 * <p><b>Thread-safe</b> by confinement: one run at a time, each scheduled by the previous one.
 */
final class RangeScanCreateTask implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RangeScanCreateTask.class);
    static final long SEQNO_POLL_MILLIS = 5;

    /** What a successful create leaves in the cookie for the front end's second call. */
    record Created(byte[] scanId) {}

    private final StubBucket bucket;
    private final RangeScanRegistry registry;
    private final ScheduledExecutorService executor;
    private final Cookie cookie;
    private final int vbucket;
    private final RangeScanSpec spec;
    private long deadlineNanos;

    RangeScanCreateTask(
            StubBucket bucket,
            RangeScanRegistry registry,
            ScheduledExecutorService executor,
            Cookie cookie,
            int vbucket,
            RangeScanSpec spec) {
        this.bucket = bucket;
        this.registry = registry;
        this.executor = executor;
        this.cookie = cookie;
        this.vbucket = vbucket;
        this.spec = spec;
    }

    @Override
    public void run() {
        Status outcome;
        try {
            outcome = create();
        } catch (RuntimeException e) {
            LOG.warn("range scan create on {} vb {} failed", bucket.name(), vbucket, e);
            outcome = Status.EINTERNAL;
        }
        if (outcome != null) {
            cookie.notifyIoComplete(outcome);
        }
    }

    /** The status to notify, or {@code null} if the task re-scheduled itself to wait for a seqno. */
    private Status create() {
        if (bucket.isDeleted()) {
            return Status.NO_BUCKET;
        }
        if (vbucket < 0 || vbucket >= bucket.config().numVBuckets()) {
            return Status.NOT_MY_VBUCKET;
        }
        if (!bucket.collectionExists(spec.collectionId())) {
            return Status.UNKNOWN_COLLECTION;
        }
        VBucket vb = bucket.vbucket(vbucket);
        RangeScanSpec.SnapshotRequirements snap = spec.snapshot();
        if (snap != null) {
            if (snap.vbUuid() != vb.uuid()) {
                return Status.VB_UUID_NOT_EQUAL;
            }
            if (Long.compareUnsigned(vb.highSeqno(), snap.seqno()) < 0) {
                return waitForSeqno(snap);
            }
            // A mutation stamps its seqno before it installs the document, both under the vBucket
            // lock: passing through the lock once makes every mutation up to the seqno visible.
            vb.lock();
            vb.unlock();
            if (snap.seqnoExists() && !hasSeqno(vb, snap.seqno())) {
                return Status.NOT_STORED;
            }
        }
        long nowSeconds = Math.floorDiv(bucket.clock().millis(), 1000L);
        UUID id = UUID.randomUUID();
        RangeScan scan;
        if (spec.isSampling()) {
            List<DocKey> sample = sample(vb, nowSeconds);
            if (sample.isEmpty()) {
                return Status.KEY_ENOENT;
            }
            scan = RangeScan.sampling(
                    id,
                    bucket,
                    vb,
                    spec.collectionId(),
                    spec.keyOnly(),
                    spec.snappyValues(),
                    cookie.connectionId(),
                    spec.name(),
                    sample);
        } else {
            scan = RangeScan.range(
                    id,
                    bucket,
                    vb,
                    spec.collectionId(),
                    spec.keyOnly(),
                    spec.snappyValues(),
                    cookie.connectionId(),
                    spec.name(),
                    spec.start(),
                    spec.startInclusive(),
                    spec.end(),
                    spec.endInclusive());
            if (!scan.remaining(nowSeconds).hasNext()) {
                return Status.KEY_ENOENT;
            }
        }
        Status registered = registry.register(scan);
        if (registered != Status.SUCCESS) {
            return registered;
        }
        if (cookie.output().isClosed()) {
            // The connection closed while this ran; its connectionClosed may have missed the scan.
            registry.cancel(scan);
        }
        cookie.engineStorage(new Created(scan.idBytes()));
        return Status.SUCCESS;
    }

    private Status waitForSeqno(RangeScanSpec.SnapshotRequirements snap) {
        if (snap.timeoutMs() <= 0) {
            return Status.ETMPFAIL;
        }
        long now = System.nanoTime();
        if (deadlineNanos == 0) {
            deadlineNanos = now + TimeUnit.MILLISECONDS.toNanos(snap.timeoutMs());
        }
        long left = deadlineNanos - now;
        if (left <= 0) {
            return Status.ETMPFAIL;
        }
        try {
            executor.schedule(
                    this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(SEQNO_POLL_MILLIS)), TimeUnit.NANOSECONDS);
            return null;
        } catch (RejectedExecutionException e) {
            return Status.ETMPFAIL; // the engine is closing
        }
    }

    private static boolean hasSeqno(VBucket vb, long seqno) {
        for (Map.Entry<DocKey, StoredValue> e : vb.entries()) {
            if (e.getValue().seqno() == seqno) {
                return true;
            }
        }
        return false;
    }

    /**
     * The sample: every live key of the collection if there are at most {@code samples}, else each
     * key independently with probability {@code samples / count} (Bernoulli, as kv_engine), drawn
     * from a {@link SplittableRandom} seeded with the request's seed over the keys in order, so the
     * same seed over the same data gives the same sample. Never empty for a non-empty collection.
     */
    private List<DocKey> sample(VBucket vb, long nowSeconds) {
        List<DocKey> keys = new ArrayList<>();
        Iterator<Map.Entry<DocKey, StoredValue>> it =
                vb.collectionView(spec.collectionId()).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<DocKey, StoredValue> e = it.next();
            if (!e.getValue().isExpired(nowSeconds)) {
                keys.add(e.getKey());
            }
        }
        long samples = spec.samples();
        if (keys.size() <= samples || samples < 0) { // samples < 0: an unsigned value above 2^63
            return keys;
        }
        SplittableRandom random = new SplittableRandom(spec.seed());
        double p = (double) samples / keys.size();
        List<DocKey> chosen = new ArrayList<>();
        for (DocKey k : keys) {
            if (random.nextDouble() < p) {
                chosen.add(k);
            }
        }
        if (chosen.isEmpty()) {
            chosen.add(keys.get(random.nextInt(keys.size())));
        }
        return chosen;
    }
}
