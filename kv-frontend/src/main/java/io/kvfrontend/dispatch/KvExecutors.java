package io.kvfrontend.dispatch;

import io.kvfrontend.engine.spi.ArithmeticResult;
import io.kvfrontend.engine.spi.Bucket;
import io.kvfrontend.engine.spi.CompressionMode;
import io.kvfrontend.engine.spi.Datatype;
import io.kvfrontend.engine.spi.GetResult;
import io.kvfrontend.engine.spi.Item;
import io.kvfrontend.engine.spi.MetaResult;
import io.kvfrontend.engine.spi.MutationResult;
import io.kvfrontend.engine.spi.SnappyCodec;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.engine.spi.StoreMode;
import io.kvfrontend.engine.spi.Xattrs;
import io.kvfrontend.metrics.ServerStats;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.protocol.Opcode;
import io.netty.buffer.ByteBuf;

/**
 * Executors of the document commands: reads, mutations, arithmetic, touch, locks and GetMeta
 * (mcbp-protocol.md 4.2). Each reads its request parts, calls the bucket inline (the engine is
 * non-blocking) and answers.
 *
 * <p><b>Immutable</b> (static methods, run on the event loop).
 */
final class KvExecutors {
    private KvExecutors() {}

    private static ServerStats stats(Command c) {
        return c.server().stats();
    }

    /**
     * GetReplica: NotMyVbucket (with the cluster map), because no vBucket here is a replica; SDKs
     * read replicas only where the map lists some, and this one lists none ({@code numReplicas} 0).
     */
    static void getReplica(Command c) {
        c.respondError(Status.NOT_MY_VBUCKET, null);
    }

    /**
     * ObserveSeqno (0x91): value = the vBucket UUID the client knows; vBucket from the header.
     * Answers format 0 (no failover): vBucket u16, UUID u64, last persisted seqno u64, current
     * seqno u64. The bucket is in memory and has no disk to wait for, so a mutation counts as
     * persisted once it is applied: both seqnos are the vBucket's high seqno. An unknown UUID is
     * KeyEnoent (this vBucket never failed over, so it has no other).
     */
    static void observeSeqno(Command c) {
        if (c.request().valueLength() != 8) {
            c.respondError(Status.EINVAL, "ObserveSeqno value must be the 8-byte vBucket UUID");
            return;
        }
        Bucket b = c.bucket();
        int vb = c.request().vbucket();
        if (vb >= b.config().numVBuckets()) {
            c.respondError(Status.NOT_MY_VBUCKET, null);
            return;
        }
        long uuid = c.request().value().getLong(c.request().value().readerIndex());
        if (uuid != b.vbucketUuid(vb)) {
            c.respondError(Status.KEY_ENOENT, "Unknown vBucket UUID for vBucket " + vb);
            return;
        }
        long seqno = b.highSeqno(vb);
        byte[] out = new byte[1 + 2 + 8 + 8 + 8];
        out[1] = (byte) (vb >>> 8);
        out[2] = (byte) vb;
        Command.putLong(out, 3, uuid);
        Command.putLong(out, 11, seqno);
        Command.putLong(out, 19, seqno);
        c.respond(Status.SUCCESS, Datatype.RAW, 0, null, null, out);
    }

    /** Observe key state: found and persisted (in memory, see {@link #observeSeqno}). */
    private static final int FOUND_PERSISTED = 0x01;

    /** Observe key state: not found. */
    private static final int NOT_FOUND = 0x80;

