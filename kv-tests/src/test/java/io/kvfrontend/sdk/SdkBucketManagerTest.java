package io.kvfrontend.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.BucketExistsException;
import com.couchbase.client.core.error.BucketNotFlushableException;
import com.couchbase.client.core.error.BucketNotFoundException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.manager.bucket.BucketManager;
import com.couchbase.client.java.manager.bucket.BucketSettings;
import com.couchbase.client.java.manager.bucket.BucketType;
import com.couchbase.client.java.manager.bucket.CompressionMode;
import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.testsupport.TestServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java SDK's bucket manager against the management REST API: get, get all, create (with the
 * SDK's default settings, which include a replica this single node accepts and does not keep),
 * flush, drop, and the errors the SDK maps (exists, not found, not flushable).
 */
class SdkBucketManagerTest extends SdkCluster {
    private BucketManager buckets;

    @Override
    ServerConfig.Builder serverConfig() {
        return TestServer.withAuth().mgmtPort(0);
    }

    @BeforeAll
    void managers() {
        buckets = cluster.buckets();
    }

    @Test
    void theDefaultBucketReadsWithEverySetting() {
        BucketSettings d = buckets.getBucket("default");
        assertThat(d.name()).isEqualTo("default");
        assertThat(d.bucketType()).isEqualTo(BucketType.COUCHBASE);
        assertThat(d.ramQuotaMB()).isEqualTo(256);
        assertThat(d.flushEnabled()).isTrue();
        assertThat(d.numReplicas()).isZero();
        assertThat(d.compressionMode()).isEqualTo(CompressionMode.PASSIVE);
        Map<String, BucketSettings> all = buckets.getAllBuckets();
        assertThat(all).containsKey("default");
    }

    @Test
    void aCreatedBucketServesFlushesAndDrops() {
        buckets.createBucket(BucketSettings.create("managed")
                .ramQuotaMB(100)
                .flushEnabled(true)
                .compressionMode(CompressionMode.ACTIVE));
        assertThat(server.server().engine().bucket("managed")).isNotNull();
        BucketSettings s = buckets.getBucket("managed");
        assertThat(s.ramQuotaMB()).isEqualTo(100);
        assertThat(s.flushEnabled()).isTrue();
        assertThat(s.compressionMode()).isEqualTo(CompressionMode.ACTIVE);
        assertThatThrownBy(() -> buckets.createBucket(BucketSettings.create("managed")))
                .isInstanceOf(BucketExistsException.class);

        buckets.updateBucket(s.ramQuotaMB(128).compressionMode(CompressionMode.OFF));
        BucketSettings updated = buckets.getBucket("managed");
        assertThat(updated.ramQuotaMB()).isEqualTo(128);
        assertThat(updated.compressionMode()).isEqualTo(CompressionMode.OFF);
        assertThat(updated.flushEnabled()).isTrue();
        assertThat(server.server().engine().bucket("managed").config().quotaBytes())
                .isEqualTo(128L << 20);

        Collection c = cluster.bucket("managed").defaultCollection();
        Sdk.warmUp(c, "warm");
        c.upsert("doc", "v");
        buckets.flushBucket("managed");
        assertThatThrownBy(() -> c.get("doc")).isInstanceOf(DocumentNotFoundException.class);

        buckets.dropBucket("managed");
        assertThat(server.server().engine().bucket("managed")).isNull();
        assertThatThrownBy(() -> buckets.getBucket("managed")).isInstanceOf(BucketNotFoundException.class);
        assertThatThrownBy(() -> buckets.dropBucket("managed")).isInstanceOf(BucketNotFoundException.class);
    }

    @Test
    void aBucketWithoutFlushIsNotFlushable() {
        buckets.createBucket(BucketSettings.create("no-flush").ramQuotaMB(100));
        assertThat(buckets.getBucket("no-flush").flushEnabled()).isFalse();
        assertThatThrownBy(() -> buckets.flushBucket("no-flush")).isInstanceOf(BucketNotFlushableException.class);
        buckets.dropBucket("no-flush");
    }
}
