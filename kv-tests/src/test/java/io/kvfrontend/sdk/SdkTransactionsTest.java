package io.kvfrontend.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.LookupInSpec;
import com.couchbase.client.java.transactions.error.TransactionFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The Java SDK's distributed transactions (KV operations) against the server. The library is built
 * entirely on sub-document operations: staged writes in a {@code txn} xattr under CAS, inserts
 * staged in tombstones (CreateAsDeleted), commits with ReplaceBodyWithXattr and ReviveDocument,
 * an active transaction record per vBucket group, and {@code $vbucket.HLC} for timeouts. Run once
 * per output mode (the two subclasses).
 */
abstract class SdkTransactionsTest extends SdkPerMode {
    @Test
    void aTransactionCommitsInsertsReplacesAndRemoves() {
        collection.upsert("acc-a", JsonObject.create().put("balance", 100));
        collection.upsert("acc-b", JsonObject.create().put("balance", 0));
        collection.upsert("gone", JsonObject.create().put("x", 1));
        var result = cluster.transactions().run(ctx -> {
            var a = ctx.get(collection, "acc-a");
            var b = ctx.get(collection, "acc-b");
            ctx.replace(
                    a, JsonObject.create().put("balance", a.contentAsObject().getInt("balance") - 30));
            ctx.replace(
                    b, JsonObject.create().put("balance", b.contentAsObject().getInt("balance") + 30));
            ctx.insert(collection, "new", JsonObject.create().put("y", 2));
            ctx.remove(ctx.get(collection, "gone"));
        });
        assertThat(result.unstagingComplete()).as("%s", result.logs()).isTrue();
        assertThat(collection.get("acc-a").contentAsObject().getInt("balance")).isEqualTo(70);
        assertThat(collection.get("acc-b").contentAsObject().getInt("balance")).isEqualTo(30);
        assertThat(collection.get("new").contentAsObject().getInt("y")).isEqualTo(2);
        assertThat(collection.exists("gone").exists()).isFalse();
    }

    @Test
    void aFailingLambdaRollsBackAndLeavesNoTrace() {
        collection.upsert("rb", JsonObject.create().put("v", 1));
        assertThatThrownBy(() -> cluster.transactions().run(ctx -> {
                    ctx.replace(ctx.get(collection, "rb"), JsonObject.create().put("v", 2));
                    ctx.insert(collection, "rb-new", JsonObject.create().put("v", 3));
                    throw new IllegalStateException("application failure");
                }))
                .isInstanceOf(TransactionFailedException.class);

        assertThat(collection.get("rb").contentAsObject().getInt("v")).isEqualTo(1);
        assertThat(collection.exists("rb-new").exists()).isFalse();
        // Nothing staged is left in the document's xattrs.
        assertThat(collection
                        .lookupIn("rb", List.of(LookupInSpec.exists("txn").xattr()))
                        .exists(0))
                .isFalse();
    }

    @Test
    void concurrentTransactionsOnOneDocumentLoseNoUpdate() throws Exception {
        collection.upsert("shared", JsonObject.create().put("n", 0));
        int threads = 4;
        int each = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        cluster.transactions().run(ctx -> {
                            var doc = ctx.get(collection, "shared");
                            int n = doc.contentAsObject().getInt("n");
                            ctx.replace(doc, JsonObject.create().put("n", n + 1));
                        });
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(collection.get("shared").contentAsObject().getInt("n")).isEqualTo(threads * each);
    }
}