    /**
     * Observe (0x92): value = repeated {@code vbucket u16, key length u16, key} (keys with their
     * LEB128 collection prefix when collections were negotiated); answers the same entries, each
     * followed by the key state u8 and the CAS u64. Header CAS 0 (no persistence or replication
     * latency to report).
     */
    static void observe(Command c) {
        ByteBuf v = c.request().value();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int i = v.readerIndex();
        int end = v.writerIndex();
        boolean collections = c.connection().has(Feature.COLLECTIONS);
        while (i < end) {
            if (end - i < 4) {
                c.respondError(Status.EINVAL, "Observe entry is truncated");
                return;
            }
            int vb = v.getUnsignedShort(i);
            int keyLength = v.getUnsignedShort(i + 2);
            if (keyLength == 0 || end - i - 4 < keyLength) {
                c.respondError(Status.EINVAL, "Observe entry has a bad key length");
                return;
            }
            byte[] wireKey = new byte[keyLength];
            v.getBytes(i + 4, wireKey);
            i += 4 + keyLength;
            io.kvfrontend.engine.spi.DocKey key = observedKey(wireKey, collections);
            if (key == null) {
                c.respondError(Status.EINVAL, "Observe key has a bad collection id");
                return;
            }
            MetaResult m = c.bucket().getMeta(key);
            if (m.status() != Status.SUCCESS && m.status() != Status.KEY_ENOENT) {
                c.respondError(m.status(), null);
                return;
            }
            boolean found = m.status() == Status.SUCCESS && !m.deleted();
            out.write(vb >>> 8);
            out.write(vb);
            out.write(keyLength >>> 8);
            out.write(keyLength);
            out.writeBytes(wireKey);
            out.write(found ? FOUND_PERSISTED : NOT_FOUND);
            byte[] cas = new byte[8];
            Command.putLong(cas, 0, found ? m.cas() : 0);
            out.writeBytes(cas);
        }
        c.respond(Status.SUCCESS, Datatype.RAW, 0, null, null, out.toByteArray());
    }

    /** An Observe entry's key: LEB128 collection id first when collections are on; null if malformed. */
    private static io.kvfrontend.engine.spi.DocKey observedKey(byte[] wire, boolean collections) {
        if (!collections) {
            return io.kvfrontend.engine.spi.DocKey.ofDefault(wire);
        }
        long id = 0;
        for (int i = 0; i < Math.min(5, wire.length); i++) {
            id |= (long) (wire[i] & 0x7f) << (7 * i);
            if ((wire[i] & 0x80) == 0) {
                if (i + 1 >= wire.length || id > 0xffffffffL || (id >= 1 && id <= 7)) {
                    return null;
                }
                return new io.kvfrontend.engine.spi.DocKey(
                        (int) id, java.util.Arrays.copyOfRange(wire, i + 1, wire.length));
            }
        }
        return null;
    }

    /** Get, GetQ, GetK, GetKQ. */
    static void get(Command c) {
        stats(c).cmdGet.increment();
        GetResult r = c.bucket().get(c.docKey());
        if (r.isSuccess()) {
            stats(c).getHits.increment();
        } else if (r.status() == Status.KEY_ENOENT) {
            stats(c).getMisses.increment();
        }
        respondItem(c, r);
    }

    /** GetAndTouch, GATQ: extras = new expiry. */
    static void getAndTouch(Command c) {
        stats(c).cmdTouch.increment();
        GetResult r = c.bucket().getAndTouch(c.docKey(), c.request().extras().getUnsignedInt(0));
        (r.isSuccess() ? stats(c).touchHits : stats(c).touchMisses).increment();
        respondItem(c, r);
    }

    /** GetLocked: optional extras = lock time in seconds. */
    static void getLocked(Command c) {
        stats(c).cmdLock.increment();
        ByteBuf ex = c.request().extras();
        int lockSeconds = ex.readableBytes() == 4 ? (int) Math.min(ex.getUnsignedInt(0), Integer.MAX_VALUE) : 0;
        respondItem(c, c.bucket().getLocked(c.docKey(), lockSeconds));
    }

    private static void respondItem(Command c, GetResult r) {
        if (!r.isSuccess()) {
            c.respondError(r.status(), null);
            return;
        }
        Item item = r.item();
        byte[] flags = new byte[4];
        Command.putInt(flags, 0, item.flags());
        byte[] value = item.value();
        int datatype = item.datatype();
        if ((datatype & Datatype.XATTR) != 0) {
            // The Get family answers the body only (kv_engine strips xattrs), uncompressed here.
            if ((datatype & Datatype.SNAPPY) != 0) {
                value = SnappyCodec.inflate(value, Integer.MAX_VALUE - 8);
            }
            value = Xattrs.body(value, datatype);
            datatype &= ~(Datatype.SNAPPY | Datatype.XATTR);
        } else if ((datatype & Datatype.SNAPPY) != 0 && !c.connection().has(Feature.SNAPPY)) {
            // Stored compressed, asked for by a client that cannot inflate: inflate for it.
            value = SnappyCodec.inflate(value, Integer.MAX_VALUE - 8);
            datatype &= ~Datatype.SNAPPY;
        }
        Opcode op = c.opcode().loud();
        if (op == Opcode.GETK) {
            c.respondWithRequestKey(Status.SUCCESS, datatype, r.cas(), flags, value);
        } else {
            c.respond(Status.SUCCESS, datatype, r.cas(), flags, null, value);
        }
    }

