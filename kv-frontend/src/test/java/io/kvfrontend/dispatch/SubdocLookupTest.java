package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.engine.spi.Status;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Paths as kv_engine parses them, and lookups that answer the stored bytes of a value (spacing and
 * number spelling kept), with the specific status for each way a path can fail.
 */
class SubdocLookupTest {
    private static final String DOC = "{ \"name\" : \"Ann\", \"n\": 1.50e2, \"tags\": [\"a\", [1, 2 ], {\"x\": null}],"
            + " \"a.b\": true, \"q`t\": 7, \"nested\": {\"deep\": {\"er\": [10, 20, 30]}}, \"empty\": {} }";

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String get(String path) throws Exception {
        SubdocLookup.Found f = SubdocLookup.find(b(DOC), SubdocPath.parse(b(path)));
        return f.ok()
                ? new String(SubdocLookup.bytes(b(DOC), f), StandardCharsets.UTF_8)
                : f.status().name();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "name|\"Ann\"",
                "n|1.50e2",
                "tags|[\"a\", [1, 2 ], {\"x\": null}]",
                "tags[0]|\"a\"",
                "tags[1]|[1, 2 ]",
                "tags[1][1]|2",
                "tags[-1]|{\"x\": null}",
                "tags[-1].x|null",
                "tags[2].x|null",
                "`a.b`|true",
                "`q``t`|7",
                "nested.deep.er[-1]|30",
                "nested.deep.er[0]|10",
                "empty|{}",
                "missing|SUBDOC_PATH_ENOENT",
                "tags[3]|SUBDOC_PATH_ENOENT",
                "nested.deep.nope|SUBDOC_PATH_ENOENT",
                "name.first|SUBDOC_PATH_MISMATCH",
                "name[0]|SUBDOC_PATH_MISMATCH",
                "tags.a|SUBDOC_PATH_MISMATCH",
            })
    void lookupsAnswerTheStoredBytesOrTheSpecificStatus(String path, String expected) throws Exception {
        assertThat(get(path)).isEqualTo(expected);
    }

    @Test
    void theLastElementOfAnEmptyArrayDoesNotExist() throws Exception {
        byte[] doc = b("{\"a\": []}");
        assertThat(SubdocLookup.find(doc, SubdocPath.parse(b("a[-1]"))).status())
                .isEqualTo(Status.SUBDOC_PATH_ENOENT);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {".a", "a.", "a..b", "a[", "a[x]", "a[-2]", "a[]", "a.[0]", "a[0]b", "`a", "a]", "a`b", "a[1.5]"})
    void malformedPathsArePathEinval(String path) {
        assertThatThrownBy(() -> SubdocPath.parse(b(path)))
                .isInstanceOfSatisfying(
                        SubdocPath.Invalid.class, e -> assertThat(e.status).isEqualTo(Status.SUBDOC_PATH_EINVAL));
    }

    @Test
    void aPathThatIsNotUtf8IsPathEinval() {
        assertThatThrownBy(() -> SubdocPath.parse(new byte[] {'a', (byte) 0xc3, '.', 'b'}))
                .isInstanceOfSatisfying(
                        SubdocPath.Invalid.class, e -> assertThat(e.status).isEqualTo(Status.SUBDOC_PATH_EINVAL));
    }

    @Test
    void pathLimitsArePathE2big() {
        assertThatThrownBy(() -> SubdocPath.parse(b("a".repeat(1025))))
                .isInstanceOfSatisfying(
                        SubdocPath.Invalid.class, e -> assertThat(e.status).isEqualTo(Status.SUBDOC_PATH_E2BIG));
        assertThatThrownBy(() -> SubdocPath.parse(b("a" + ".a".repeat(32))))
                .isInstanceOfSatisfying(
                        SubdocPath.Invalid.class, e -> assertThat(e.status).isEqualTo(Status.SUBDOC_PATH_E2BIG));
    }

    @Test
    void countsAndDocumentChecks() throws Exception {
        SubdocLookup.Found tags = SubdocLookup.find(b(DOC), SubdocPath.parse(b("tags")));
        assertThat(SubdocLookup.count(b(DOC), tags)).isEqualTo(3);
        SubdocLookup.Found root = SubdocLookup.find(b(DOC), SubdocPath.parse(b("")));
        assertThat(SubdocLookup.count(b(DOC), root)).isEqualTo(7);
        assertThat(SubdocLookup.count(b(DOC), SubdocLookup.find(b(DOC), SubdocPath.parse(b("name")))))
                .isEqualTo(-1);
        assertThat(SubdocLookup.checkDocument(b(DOC))).isEqualTo(Status.SUCCESS);
        assertThat(SubdocLookup.checkDocument(b("[".repeat(33) + "]".repeat(33))))
                .isEqualTo(Status.SUBDOC_DOC_E2DEEP);
        assertThat(SubdocLookup.checkDocument(b("[".repeat(32) + "]".repeat(32))))
                .isEqualTo(Status.SUCCESS);
        assertThat(SubdocLookup.checkDocument(b("{\"a\":"))).isEqualTo(Status.SUBDOC_DOC_NOT_JSON);
    }

    @Test
    void aNulOrASecondRootValueIsNotJson() {
        // Found by SubdocFuzzTest: Jackson stops at a NUL, so "2\0\0\0" looked like the number 2 and
        // a lookup of the root read the token's offset as -1.
        assertThat(SubdocLookup.checkDocument(b("2\0\0\0"))).isEqualTo(Status.SUBDOC_DOC_NOT_JSON);
        assertThat(SubdocLookup.checkDocument(b("{}\0"))).isEqualTo(Status.SUBDOC_DOC_NOT_JSON);
        assertThat(SubdocLookup.checkDocument(b("1 2"))).isEqualTo(Status.SUBDOC_DOC_NOT_JSON);
        assertThat(SubdocLookup.checkDocument(b(" "))).as("no value at all").isEqualTo(Status.SUBDOC_DOC_NOT_JSON);
        assertThat(SubdocJson.valueDepth(b("2\0\0"), false))
                .as("a value to insert")
                .isEqualTo(-1);
        assertThat(JsonDetector.isJson(b("2\0"))).isFalse();
        assertThat(JsonDetector.isJson(b("\"a\\u0000b\"")))
                .as("an escaped NUL is fine")
                .isTrue();
    }
}
