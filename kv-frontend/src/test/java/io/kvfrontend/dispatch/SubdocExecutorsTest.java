package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.auth.BucketAccess;
import io.kvfrontend.auth.User;
import io.kvfrontend.auth.UserStore;
import io.kvfrontend.codec.McbpRequest;
import io.kvfrontend.connection.CommandRunner;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.protocol.Opcode;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sub-document command logic without a socket ({@link TestSession}): every request-level error and
 * every per-spec status a multi-path command can give, from kv_engine's documented behaviour
 * (docs/SubDocument.md, docs/ExtendedAttributes.md).
 */
class SubdocExecutorsTest {
    private static final String DOC = "{\"a\":{\"b\":[1,2,3]},\"s\":\"x\",\"n\":10,\"f\":1.5}";

    private TestServices fixture;
    private TestSession session;
    private CommandRunner runner;

    @BeforeEach
    void setUp() {
        fixture = new TestServices(UserStore.builder()
                .iterations(64)
                .addUser(new User("Administrator", true, BucketAccess.all()), "password")
                .build());
        session = fixture.session();
        runner = fixture.runnerFor(session);
        assertThat(one(Frames.request(Opcode.SASL_AUTH.code()).key("PLAIN").value("\0Administrator\0password"))
                        .status())
                .isZero();
        assertThat(one(Frames.request(Opcode.SELECT_BUCKET.code()).key("default"))
                        .status())
                .isZero();
        session.features(
                (1L << Feature.XATTR) | (1L << Feature.XERROR) | (1L << Feature.JSON) | (1L << Feature.MUTATION_SEQNO));
        assertThat(one(Frames.request(Opcode.SET.code())
                                .key("doc")
                                .extras(Frames.storeExtras(0, 0))
                                .datatype(0x01)
                                .value(DOC))
                        .status())
                .isZero();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private Response one(Frames frame) {
        byte[] bytes = frame.build();
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
        McbpRequest request = new McbpRequest(buf);
        try {
            assertThat(runner.run(request, null, System.nanoTime())).isNull();
        } finally {
            request.release();
        }
        List<Response> r = session.takeResponses();
        assertThat(r).hasSize(1);
        return r.get(0);
    }

    private static byte[] spec(int op, int flags, String path, String value) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + p.length + v.length)
                .put((byte) op)
                .put((byte) flags)
                .putShort((short) p.length)
                .putInt(v.length)
                .put(p)
                .put(v)
                .array();
    }

    private Response mutation(int docFlags, byte[]... specs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] s : specs) {
            out.writeBytes(s);
        }
        Frames f =
                Frames.request(Opcode.SUBDOC_MULTI_MUTATION.code()).key("doc").value(out.toByteArray());
        if (docFlags >= 0) {
            f.extras((byte) docFlags);
        }
        return one(f);
    }

    private String body() {
        return one(Frames.request(Opcode.GET.code()).key("doc")).valueString();
    }

    /**
     * One spec in a multi-mutation: its status (MultiPathFailure names index 0 and that status, and
     * the document is unchanged) or, on success, the new document.
     */
    @ParameterizedTest(name = "{0} {2} {3}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '\'',
            value = {
                "0xc7|0|n|1|SUBDOC_PATH_EEXISTS",
                "0xc7|0|a.b.c|1|SUBDOC_PATH_MISMATCH",
                "0xc7|0|x.y|1|SUBDOC_PATH_ENOENT",
                "0xc8|0|a..b|1|SUBDOC_PATH_EINVAL",
                "0xc8|0|s|'{\"open'|SUBDOC_VALUE_CANTINSERT",
                "0xc8|0|s|'1 2'|SUBDOC_VALUE_CANTINSERT",
                "0xca|0|zz|1|SUBDOC_PATH_ENOENT",
                "0xc9|0|a.b[7]||SUBDOC_PATH_ENOENT",
                "0xcb|0|s|1|SUBDOC_PATH_MISMATCH",
                "0xcd|0|a.b[-1]|1|SUBDOC_PATH_EINVAL",
                "0xcd|0|a.b[9]|1|SUBDOC_PATH_ENOENT",
                "0xce|0|a.b|2|SUBDOC_PATH_EEXISTS",
                "0xce|0|a.b|[2]|SUBDOC_VALUE_CANTINSERT",
                "0xcf|0|f|1|SUBDOC_PATH_MISMATCH",
                "0xcf|0|n|0|SUBDOC_DELTA_EINVAL",
                "0xcf|0|n|abc|SUBDOC_DELTA_EINVAL",
                "0xcf|0|n|+1|SUBDOC_DELTA_EINVAL",
                "0xcf|0|n|05|SUBDOC_DELTA_EINVAL",
                "0xcf|0|n|-0|SUBDOC_DELTA_EINVAL",
                "0xcf|0|n|99999999999999999999|SUBDOC_DELTA_EINVAL",
                "0xc8|0x14|x|'\"${$document.bogus}\"'|SUBDOC_XATTR_UNKNOWN_VATTR_MACRO",
                "0xd3|4|nope||SUBDOC_PATH_ENOENT",
                "0xc8|0|s|'\"y\"'|'{\"a\":{\"b\":[1,2,3]},\"s\":\"y\",\"n\":10,\"f\":1.5}'",
                "0xcc|0|a.b|0|'{\"a\":{\"b\":[0,1,2,3]},\"s\":\"x\",\"n\":10,\"f\":1.5}'",
                "0xc9|0|f||'{\"a\":{\"b\":[1,2,3]},\"s\":\"x\",\"n\":10}'",
                "0x01|0||'[1]'|[1]",
            })
    void eachSpecGivesItsOwnStatus(String op, String flags, String path, String value, String expected) {
        Response r = mutation(
                -1,
                spec(Integer.decode(op), Integer.decode(flags), path == null ? "" : path, value == null ? "" : value));
        if (expected.startsWith("SUBDOC_") || expected.startsWith("XATTR_")) {
            assertThat(r.status()).isEqualTo(Status.SUBDOC_MULTI_PATH_FAILURE.code());
            int code = Status.valueOf(expected).code();
            assertThat(r.value()).containsExactly(0, code >>> 8, code & 0xff);
            assertThat(body()).isEqualTo(DOC);
        } else {
            assertThat(r.status()).isZero();
            assertThat(body()).isEqualTo(expected);
        }
    }

    /** Errors the validator finds before the document is read: the command's own status. */
    @ParameterizedTest(name = "{0} {2} {3}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '\'',
            value = {
                "0xc8|4|`.x`|1|XATTR_EINVAL",
                "0xc8|4|sixteen-bytes-xx|1|XATTR_EINVAL",
                "0xc8|4|fifteen-bytes-x|1|SUCCESS",
                "0xc8|4|!x|1|XATTR_EINVAL",
                "0xc8|4|_|1|XATTR_EINVAL",
                "0xc8|4|$document.CAS|1|SUBDOC_XATTR_CANT_MODIFY_VATTR",
                "0xc8|4|$nope|1|SUBDOC_XATTR_CANT_MODIFY_VATTR",
                "0xc8|0x14|x|'\"${Mutation.bogus}\"'|SUBDOC_XATTR_UNKNOWN_MACRO",
                "0xc8|0x14|x|'{\"a\":\"${Mutation.CAS}\"}'|SUBDOC_XATTR_UNKNOWN_MACRO",
                "0xcf|0x14|x|1|EINVAL",
                "0xca|0x01|s|1|EINVAL",
                "0xc8|0|''|1|EINVAL",
            })
    void theValidatorAnswersForTheWholeCommand(String op, String flags, String path, String value, String expected) {
        Response r = mutation(-1, spec(Integer.decode(op), Integer.decode(flags), path == null ? "" : path, value));
        assertThat(r.status()).isEqualTo(Status.valueOf(expected).code());
    }

    /**
     * Found by PipelineFuzzTest: an xattr key with a NUL inside was accepted and encoded into the
     * stored section, whose pairs are NUL-terminated, so every later Get of the document failed with
     * Einternal ("Malformed xattr section"). Control characters anywhere in the key are refused.
     */
    @Test
    void anXattrKeyWithAControlCharacterAnywhereIsRefusedAndTheDocumentStaysReadable() {
        for (String key : new String[] {"a\u0000b", "ab\u0000", "a\u0001", "a\nb"}) {
            assertThat(mutation(-1, spec(0xc8, 0x04, key, "1")).status())
                    .as("xattr key %s", key.replace("\u0000", "\\0"))
                    .isEqualTo(Status.XATTR_EINVAL.code());
            assertThat(one(Frames.request(Opcode.GET.code()).key("doc")).status())
                    .as("Get after %s", key.replace("\u0000", "\\0"))
                    .isZero();
        }
        assertThat(body()).isEqualTo(DOC);
    }

    @Test
    void requestLevelErrorsAreTheCommandsStatus() {
        byte[] upsert = spec(0xc8, 0, "s", "1");
        assertThat(mutation(0x03, upsert).status()).as("Mkdoc+Add").isEqualTo(Status.EINVAL.code());
        assertThat(one(Frames.request(Opcode.SUBDOC_DICT_UPSERT.code())
                                .key("doc")
                                .extras(new byte[] {0, 1, 0x04, 0x08})
                                .value("x1"))
                        .status())
                .as("single-path CreateAsDeleted without Mkdoc or Add")
                .isEqualTo(Status.EINVAL.code());
        assertThat(mutation(0x01, spec(0xca, 0, "s", "1")).status())
                .as("Mkdoc with Replace")
                .isEqualTo(Status.EINVAL.code());
        assertThat(mutation(0x04, spec(0x01, 0, "", "1")).status())
                .as("whole-document Set on a deleted document")
                .isEqualTo(Status.EINVAL.code());
        assertThat(mutation(-1, spec(0x04, 0, "", ""), spec(0xc8, 0, "s", "1")).status())
                .as("whole-document Delete with a body spec")
                .isEqualTo(Status.SUBDOC_INVALID_COMBO.code());
        assertThat(mutation(0x10, upsert).status())
                .as("Revive without AccessDeleted")
                .isEqualTo(Status.EINVAL.code());
        assertThat(mutation(0x40, upsert).status()).as("unknown doc flag").isEqualTo(Status.EINVAL.code());
        assertThat(mutation(-1, spec(0xc8, 0x02, "s", "1")).status())
                .as("unknown path flag")
                .isEqualTo(Status.EINVAL.code());
        assertThat(mutation(-1, spec(0xc8, 0x10, "s", "1")).status())
                .as("macros outside xattrs")
                .isEqualTo(Status.SUBDOC_XATTR_INVALID_FLAG_COMBO.code());
        assertThat(mutation(-1, spec(0xc5, 0, "s", "")).status())
                .as("a lookup")
                .isEqualTo(Status.SUBDOC_INVALID_COMBO.code());
        assertThat(mutation(-1, spec(0x99, 0, "s", "")).status())
                .as("not a subdoc opcode")
                .isEqualTo(Status.SUBDOC_INVALID_COMBO.code());
        assertThat(mutation(-1, spec(0xc9, 0, "s", "1")).status())
                .as("Delete with a value")
                .isEqualTo(Status.EINVAL.code());
        assertThat(mutation(-1, spec(0x01, 0, "s", "1")).status())
                .as("whole-doc Set with a path")
                .isEqualTo(Status.EINVAL.code());
        assertThat(mutation(-1, upsert, spec(0xc8, 0x04, "x", "1")).status())
                .isEqualTo(Status.SUBDOC_INVALID_XATTR_ORDER.code());
        assertThat(mutation(-1).status()).as("no specs").isEqualTo(Status.EINVAL.code());
        assertThat(one(Frames.request(Opcode.SUBDOC_MULTI_MUTATION.code())
                                .key("doc")
                                .value(upsert)
                                .cas(123))
                        .status())
                .isEqualTo(Status.KEY_EEXISTS.code());
        assertThat(mutation(0x02, upsert).status())
                .as("Add on a document that exists")
                .isEqualTo(Status.KEY_EEXISTS.code());
        assertThat(mutation(0x14, upsert).status())
                .as("Revive a live document")
                .isEqualTo(Status.SUBDOC_CAN_ONLY_REVIVE_DELETED_DOCUMENTS.code());
        assertThat(body()).isEqualTo(DOC);
    }

    @Test
    void theSecondFailingSpecIsNamedByItsIndex() {
        Response r = mutation(-1, spec(0xc8, 0, "s", "2"), spec(0xc8, 0, "t", "3"), spec(0xca, 0, "nope", "4"));
        assertThat(r.status()).isEqualTo(Status.SUBDOC_MULTI_PATH_FAILURE.code());
        assertThat(r.value()).containsExactly(2, 0, Status.SUBDOC_PATH_ENOENT.code());
        assertThat(body()).isEqualTo(DOC);
    }

    @Test
    void aSinglePathMutationAnswersItsStatusDirectly() {
        byte[] extras = {0, 1, 0};
        Response r = one(Frames.request(Opcode.SUBDOC_DICT_ADD.code())
                .key("doc")
                .extras(extras)
                .value("n5"));
        assertThat(r.status()).isEqualTo(Status.SUBDOC_PATH_EEXISTS.code());
        Response counter = one(Frames.request(Opcode.SUBDOC_COUNTER.code())
                .key("doc")
                .extras(extras)
                .value("n5"));
        assertThat(counter.status()).isZero();
        assertThat(counter.valueString()).isEqualTo("15");
        assertThat(counter.extras()).hasSize(16);
        Response withExpiry = one(Frames.request(Opcode.SUBDOC_DICT_UPSERT.code())
                .key("doc")
                .extras(new byte[] {0, 1, 0, 0, 0, 0x0e, 0x10})
                .value("z1"));
        assertThat(withExpiry.status()).isZero();
        Response exptime = one(Frames.request(Opcode.SUBDOC_GET.code())
                .key("doc")
                .extras(new byte[] {0, 17, 0x04})
                .value("$document.exptime"));
        assertThat(Long.parseLong(exptime.valueString())).isGreaterThan(System.currentTimeMillis() / 1000);
        Response bad = one(Frames.request(Opcode.SUBDOC_DICT_UPSERT.code())
                .key("doc")
                .extras(new byte[] {0, 9, 0})
                .value("z"));
        assertThat(bad.status()).as("path longer than the value").isEqualTo(Status.EINVAL.code());
    }
}