    /** Whether the request's value is a Snappy block (datatype bit 0x02, allowed once negotiated). */
    private static boolean compressed(Command c) {
        return (c.request().datatype() & Datatype.SNAPPY) != 0;
    }

    /**
     * The inflated form of a compressed request value, checked to inflate within the bucket's size
     * limit. Answers EINVAL or E2BIG and returns {@code null} if it does not.
     */
    private static byte[] inflateReceived(Command c, byte[] block) {
        try {
            return SnappyCodec.inflate(block, Math.min(c.bucket().config().maxValueBytes(), MAX_INFLATED));
        } catch (SnappyCodec.TooLargeException e) {
            c.respondError(
                    Status.E2BIG, "The value inflates to " + e.inflatedLength + " bytes, beyond the bucket's limit");
        } catch (SnappyCodec.MalformedException e) {
            c.respondError(Status.EINVAL, "Invalid Snappy-compressed value");
        }
        return null;
    }

    /** Inflated values are capped like frames (mcbp-protocol.md 1.1). */
    private static final int MAX_INFLATED = 30 << 20;

    /** Set, Add, Replace and their quiet variants: extras = flags u32, expiry u32. */
    static void store(Command c) {
        StoreMode mode = switch (c.opcode().loud()) {
            case SET -> StoreMode.SET;
            case ADD -> StoreMode.ADD;
            case REPLACE -> StoreMode.REPLACE;
            default -> throw new IllegalStateException(c.opcode().toString());
        };
        ByteBuf ex = c.request().extras();
        int flags = ex.getInt(0);
        long expiry = ex.getUnsignedInt(4);
        long cas = c.request().cas();
        ServerStats s = stats(c);
        s.cmdSet.increment();
        byte[] stored = c.request().valueBytes();
        int datatype;
        if (!compressed(c)) {
            datatype = storedDatatype(c, stored);
        } else {
            byte[] inflated = inflateReceived(c, stored);
            if (inflated == null) {
                return;
            }
            datatype = storedDatatype(c, inflated);
            if (c.bucket().config().compression() == CompressionMode.OFF) {
                stored = inflated; // a bucket with compression off gets the inflated bytes, already at hand
            } else {
                datatype |= Datatype.SNAPPY; // kept compressed (passive and active modes)
            }
        }
        MutationResult r = c.bucket()
                .store(
                        mode,
                        c.docKey(),
                        stored,
                        flags,
                        expiry,
                        cas,
                        datatype,
                        c.frameInfos().preserveTtl());
        if (cas != 0) {
            countCas(s, r.status());
        }
        c.respondMutation(r);
    }

    /**
     * The datatype to store. The client's JSON bit is not trusted (mcbp-protocol.md 3.1): for
     * clients that negotiated JSON the value is checked; for others (plain memcached clients, which
     * cannot see the bit) it is stored raw without the cost of a parse.
     */
    private static int storedDatatype(Command c, byte[] value) {
        return c.connection().has(Feature.JSON) && JsonDetector.isJson(value) ? Datatype.JSON : Datatype.RAW;
    }

    private static void countCas(ServerStats s, Status status) {
        switch (status) {
            case SUCCESS -> s.casHits.increment();
            case KEY_EEXISTS -> s.casBadval.increment();
            case KEY_ENOENT -> s.casMisses.increment();
            default -> {}
        }
    }

    /** Delete, DeleteQ. */
    static void delete(Command c) {
        MutationResult r = c.bucket().delete(c.docKey(), c.request().cas());
        ServerStats s = stats(c);
        if (r.isSuccess()) {
            s.deleteHits.increment();
        } else if (r.status() == Status.KEY_ENOENT) {
            s.deleteMisses.increment();
        }
        c.respondMutation(r);
    }

