package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.McbpClient;
import io.kvfrontend.testsupport.Response;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sub-document mutations and extended attributes on the wire (kv_engine's docs/SubDocument.md and
 * docs/ExtendedAttributes.md): single-path responses with mutation tokens, multi-mutations that
 * change all or nothing, xattrs that a plain Get never shows, virtual attributes, macros, tombstones
 * that keep system xattrs, and the request errors. Opcodes, flags and statuses are written out from
 * the protocol doc.
 */
class SubdocMutationWireTest extends OneServerPerClass {
    static final int SUBDOC_GET = 0xc5;
    static final int DICT_ADD = 0xc7;
    static final int DICT_UPSERT = 0xc8;
    static final int SUBDOC_DELETE = 0xc9;
    static final int REPLACE = 0xca;
    static final int PUSH_LAST = 0xcb;
    static final int COUNTER = 0xcf;
    static final int MULTI_LOOKUP = 0xd0;
    static final int MULTI_MUTATION = 0xd1;
    static final int REPLACE_BODY_WITH_XATTR = 0xd3;

    static final int MKDIR_P = 0x01;
    static final int XATTR = 0x04;
    static final int EXPAND_MACROS = 0x10;
    static final int MKDOC = 0x01;
    static final int ADD = 0x02;
    static final int ACCESS_DELETED = 0x04;
    static final int CREATE_AS_DELETED = 0x08;
    static final int REVIVE = 0x10;

    static final int PATH_ENOENT = 0xc0;
    static final int VALUE_CANTINSERT = 0xc5;
    static final int DOC_NOT_JSON = 0xc6;
    static final int PATH_EEXISTS = 0xc9;
    static final int INVALID_COMBO = 0xcb;
    static final int MULTI_PATH_FAILURE = 0xcc;
    static final int SUCCESS_DELETED = 0xcd;
    static final int XATTR_INVALID_FLAG_COMBO = 0xce;
    static final int XATTR_UNKNOWN_MACRO = 0xd0;
    static final int XATTR_UNKNOWN_VATTR = 0xd1;
    static final int XATTR_CANT_MODIFY_VATTR = 0xd2;
    static final int MULTI_PATH_FAILURE_DELETED = 0xd3;
    static final int INVALID_XATTR_ORDER = 0xd4;
    static final int CAN_ONLY_REVIVE = 0xd6;

    @BeforeEach
    void hello() {
        helloFeatures(c, 0x04, 0x06, 0x07, 0x0b); // MutationSeqno, Xattr, XError, JSON
        Response set = c.call(Frames.request(SET)
                .key("doc")
                .extras(Frames.storeExtras(0, 0))
                .datatype(0x01)
                .value("{\"a\": {\"b\": [1, 2, 3]}, \"s\": \"x\", \"n\": 10}"));
        assertThat(set.status()).isEqualTo(SUCCESS);
    }

    private static void helloFeatures(McbpClient client, int... features) {
        ByteBuffer v = ByteBuffer.allocate(features.length * 2);
        for (int f : features) {
            v.putShort((short) f);
        }
        assertThat(client.call(Frames.request(0x1f).key("subdoc").value(v.array()))
                        .status())
                .isZero();
    }

    private static byte[] singleExtras(String path, int pathFlags, int docFlags) {
        ByteBuffer b = ByteBuffer.allocate(docFlags == 0 ? 3 : 4)
                .putShort((short) path.getBytes(StandardCharsets.UTF_8).length)
                .put((byte) pathFlags);
        if (docFlags != 0) {
            b.put((byte) docFlags);
        }
        return b.array();
    }

    private Response single(int op, String key, String path, String value, int pathFlags, int docFlags) {
        return c.call(Frames.request(op)
                .key(key)
                .extras(singleExtras(path, pathFlags, docFlags))
                .value(path + value));
    }

