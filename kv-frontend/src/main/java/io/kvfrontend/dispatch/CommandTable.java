package io.kvfrontend.dispatch;

import static io.kvfrontend.dispatch.CommandSpec.Cas.ANY;
import static io.kvfrontend.dispatch.CommandSpec.Cas.NON_ZERO;
import static io.kvfrontend.dispatch.CommandSpec.Presence.OPTIONAL;
import static io.kvfrontend.dispatch.CommandSpec.Presence.REQUIRED;
import static io.kvfrontend.dispatch.CommandSpec.Quiet.MISS;
import static io.kvfrontend.dispatch.CommandSpec.Quiet.SUCCESS;

import io.kvfrontend.dispatch.CommandSpec.DatatypeRule;
import io.kvfrontend.protocol.Opcode;
import java.util.ArrayList;
import java.util.List;

/**
 * The opcode table: every command this server executes, with the validation rules of
 * mcbp-protocol.md 4.1 (extras sizes, key/value presence, CAS, datatype), which frame infos it
 * accepts (2.2) and its quiet rule (3.5).
 *
 * <p><b>Immutable</b> (static factory).
 */
public final class CommandTable {
    private CommandTable() {}

    /** Every command this server executes. */
    public static List<CommandSpec> standard() {
        List<CommandSpec> t = core();
        t.addAll(session());
        t.addAll(scans());
        return t;
    }

    /**
     * KV range scans (mcbp-protocol.md 11): create (JSON value, datatype exactly JSON), continue
     * (28 bytes of extras) and cancel (16), all on the bucket and vBucket of the header.
     */
    static List<CommandSpec> scans() {
        List<CommandSpec> t = new ArrayList<>();
        t.add(CommandSpec.of(Opcode.RANGE_SCAN_CREATE, ScanExecutors::create)
                .value(REQUIRED)
                .datatype(DatatypeRule.JSON)
                .needsBucket()
                .build());
        t.add(CommandSpec.of(Opcode.RANGE_SCAN_CONTINUE, ScanExecutors::continueScan)
                .extras(28)
                .needsBucket()
                .build());
        t.add(CommandSpec.of(Opcode.RANGE_SCAN_CANCEL, ScanExecutors::cancel)
                .extras(16)
                .needsBucket()
                .build());
        return t;
    }

    /**
     * HELLO, error map, SASL, buckets, cluster map and collections: what the Couchbase SDKs need
     * on top of the memcached commands.
     */
    static List<CommandSpec> session() {
        List<CommandSpec> t = new ArrayList<>();
        t.add(CommandSpec.of(Opcode.HELLO, ClusterExecutors::hello)
                .key(OPTIONAL)
                .value(OPTIONAL)
                .beforeAuth()
                .build());
        t.add(CommandSpec.of(Opcode.GET_ERROR_MAP, ClusterExecutors::errorMap)
                .value(OPTIONAL)
                .beforeAuth()
                .build());
        t.add(CommandSpec.of(Opcode.SASL_LIST_MECHS, AuthExecutors::listMechanisms)
                .beforeAuth()
                .build());
        for (Opcode op : List.of(Opcode.SASL_AUTH, Opcode.SASL_STEP)) {
            t.add(CommandSpec.of(op, AuthExecutors::authenticate)
                    .key(REQUIRED)
                    .value(OPTIONAL)
                    .beforeAuth()
                    .build());
        }
        t.add(CommandSpec.of(Opcode.SELECT_BUCKET, BucketExecutors::select)
                .key(OPTIONAL)
                .cas(ANY)
                .build());
        t.add(CommandSpec.of(Opcode.LIST_BUCKETS, BucketExecutors::list)
                .cas(ANY)
                .build());
        t.add(CommandSpec.of(Opcode.CREATE_BUCKET, BucketExecutors::create)
                .key(REQUIRED)
                .value(OPTIONAL)
                .cas(ANY)
                .build());
        t.add(CommandSpec.of(Opcode.DELETE_BUCKET, BucketExecutors::delete)
                .key(REQUIRED)
                .value(OPTIONAL)
                .cas(ANY)
                .datatype(DatatypeRule.RAW_OR_JSON)
                .build());
        t.add(CommandSpec.of(Opcode.GET_CLUSTER_CONFIG, ClusterExecutors::clusterConfig)
                .extras(0, 16)
                .build());
        t.add(CommandSpec.of(Opcode.GET_COLLECTIONS_MANIFEST, ClusterExecutors::manifest)
                .needsBucket()
                .build());
        for (Opcode op : List.of(Opcode.GET_COLLECTION_ID, Opcode.GET_SCOPE_ID)) {
            t.add(CommandSpec.of(op, ClusterExecutors::collectionId)
                    .key(OPTIONAL)
                    .value(OPTIONAL)
                    .needsBucket()
                    .build());
        }
        return t;
    }