    /** Increment, Decrement and quiet variants: extras = delta u64, initial u64, expiry u32. */
    static void arithmetic(Command c) {
        boolean incr = c.opcode().loud() == Opcode.INCREMENT;
        ByteBuf ex = c.request().extras();
        ArithmeticResult r =
                c.bucket().arithmetic(c.docKey(), incr, ex.getLong(0), ex.getLong(8), ex.getUnsignedInt(16));
        ServerStats s = stats(c);
        boolean hit = r.status() == Status.SUCCESS;
        if (incr) {
            (hit ? s.incrHits : s.incrMisses).increment();
        } else {
            (hit ? s.decrHits : s.decrMisses).increment();
        }
        if (!hit) {
            c.respondError(r.status(), null);
            return;
        }
        byte[] value = new byte[8];
        Command.putLong(value, 0, r.value());
        c.respond(Status.SUCCESS, Datatype.RAW, r.mutation().cas(), c.mutationExtras(r.mutation()), null, value);
    }

    /** Append, Prepend and quiet variants. */
    static void concat(Command c) {
        boolean append = c.opcode().loud() == Opcode.APPEND;
        byte[] value = c.request().valueBytes();
        if (compressed(c) && (value = inflateReceived(c, value)) == null) {
            return;
        }
        MutationResult r =
                c.bucket().concat(c.docKey(), append, value, c.request().cas());
        stats(c).cmdSet.increment();
        c.respondMutation(r);
    }

    /** Touch: extras = new expiry; answers the new CAS. */
    static void touch(Command c) {
        stats(c).cmdTouch.increment();
        MutationResult r = c.bucket().touch(c.docKey(), c.request().extras().getUnsignedInt(0));
        (r.isSuccess() ? stats(c).touchHits : stats(c).touchMisses).increment();
        if (!r.isSuccess()) {
            c.respondError(r.status(), null);
            return;
        }
        c.respond(Status.SUCCESS, Datatype.RAW, r.cas(), null, null, null);
    }

    /** UnlockKey: the request CAS must be the lock CAS. */
    static void unlock(Command c) {
        MutationResult r = c.bucket().unlock(c.docKey(), c.request().cas());
        if (!r.isSuccess()) {
            c.respondError(r.status(), null);
            return;
        }
        c.respond(Status.SUCCESS, Datatype.RAW, r.cas(), null, null, null);
    }

    /**
     * GetMeta, GetQMeta: optional 1-byte version (0-2; 2 adds the datatype byte). Response extras:
     * deleted u32, flags u32, expiry u32, seqno u64 [, datatype u8].
     */
    static void getMeta(Command c) {
        ByteBuf ex = c.request().extras();
        int version = ex.readableBytes() == 1 ? ex.getUnsignedByte(0) : 0;
        if (version > 2) {
            c.respondError(Status.EINVAL, "GetMeta version must be 0, 1 or 2");
            return;
        }
        MetaResult m = c.bucket().getMeta(c.docKey());
        if (m.status() != Status.SUCCESS) {
            c.respondError(m.status(), null);
            return;
        }
        byte[] extras = new byte[version == 2 ? 21 : 20];
        Command.putInt(extras, 0, m.deleted() ? 1 : 0);
        Command.putInt(extras, 4, m.flags());
        Command.putInt(extras, 8, (int) m.expiry());
        Command.putLong(extras, 12, m.seqno());
        if (version == 2) {
            extras[20] = (byte) m.datatype();
        }
        c.respond(Status.SUCCESS, Datatype.RAW, m.cas(), extras, null, null);
    }

    /** Flush, FlushQ: optional extras = delay, which must be 0. */
    static void flush(Command c) {
        ByteBuf ex = c.request().extras();
        if (ex.readableBytes() == 4 && ex.getUnsignedInt(0) != 0) {
            c.respondError(Status.NOT_SUPPORTED, "Delayed flush is not supported");
            return;
        }
        Bucket b = c.bucket();
        stats(c).cmdFlush.increment();
        Status s = b.flush();
        if (s == Status.SUCCESS) {
            c.respondSuccess();
        } else {
            c.respondError(s, s == Status.NOT_SUPPORTED ? "Flush is disabled for bucket " + b.name() : null);
        }
    }
}
