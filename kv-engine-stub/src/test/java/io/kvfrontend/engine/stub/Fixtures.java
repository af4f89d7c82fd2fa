package io.kvfrontend.engine.stub;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.DocKey;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.StoreMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** Shared test data: a fixed start time well past 30 days after the epoch, keys and values as text. */
final class Fixtures {
    /** Far enough from the epoch that "absolute" and "relative" expiries cannot be confused. */
    static final Instant START = Instant.parse("2024-06-01T12:00:00Z");

    static final long START_SECONDS = START.getEpochSecond();

    private Fixtures() {}

    /** Settings with a pager that never fires by itself during a test (tests run passes directly). */
    static StubEngineSettings settings(MutableClock clock) {
        return new StubEngineSettings(1, Duration.ofHours(1), clock, 15, 30);
    }

    static BucketConfig config(int numVBuckets) {
        return new BucketConfig("b", BucketConfig.DEFAULT_QUOTA_BYTES, numVBuckets, 1024, true);
    }

    static StubBucket bucket(MutableClock clock) {
        return new StubBucket(config(64), settings(clock));
    }

    static StubBucket bucket(MutableClock clock, BucketConfig config) {
        return new StubBucket(config, settings(clock));
    }

    static DocKey key(String key) {
        return DocKey.ofDefault(bytes(key));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static MutationResult set(StubBucket bucket, String key, String value) {
        return bucket.store(StoreMode.SET, key(key), bytes(value), 0, 0, 0, Datatype.RAW, false);
    }

    static MutationResult set(StubBucket bucket, String key, String value, long expiry) {
        return bucket.store(StoreMode.SET, key(key), bytes(value), 0, expiry, 0, Datatype.RAW, false);
    }
}