    /** The core memcached-protocol commands. */
    public static List<CommandSpec> core() {
        List<CommandSpec> t = new ArrayList<>();
        // Reads.
        for (Opcode op : List.of(Opcode.GET, Opcode.GETQ, Opcode.GETK, Opcode.GETKQ)) {
            t.add(CommandSpec.of(op, KvExecutors::get).document().quiet(MISS).build());
        }
        for (Opcode op : List.of(Opcode.GAT, Opcode.GATQ)) {
            CommandSpec.Builder b = CommandSpec.of(op, KvExecutors::getAndTouch)
                    .document()
                    .extras(4)
                    .quiet(MISS);
            t.add((op.isQuiet() ? b : b.durability()).build());
        }
        t.add(CommandSpec.of(Opcode.TOUCH, KvExecutors::touch)
                .document()
                .extras(4)
                .durability()
                .build());
        t.add(CommandSpec.of(Opcode.GET_LOCKED, KvExecutors::getLocked)
                .document()
                .extras(0, 4)
                .build());
        t.add(CommandSpec.of(Opcode.UNLOCK_KEY, KvExecutors::unlock)
                .document()
                .cas(NON_ZERO)
                .build());
        // GetReplica (0x83): this single node holds no replica vBuckets, so every read of one is
        // NotMyVbucket, as Couchbase Server answers a GetReplica to a vBucket's active node.
        t.add(CommandSpec.of(Opcode.GET_REPLICA, KvExecutors::getReplica)
                .document()
                .build());
        // Sub-document mutations: on the body and on xattrs, single-path and multi-path.
        for (Opcode op : List.of(
                Opcode.SUBDOC_DICT_ADD,
                Opcode.SUBDOC_DICT_UPSERT,
                Opcode.SUBDOC_DELETE,
                Opcode.SUBDOC_REPLACE,
                Opcode.SUBDOC_ARRAY_PUSH_LAST,
                Opcode.SUBDOC_ARRAY_PUSH_FIRST,
                Opcode.SUBDOC_ARRAY_INSERT,
                Opcode.SUBDOC_ARRAY_ADD_UNIQUE,
                Opcode.SUBDOC_COUNTER,
                Opcode.SUBDOC_REPLACE_BODY_WITH_XATTR)) {
            t.add(CommandSpec.of(op, SubdocExecutors::singleMutation)
                    .document()
                    .extras(3, 4, 7, 8, 11, 12)
                    .value(REQUIRED)
                    .cas(ANY)
                    .durability()
                    .preserveTtl()
                    .build());
        }
        t.add(CommandSpec.of(Opcode.SUBDOC_MULTI_MUTATION, SubdocExecutors::multiMutation)
                .document()
                .extras(0, 1, 4, 5, 8, 9)
                .value(REQUIRED)
                .cas(ANY)
                .durability()
                .preserveTtl()
                .build());
        // Sub-document lookups, on the body, on xattrs and on virtual xattrs.
        for (Opcode op : List.of(Opcode.SUBDOC_GET, Opcode.SUBDOC_EXISTS, Opcode.SUBDOC_GET_COUNT)) {
            t.add(CommandSpec.of(op, SubdocExecutors::single)
                    .document()
                    .extras(3, 4)
                    .value(REQUIRED)
                    .build());
        }
        t.add(CommandSpec.of(Opcode.SUBDOC_MULTI_LOOKUP, SubdocExecutors::multiLookup)
                .document()
                .extras(0, 1)
                .value(REQUIRED)
                .build());
        // Legacy durability polling (PersistTo/ReplicateTo): ObserveSeqno by vBucket, Observe by key.
        t.add(CommandSpec.of(Opcode.OBSERVE_SEQNO, KvExecutors::observeSeqno)
                .value(REQUIRED)
                .needsBucket()
                .build());
        t.add(CommandSpec.of(Opcode.OBSERVE, KvExecutors::observe)
                .value(REQUIRED)
                .needsBucket()
                .build());
        for (Opcode op : List.of(Opcode.GET_META, Opcode.GETQ_META)) {
            t.add(CommandSpec.of(op, KvExecutors::getMeta)
                    .document()
                    .extras(0, 1)
                    .quiet(MISS)
                    .build());
        }

        // Mutations (durability only on the non-quiet opcodes; PreserveTtl on Set/Replace/arith/concat).
        for (Opcode op : List.of(Opcode.SET, Opcode.SETQ, Opcode.ADD, Opcode.ADDQ, Opcode.REPLACE, Opcode.REPLACEQ)) {
            CommandSpec.Builder b = CommandSpec.of(op, KvExecutors::store)
                    .document()
                    .extras(8)
                    .value(OPTIONAL)
                    .datatype(DatatypeRule.DOCUMENT)
                    .quiet(SUCCESS)
                    .cas(op.loud() == Opcode.ADD ? CommandSpec.Cas.ZERO : ANY);
            if (!op.isQuiet()) {
                b.durability();
            }
            if (op.loud() != Opcode.ADD) {
                b.preserveTtl();
            }
            t.add(b.build());
        }
        for (Opcode op : List.of(Opcode.DELETE, Opcode.DELETEQ)) {
            CommandSpec.Builder b =
                    CommandSpec.of(op, KvExecutors::delete).document().cas(ANY).quiet(SUCCESS);
            t.add((op.isQuiet() ? b : b.durability()).build());
        }
        for (Opcode op : List.of(Opcode.INCREMENT, Opcode.INCREMENTQ, Opcode.DECREMENT, Opcode.DECREMENTQ)) {
            CommandSpec.Builder b = CommandSpec.of(op, KvExecutors::arithmetic)
                    .document()
                    .extras(20)
                    .quiet(SUCCESS)
                    .preserveTtl();
            t.add((op.isQuiet() ? b : b.durability()).build());
        }
        for (Opcode op : List.of(Opcode.APPEND, Opcode.APPENDQ, Opcode.PREPEND, Opcode.PREPENDQ)) {
            CommandSpec.Builder b = CommandSpec.of(op, KvExecutors::concat)
                    .document()
                    .value(OPTIONAL)
                    .cas(ANY)
                    .datatype(DatatypeRule.DOCUMENT)
                    .quiet(SUCCESS)
                    .preserveTtl();
            t.add((op.isQuiet() ? b : b.durability()).build());
        }
        for (Opcode op : List.of(Opcode.FLUSH, Opcode.FLUSHQ)) {
            t.add(CommandSpec.of(op, KvExecutors::flush)
                    .extras(0, 4)
                    .cas(ANY)
                    .needsBucket()
                    .quiet(SUCCESS)
                    .build());
        }

        // Session.
        t.add(CommandSpec.of(Opcode.NOOP, SessionExecutors::noop).build());
        t.add(CommandSpec.of(Opcode.VERSION, SessionExecutors::version).build());
        t.add(CommandSpec.of(Opcode.VERBOSITY, SessionExecutors::verbosity)
                .extras(4)
                .build());
        t.add(CommandSpec.of(Opcode.QUIT, SessionExecutors::quit).build());
        t.add(CommandSpec.of(Opcode.QUITQ, SessionExecutors::quit).build());
        t.add(CommandSpec.of(Opcode.STAT, SessionExecutors::stat)
                .key(OPTIONAL)
                .value(OPTIONAL)
                .datatype(DatatypeRule.RAW_OR_JSON)
                .build());
        return t;
    }
}
