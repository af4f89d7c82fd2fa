package io.kvfrontend.it;

import static io.kvfrontend.it.Mcbp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sub-document lookups on the wire (kv_engine's docs/SubDocument.md): the single-path response, the
 * multi-lookup body ({@code status u16 | length u32 | value} per spec) and its failure shapes, and
 * the request errors. Opcodes and statuses are written out from the protocol doc.
 */
class SubdocWireTest extends OneServerPerClass {
    static final int SUBDOC_GET = 0xc5;
    static final int SUBDOC_EXISTS = 0xc6;
    static final int SUBDOC_DICT_UPSERT = 0xc8;
    static final int MULTI_LOOKUP = 0xd0;
    static final int GET_COUNT = 0xd2;
    static final int PATH_ENOENT = 0xc0;
    static final int PATH_MISMATCH = 0xc1;
    static final int PATH_EINVAL = 0xc2;
    static final int DOC_NOT_JSON = 0xc6;
    static final int INVALID_COMBO = 0xcb;
    static final int MULTI_PATH_FAILURE = 0xcc;

    @BeforeEach
    void helloJson() {
        // JSON (0x0b) so the server marks JSON documents; XERROR (0x07) for error contexts.
        assertThat(c.call(Frames.request(0x1f).key("subdoc").value(new byte[] {0, 0x07, 0, 0x0b}))
                        .status())
                .isZero();
        Response set = c.call(Frames.request(SET)
                .key("doc")
                .extras(Frames.storeExtras(0, 0))
                .datatype(0x01)
                .value("{\"a\": {\"b\": [1, 2, 3]}, \"s\": \"x\"}"));
        assertThat(set.status()).isEqualTo(SUCCESS);
        mustSet(c, "raw", "not json");
    }

    private static byte[] single(String path, int flags) {
        return ByteBuffer.allocate(3)
                .putShort((short) path.length())
                .put((byte) flags)
                .array();
    }

    private static byte[] specs(Object... opPath) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < opPath.length; i += 2) {
            byte[] p = ((String) opPath[i + 1]).getBytes(StandardCharsets.UTF_8);
            out.write((Integer) opPath[i]);
            out.write(0);
            out.write(p.length >>> 8);
            out.write(p.length);
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void singlePathLookupsAnswerTheFragmentWithTheDocumentsCas() {
        long cas = c.call(get("doc")).cas();
        Response r = c.call(Frames.request(SUBDOC_GET)
                .key("doc")
                .extras(single("a.b[1]", 0))
                .value("a.b[1]"));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.valueString()).isEqualTo("2");
        assertThat(r.datatype()).isEqualTo(0x01);
        assertThat(r.cas()).isEqualTo(cas);
        Response exists = c.call(
                Frames.request(SUBDOC_EXISTS).key("doc").extras(single("s", 0)).value("s"));
        assertThat(exists.status()).isEqualTo(SUCCESS);
        assertThat(exists.value()).isEmpty();
        assertThat(c.call(Frames.request(GET_COUNT)
                                .key("doc")
                                .extras(single("a.b", 0))
                                .value("a.b"))
                        .valueString())
                .isEqualTo("3");
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("doc")
                                .extras(single("zz", 0))
                                .value("zz"))
                        .status())
                .isEqualTo(PATH_ENOENT);
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("doc")
                                .extras(single("s[0]", 0))
                                .value("s[0]"))
                        .status())
                .isEqualTo(PATH_MISMATCH);
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("doc")
                                .extras(single("a..b", 0))
                                .value("a..b"))
                        .status())
                .isEqualTo(PATH_EINVAL);
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("raw")
                                .extras(single("a", 0))
                                .value("a"))
                        .status())
                .isEqualTo(DOC_NOT_JSON);
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("none")
                                .extras(single("a", 0))
                                .value("a"))
                        .status())
                .isEqualTo(KEY_ENOENT);
    }

    @Test
    void singlePathRequestErrorsAreEinval() {
        // path length in the extras differs from the value; xattr flag without XATTR (NotSupported); mkdir_p on a
        // lookup
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("doc")
                                .extras(single("abc", 0))
                                .value("a"))
                        .status())
                .isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("doc")
                                .extras(single("a", 0x04))
                                .value("a"))
                        .status())
                .as("an xattr path without HELLO Xattr: NotSupported")
                .isEqualTo(0x83);
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("doc")
                                .extras(single("a", 0x01))
                                .value("a"))
                        .status())
                .isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(SUBDOC_GET)
                                .key("doc")
                                .extras(new byte[2])
                                .value("a"))
                        .status())
                .isEqualTo(EINVAL);
        assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
    }

    @Test
    void multiLookupAnswersEverySpecAndMultiPathFailureWhenOneFails() {
        Response ok = c.call(Frames.request(MULTI_LOOKUP).key("doc").value(specs(SUBDOC_GET, "s", GET_COUNT, "a.b")));
        assertThat(ok.status()).isEqualTo(SUCCESS);
        ByteBuffer v = ByteBuffer.wrap(ok.value());
        assertThat(v.getShort()).isZero();
        byte[] first = new byte[v.getInt()];
        v.get(first);
        assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("\"x\"");
        assertThat(v.getShort()).isZero();
        byte[] second = new byte[v.getInt()];
        v.get(second);
        assertThat(new String(second, StandardCharsets.UTF_8)).isEqualTo("3");
        assertThat(v.hasRemaining()).isFalse();

        Response mixed = c.call(Frames.request(MULTI_LOOKUP).key("doc").value(specs(SUBDOC_EXISTS, "nope", 0x00, "")));
        assertThat(mixed.status()).isEqualTo(MULTI_PATH_FAILURE);
        ByteBuffer m = ByteBuffer.wrap(mixed.value());
        assertThat(m.getShort() & 0xffff).isEqualTo(PATH_ENOENT);
        assertThat(m.getInt()).isZero();
        assertThat(m.getShort()).as("Get: the whole document").isZero();
        byte[] whole = new byte[m.getInt()];
        m.get(whole);
        assertThat(new String(whole, StandardCharsets.UTF_8)).startsWith("{\"a\"");

        Response notJson = c.call(Frames.request(MULTI_LOOKUP).key("raw").value(specs(SUBDOC_GET, "a")));
        assertThat(notJson.status()).isEqualTo(MULTI_PATH_FAILURE);
        assertThat(ByteBuffer.wrap(notJson.value()).getShort() & 0xffff).isEqualTo(DOC_NOT_JSON);
    }

    @Test
    void multiLookupRequestErrors() {
        Object[] seventeen = new Object[34];
        for (int i = 0; i < 17; i++) {
            seventeen[2 * i] = SUBDOC_GET;
            seventeen[2 * i + 1] = "s";
        }
        assertThat(c.call(Frames.request(MULTI_LOOKUP).key("doc").value(specs(seventeen)))
                        .status())
                .isEqualTo(INVALID_COMBO);
        assertThat(c.call(Frames.request(MULTI_LOOKUP).key("doc").value(specs(SUBDOC_DICT_UPSERT, "s")))
                        .status())
                .as("a mutation inside a lookup")
                .isEqualTo(INVALID_COMBO);
        assertThat(c.call(Frames.request(MULTI_LOOKUP).key("doc").value(new byte[] {(byte) SUBDOC_GET, 0, 0, 9, 'a'}))
                        .status())
                .isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(MULTI_LOOKUP).key("doc").value(specs(0x00, "a")))
                        .status())
                .as("a whole-document Get with a path")
                .isEqualTo(EINVAL);
        assertThat(c.call(Frames.request(MULTI_LOOKUP).key("none").value(specs(SUBDOC_GET, "a")))
                        .status())
                .isEqualTo(KEY_ENOENT);
        assertThat(c.call(noop()).status()).isEqualTo(SUCCESS);
    }
}
