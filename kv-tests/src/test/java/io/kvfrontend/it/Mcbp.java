package io.kvfrontend.it;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;

/**
 * Protocol constants and request shorthands for the raw-socket tests. The numbers are written out
 * from mcbp-protocol.md (4.1 opcodes, 5 statuses) rather than taken from the server's own enums, so
 * a wrong constant in the server cannot make its own test agree with it.
 */
final class Mcbp {
    static final int GET = 0x00;
    static final int SET = 0x01;
    static final int ADD = 0x02;
    static final int REPLACE = 0x03;
    static final int DELETE = 0x04;
    static final int INCREMENT = 0x05;
    static final int DECREMENT = 0x06;
    static final int QUIT = 0x07;
    static final int FLUSH = 0x08;
    static final int GETQ = 0x09;
    static final int NOOP = 0x0a;
    static final int VERSION = 0x0b;
    static final int GETK = 0x0c;
    static final int GETKQ = 0x0d;
    static final int APPEND = 0x0e;
    static final int PREPEND = 0x0f;
    static final int STAT = 0x10;
    static final int SETQ = 0x11;
    static final int ADDQ = 0x12;
    static final int REPLACEQ = 0x13;
    static final int DELETEQ = 0x14;
    static final int INCREMENTQ = 0x15;
    static final int DECREMENTQ = 0x16;
    static final int QUITQ = 0x17;
    static final int FLUSHQ = 0x18;
    static final int APPENDQ = 0x19;
    static final int PREPENDQ = 0x1a;
    static final int VERBOSITY = 0x1b;
    static final int TOUCH = 0x1c;
    static final int GAT = 0x1d;
    static final int GATQ = 0x1e;
    static final int GET_LOCKED = 0x94;
    static final int UNLOCK_KEY = 0x95;
    static final int GET_META = 0xa0;
    static final int GETQ_META = 0xa1;

    static final int SUCCESS = 0x00;
    static final int KEY_ENOENT = 0x01;
    static final int KEY_EEXISTS = 0x02;
    static final int E2BIG = 0x03;
    static final int EINVAL = 0x04;
    static final int NOT_STORED = 0x05;
    static final int DELTA_BADVAL = 0x06;
    static final int NOT_SUPPORTED = 0x83;
    static final int ETMPFAIL = 0x86;

    /** The CAS a locked document shows to everyone but the lock holder (mcbp-protocol.md 3.2). */
    static final long LOCKED_CAS = 0xFFFF_FFFF_FFFF_FFFFL;

    /** Arithmetic expiry meaning "do not create a missing counter" (mcbp-protocol.md 4.2). */
    static final int NO_CREATE = 0xFFFF_FFFF;

    private Mcbp() {}

    /** Set, Add, Replace or a quiet variant, with flags and expiry. */
    static Frames store(int opcode, String key, String value, int flags, int expiry) {
        return Frames.request(opcode)
                .key(key)
                .extras(Frames.storeExtras(flags, expiry))
                .value(value);
    }

    static Frames set(String key, String value) {
        return store(SET, key, value, 0, 0);
    }

    /** Any key-only request: the Get family, Delete, GetLocked without extras, UnlockKey. */
    static Frames keyed(int opcode, String key) {
        return Frames.request(opcode).key(key);
    }

    static Frames get(String key) {
        return keyed(GET, key);
    }

    static Frames arithmetic(int opcode, String key, long delta, long initial, int expiry) {
        return Frames.request(opcode).key(key).extras(Frames.arithmeticExtras(delta, initial, expiry));
    }

    static Frames concat(int opcode, String key, String value) {
        return Frames.request(opcode).key(key).value(value);
    }

    /** Touch, GAT or GATQ with a new expiry. */
    static Frames withExpiry(int opcode, String key, int expiry) {
        return Frames.request(opcode).key(key).extras(Frames.int32(expiry));
    }

    static Frames getLocked(String key, int lockSeconds) {
        return Frames.request(GET_LOCKED).key(key).extras(Frames.int32(lockSeconds));
    }

    static Frames noop() {
        return Frames.request(NOOP);
    }

    /** Stores {@code key} and returns the new CAS, failing unless the server answered Success. */
    static long mustSet(McbpClient c, String key, String value) {
        Response r = c.call(set(key, value));
        if (r.status() != SUCCESS) {
            throw new AssertionError("set " + key + " failed: " + r);
        }
        return r.cas();
    }

    static String hex(int status) {
        return "0x" + Integer.toHexString(status);
    }
}