    /** Multi-mutation specs: (opcode, flags, path, value) quadruples. */
    private static byte[] mutations(Object... spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < spec.length; i += 4) {
            byte[] p = ((String) spec[i + 2]).getBytes(StandardCharsets.UTF_8);
            byte[] v = ((String) spec[i + 3]).getBytes(StandardCharsets.UTF_8);
            out.write((Integer) spec[i]);
            out.write((Integer) spec[i + 1]);
            out.writeBytes(ByteBuffer.allocate(6)
                    .putShort((short) p.length)
                    .putInt(v.length)
                    .array());
            out.writeBytes(p);
            out.writeBytes(v);
        }
        return out.toByteArray();
    }

    /** Multi-lookup specs: (opcode, flags, path) triples. */
    private static byte[] lookups(Object... spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < spec.length; i += 3) {
            byte[] p = ((String) spec[i + 2]).getBytes(StandardCharsets.UTF_8);
            out.write((Integer) spec[i]);
            out.write((Integer) spec[i + 1]);
            out.writeBytes(ByteBuffer.allocate(2).putShort((short) p.length).array());
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private Response multi(String key, int docFlags, long cas, Object... spec) {
        Frames f =
                Frames.request(MULTI_MUTATION).key(key).value(mutations(spec)).cas(cas);
        if (docFlags != 0) {
            f.extras((byte) docFlags);
        }
        return c.call(f);
    }

    private Response lookup(String key, int docFlags, Object... spec) {
        Frames f = Frames.request(MULTI_LOOKUP).key(key).value(lookups(spec));
        if (docFlags != 0) {
            f.extras((byte) docFlags);
        }
        return c.call(f);
    }

    /** The values of a multi-lookup response, or the status of a failed spec as {@code #hex}. */
    private static String[] values(Response r) {
        ByteBuffer v = ByteBuffer.wrap(r.value());
        java.util.List<String> out = new java.util.ArrayList<>();
        while (v.hasRemaining()) {
            int status = v.getShort() & 0xffff;
            byte[] b = new byte[v.getInt()];
            v.get(b);
            out.add(status == 0 ? new String(b, StandardCharsets.UTF_8) : "#" + Integer.toHexString(status));
        }
        return out.toArray(String[]::new);
    }

    private String body(String key) {
        Response r = c.call(get(key));
        assertThat(r.status()).isEqualTo(SUCCESS);
        return r.valueString();
    }

    @Test
    void singlePathMutationsAnswerTheNewCasAndAMutationToken() {
        long before = c.call(get("doc")).cas();

        Response r = single(DICT_UPSERT, "doc", "a.c", "true", 0, 0);

        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.cas()).isNotEqualTo(before).isEqualTo(c.call(get("doc")).cas());
        assertThat(r.extras()).hasSize(16);
        assertThat(r.extrasLong(8)).as("seqno").isPositive();
        assertThat(body("doc")).isEqualTo("{\"a\": {\"b\": [1, 2, 3],\"c\":true}, \"s\": \"x\", \"n\": 10}");

        Response counter = single(COUNTER, "doc", "n", "-4", 0, 0);
        assertThat(counter.status()).isEqualTo(SUCCESS);
        assertThat(counter.valueString()).isEqualTo("6");

        assertThat(single(DICT_ADD, "doc", "s", "1", 0, 0).status()).isEqualTo(PATH_EEXISTS);
        assertThat(single(REPLACE, "doc", "zz", "1", 0, 0).status()).isEqualTo(PATH_ENOENT);
        assertThat(single(DICT_UPSERT, "doc", "s", "{junk", 0, 0).status()).isEqualTo(VALUE_CANTINSERT);
        assertThat(single(SUBDOC_DELETE, "doc", "a.b[0]", "", 0, 0).status()).isEqualTo(SUCCESS);
        assertThat(body("doc")).startsWith("{\"a\": {\"b\": [2, 3]");
        assertThat(single(DICT_UPSERT, "nope", "a", "1", 0, 0).status()).isEqualTo(KEY_ENOENT);
        assertThat(single(DICT_UPSERT, "made", "a.b", "1", MKDIR_P, MKDOC).status())
                .isEqualTo(SUCCESS);
        assertThat(body("made")).isEqualTo("{\"a\":{\"b\":1}}");
        mustSet(c, "raw", "plain text");
        assertThat(single(DICT_UPSERT, "raw", "a", "1", 0, 0).status()).isEqualTo(DOC_NOT_JSON);
    }

    @Test
    void aMultiMutationThatFailsChangesNothingAndNamesTheSpec() {
        Response before = c.call(get("doc"));

        Response r = multi("doc", 0, 0, DICT_UPSERT, 0, "a.x", "1", REPLACE, 0, "missing", "2");

        assertThat(r.status()).isEqualTo(MULTI_PATH_FAILURE);
        assertThat(r.value()).containsExactly(1, 0, PATH_ENOENT);
        Response after = c.call(get("doc"));
        assertThat(after.cas()).isEqualTo(before.cas());
        assertThat(after.valueString()).isEqualTo(before.valueString());
    }

    @Test
    void aMultiMutationAppliesEverySpecAndListsTheValuesItReturns() {
        Response r = multi("doc", 0, 0, PUSH_LAST, 0, "a.b", "4", COUNTER, 0, "n", "5", DICT_ADD, 0, "t", "\"u\"");

        assertThat(r.status()).isEqualTo(SUCCESS);
        ByteBuffer v = ByteBuffer.wrap(r.value());
        assertThat(v.get()).as("index of the counter spec").isEqualTo((byte) 1);
        assertThat(v.getShort()).isZero();
        byte[] n = new byte[v.getInt()];
        v.get(n);
        assertThat(new String(n, StandardCharsets.UTF_8)).isEqualTo("15");
        assertThat(v.hasRemaining()).isFalse();
        assertThat(body("doc")).isEqualTo("{\"a\": {\"b\": [1, 2, 3,4]}, \"s\": \"x\", \"n\": 15,\"t\":\"u\"}");
    }

    @Test
    void aStaleCasIsKeyEexistsAndTheRightOneWins() {
        long cas = c.call(get("doc")).cas();
        assertThat(single(COUNTER, "doc", "n", "1", 0, 0).status()).isEqualTo(SUCCESS);

        assertThat(multi("doc", 0, cas, COUNTER, 0, "n", "1").status()).isEqualTo(KEY_EEXISTS);
        long now = c.call(get("doc")).cas();
        assertThat(multi("doc", 0, now, COUNTER, 0, "n", "1").status()).isEqualTo(SUCCESS);
        assertThat(body("doc")).contains("\"n\": 12");
    }

    @Test
    void xattrsAreStoredWithTheDocumentAndAPlainGetNeverShowsThem() {
        Response w = multi(
                "doc",
                0,
                0,
                DICT_UPSERT,
                XATTR | MKDIR_P,
                "meta.tag",
                "\"blue\"",
                DICT_UPSERT,
                XATTR,
                "_sys",
                "{\"v\":1}",
                DICT_UPSERT,
                0,
                "s",
                "\"y\"");
        assertThat(w.status()).isEqualTo(SUCCESS);

        Response get = c.call(get("doc"));
        assertThat(get.valueString()).isEqualTo("{\"a\": {\"b\": [1, 2, 3]}, \"s\": \"y\", \"n\": 10}");
        assertThat(get.datatype()).as("JSON, no Xattr bit").isEqualTo(0x01);

        Response r = lookup(
                "doc",
                0,
                SUBDOC_GET,
                XATTR,
                "meta",
                SUBDOC_GET,
                XATTR,
                "_sys.v",
                SUBDOC_GET,
                XATTR,
                "$XTOC",
                SUBDOC_GET,
                0,
                "s");
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(values(r)).containsExactly("{\"tag\":\"blue\"}", "1", "[\"meta\",\"_sys\"]", "\"y\"");

        // A full-body Set keeps the xattrs, as kv_engine does.
        mustSetJson("doc", "{\"fresh\":1}");
        assertThat(values(lookup("doc", 0, SUBDOC_GET, XATTR, "meta.tag"))).containsExactly("\"blue\"");
    }

    private void mustSetJson(String key, String json) {
        assertThat(c.call(Frames.request(SET)
                                .key(key)
                                .extras(Frames.storeExtras(0, 0))
                                .datatype(0x01)
                                .value(json))
                        .status())
                .isEqualTo(SUCCESS);
    }

    @Test
    void virtualAttributesDescribeTheDocument() {
        Response set = c.call(Frames.request(SET)
                .key("v")
                .extras(Frames.storeExtras(0xabcd, 3600))
                .datatype(0x01)
                .value("{\"k\":1}"));

        Response r = lookup(
                "v",
                0,
                SUBDOC_GET,
                XATTR,
                "$document.CAS",
                SUBDOC_GET,
                XATTR,
                "$document.flags",
                SUBDOC_GET,
                XATTR,
                "$document.value_bytes",
                SUBDOC_GET,
                XATTR,
                "$document.deleted",
                SUBDOC_GET,
                XATTR,
                "$document.datatype",
                SUBDOC_GET,
                XATTR,
                "$vbucket.HLC.mode",
                SUBDOC_GET,
                XATTR,
                "$nope");

        assertThat(r.status()).isEqualTo(MULTI_PATH_FAILURE);
        String[] v = values(r);
        assertThat(v[0]).isEqualTo(String.format("\"0x%016x\"", set.cas()));
        assertThat(v[1]).isEqualTo(Integer.toString(0xabcd));
        assertThat(v[2]).isEqualTo("7");
        assertThat(v[3]).isEqualTo("false");
        assertThat(v[4]).isEqualTo("[\"json\"]");
        assertThat(v[5]).isEqualTo("\"real\"");
        assertThat(v[6]).isEqualTo("#" + Integer.toHexString(XATTR_UNKNOWN_VATTR));
        String exptime = values(lookup("v", 0, SUBDOC_GET, XATTR, "$document.exptime"))[0];
        assertThat(Long.parseLong(exptime)).isGreaterThan(System.currentTimeMillis() / 1000);
        assertThat(single(DICT_UPSERT, "v", "$document.flags", "1", XATTR, 0).status())
                .isEqualTo(XATTR_CANT_MODIFY_VATTR);
    }

    @Test
    void macrosExpandToTheNewRevisionsCasAndSeqno() {
        Response w = multi(
                "doc",
                0,
                0,
                DICT_UPSERT,
                XATTR | MKDIR_P | EXPAND_MACROS,
                "txn.cas",
                "\"${Mutation.CAS}\"",
                DICT_UPSERT,
                XATTR | MKDIR_P | EXPAND_MACROS,
                "txn.seq",
                "\"${Mutation.seqno}\"");
        assertThat(w.status()).isEqualTo(SUCCESS);

        String[] v = values(lookup("doc", 0, SUBDOC_GET, XATTR, "txn.cas", SUBDOC_GET, XATTR, "txn.seq"));
        // kv_engine writes the CAS's bytes least significant first.
        assertThat(v[0]).isEqualTo(String.format("\"0x%016x\"", Long.reverseBytes(w.cas())));
        assertThat(v[1]).isEqualTo(String.format("\"0x%016x\"", w.extrasLong(8)));
        assertThat(single(DICT_UPSERT, "doc", "txn.x", "\"${Mutation.nope}\"", XATTR | EXPAND_MACROS, 0)
                        .status())
                .isEqualTo(XATTR_UNKNOWN_MACRO);
        assertThat(single(DICT_UPSERT, "doc", "s", "\"${Mutation.CAS}\"", EXPAND_MACROS, 0)
                        .status())
                .isEqualTo(XATTR_INVALID_FLAG_COMBO);
    }

    @Test
    void deleteKeepsSystemXattrsInATombstoneReadableWithAccessDeleted() {
        assertThat(multi("doc", 0, 0, DICT_UPSERT, XATTR, "_sys", "1", DICT_UPSERT, XATTR, "user", "2")
                        .status())
                .isEqualTo(SUCCESS);
        assertThat(c.call(keyed(DELETE, "doc")).status()).isEqualTo(SUCCESS);

        assertThat(c.call(get("doc")).status()).isEqualTo(KEY_ENOENT);
        assertThat(lookup("doc", 0, SUBDOC_GET, XATTR, "_sys").status()).isEqualTo(KEY_ENOENT);
        Response dead =
                lookup("doc", ACCESS_DELETED, SUBDOC_GET, XATTR, "_sys", SUBDOC_GET, XATTR, "$document.deleted");
        assertThat(dead.status()).isEqualTo(SUCCESS_DELETED);
        assertThat(values(dead)).containsExactly("1", "true");
        Response user = lookup("doc", ACCESS_DELETED, SUBDOC_GET, XATTR, "user");
        assertThat(user.status()).isEqualTo(MULTI_PATH_FAILURE_DELETED);
        assertThat(values(user)).containsExactly("#" + Integer.toHexString(PATH_ENOENT));
    }

    @Test
    void aDocumentCreatedAsDeletedCanBeRevivedWithItsStagedBody() {
        // The shape of a transaction's staged insert: a tombstone carrying the staged body in an xattr.
        Response staged = multi(
                "t1",
                ADD | ACCESS_DELETED | CREATE_AS_DELETED,
                0,
                DICT_UPSERT,
                XATTR | MKDIR_P,
                "txn.op.stgd",
                "{\"v\":42}");
        assertThat(staged.status()).isEqualTo(SUCCESS_DELETED);
        assertThat(c.call(get("t1")).status()).isEqualTo(KEY_ENOENT);
        // Add fails on the tombstone it fetched; the transactions library then restages under the
        // tombstone's CAS with AccessDeleted|CreateAsDeleted and no Add.
        assertThat(multi("t1", ADD | ACCESS_DELETED | CREATE_AS_DELETED, 0, DICT_UPSERT, XATTR, "txn", "1")
                        .status())
                .isEqualTo(KEY_EEXISTS);
        long tombstoneCas =
                lookup("t1", ACCESS_DELETED, SUBDOC_GET, XATTR, "txn").cas();
        assertThat(tombstoneCas).isEqualTo(staged.cas());
        Response restaged = multi(
                "t1",
                ACCESS_DELETED | CREATE_AS_DELETED,
                tombstoneCas,
                DICT_UPSERT,
                XATTR,
                "txn",
                "{\"op\":{\"stgd\":{\"v\":42}}}");
        assertThat(restaged.status()).isEqualTo(SUCCESS_DELETED);

        // The commit: the body from the staged xattr, then the xattr goes (specs run in order, so
        // the other order finds nothing to copy).
        assertThat(multi(
                                "t1",
                                ACCESS_DELETED | REVIVE,
                                0,
                                SUBDOC_DELETE,
                                XATTR,
                                "txn",
                                "",
                                REPLACE_BODY_WITH_XATTR,
                                XATTR,
                                "txn.op.stgd",
                                "")
                        .value())
                .containsExactly(1, 0, PATH_ENOENT);
        Response revived = multi(
                "t1",
                ACCESS_DELETED | REVIVE,
                0,
                REPLACE_BODY_WITH_XATTR,
                XATTR,
                "txn.op.stgd",
                "",
                SUBDOC_DELETE,
                XATTR,
                "txn",
                "");

        assertThat(revived.status()).isEqualTo(SUCCESS);
        Response get = c.call(get("t1"));
        assertThat(get.valueString()).isEqualTo("{\"v\":42}");
        assertThat(get.datatype()).isEqualTo(0x01);
        assertThat(lookup("t1", 0, SUBDOC_GET, XATTR, "txn").status()).isEqualTo(MULTI_PATH_FAILURE);
        assertThat(multi("t1", ACCESS_DELETED | REVIVE, 0, DICT_UPSERT, XATTR, "x", "1")
                        .status())
                .isEqualTo(CAN_ONLY_REVIVE);
        assertThat(multi("doc", ADD, 0, DICT_UPSERT, 0, "x", "1").status()).isEqualTo(KEY_EEXISTS);
    }

    @Test
    void requestErrorsGetTheirOwnStatusAndTheConnectionStays() {
        assertThat(multi("doc", 0, 0, SUBDOC_GET, 0, "s", "").status())
                .as("a lookup inside a mutation")
                .isEqualTo(INVALID_COMBO);
        assertThat(multi("doc", 0, 0, DICT_UPSERT, 0, "s", "1", DICT_UPSERT, XATTR, "x", "1")
                        .status())
                .isEqualTo(INVALID_XATTR_ORDER);
        assertThat(multi("doc", MKDOC | ADD, 0, DICT_UPSERT, 0, "s", "1").status())
                .isEqualTo(EINVAL);
        assertThat(multi("doc", 0, 0, DICT_UPSERT, 0, "s", "").status())
                .as("no value")
                .isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(MULTI_MUTATION)
                                .key("doc")
                                .value(new byte[] {(byte) DICT_UPSERT, 0, 0, 1, 0, 0, 0, 9, 's'}))
                        .status())
                .as("truncated spec")
                .isEqualTo(EINVAL);
        Object[] seventeen = new Object[68];
        for (int i = 0; i < 17; i++) {
            seventeen[4 * i] = COUNTER;
            seventeen[4 * i + 1] = 0;
            seventeen[4 * i + 2] = "n";
            seventeen[4 * i + 3] = "1";
        }
        assertThat(multi("doc", 0, 0, seventeen).status()).isEqualTo(INVALID_COMBO);
        assertThat(body("doc")).isEqualTo("{\"a\": {\"b\": [1, 2, 3]}, \"s\": \"x\", \"n\": 10}");

        // Xattr paths need the XATTR feature.
        try (McbpClient plain = server.client()) {
            helloFeatures(plain, 0x07);
            assertThat(plain.call(Frames.request(DICT_UPSERT)
                                    .key("doc")
                                    .extras(singleExtras("x", XATTR, 0))
                                    .value("x1"))
                            .status())
                    .isEqualTo(0x83); // NotSupported, as kv_engine answers
        }
        assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
    }
}
