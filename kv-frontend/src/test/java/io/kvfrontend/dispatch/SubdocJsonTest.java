package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sub-document mutations as byte splices, against kv_engine's documented results (docs/SubDocument.md):
 * the bytes the mutation does not touch stay as they were (spacing included), new members are
 * written {@code ,"key":value}, and each way a mutation can fail has its own status.
 */
class SubdocJsonTest {
    private static final String DOC =
            "{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }";

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String run(String op, String path, String value, boolean mkdirP) throws Exception {
        byte[] doc = b(DOC);
        SubdocPath p = SubdocPath.parse(b(path));
        byte[] v = b(value);
        SubdocJson.Outcome o = switch (op) {
            case "add" -> SubdocJson.set(doc, p, v, SubdocJson.SetMode.ADD, mkdirP);
            case "upsert" -> SubdocJson.set(doc, p, v, SubdocJson.SetMode.UPSERT, mkdirP);
            case "replace" -> SubdocJson.set(doc, p, v, SubdocJson.SetMode.REPLACE, false);
            case "delete" -> SubdocJson.delete(doc, p);
            case "last" -> SubdocJson.push(doc, p, v, false, mkdirP);
            case "first" -> SubdocJson.push(doc, p, v, true, mkdirP);
            case "insert" -> SubdocJson.insert(doc, p, v);
            case "unique" -> SubdocJson.addUnique(doc, p, v, mkdirP);
            case "counter" -> SubdocJson.counter(doc, p, v, mkdirP);
            default -> throw new IllegalArgumentException(op);
        };
        if (!o.ok()) {
            return o.status().name();
        }
        String out = new String(o.doc(), StandardCharsets.UTF_8);
        return o.value() == null ? out : out + " => " + new String(o.value(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} {1} {2} mkdir_p={3}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '\'',
            value = {
                // DictAdd / DictUpsert
                "add|n|2|false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" ,\"n\":2}",
                "add|a|2|false|SUBDOC_PATH_EEXISTS",
                "add|e.k|true|false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {\"k\":true}, \"ea\": [], \"s\": \"t\" }",
                "add|x.y.z|1|false|SUBDOC_PATH_ENOENT",
                "add|x.y.z|1|true|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" ,\"x\":{\"y\":{\"z\":1}}}",
                "add|o.p.q|1|true|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\",\"p\":{\"q\":1}}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "add|list.k|1|false|SUBDOC_PATH_MISMATCH",
                "add|s.k|1|true|SUBDOC_PATH_MISMATCH",
                "add|list[0]|1|false|SUBDOC_PATH_EINVAL",
                "add|'`we\"ird`'|1|false|'{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" ,\"we\\\"ird\":1}'",
                "upsert|a|[true]|false|{ \"a\": [true], \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "upsert|o.x|null|false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": null}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                // Replace
                "replace|list[1]|3|false|{ \"a\": 1, \"list\": [1, 3 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "replace|list[-1]|3|false|{ \"a\": 1, \"list\": [1, 3 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "replace|nope|3|false|SUBDOC_PATH_ENOENT",
                "replace|''|[]|false|[]",
                // Delete: the member and one comma go, everything else stays
                "delete|a||false|{ \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "delete|s||false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [] }",
                "delete|o.x||false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "delete|list[0]||false|{ \"a\": 1, \"list\": [2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "delete|list[-1]||false|{ \"a\": 1, \"list\": [1 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "delete|list[5]||false|SUBDOC_PATH_ENOENT",
                "delete|''||false|SUBDOC_PATH_EINVAL",
                // Array push: several comma-separated values at once
                "last|list|3,4|false|{ \"a\": 1, \"list\": [1, 2 ,3,4], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "first|list|0|false|{ \"a\": 1, \"list\": [0,1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "last|ea|{}|false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [{}], \"s\": \"t\" }",
                "first|ea|1|false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [1], \"s\": \"t\" }",
                "last|o|1|false|SUBDOC_PATH_MISMATCH",
                "last|new|1|false|SUBDOC_PATH_ENOENT",
                "last|new|1|true|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" ,\"new\":[1]}",
                // Array insert: the index may be the size, never past it, never [-1]
                "insert|list[0]|0|false|{ \"a\": 1, \"list\": [0,1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "insert|list[1]|\"m\"|false|{ \"a\": 1, \"list\": [1, \"m\",2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "insert|list[2]|3|false|{ \"a\": 1, \"list\": [1, 2 ,3], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "insert|list[3]|3|false|SUBDOC_PATH_ENOENT",
                "insert|list[-1]|3|false|SUBDOC_PATH_EINVAL",
                "insert|list|3|false|SUBDOC_PATH_EINVAL",
                "insert|o[0]|3|false|SUBDOC_PATH_MISMATCH",
                // Add unique: scalars only, duplicates refused
                "unique|list|3|false|{ \"a\": 1, \"list\": [1, 2 ,3], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" }",
                "unique|list|2|false|SUBDOC_PATH_EEXISTS",
                "unique|list|{}|false|SUBDOC_VALUE_CANTINSERT",
                "unique|ea|\"x\"|false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [\"x\"], \"s\": \"t\" }",
                // Counter: answers the new value
                "counter|a|5|false|{ \"a\": 6, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" } => 6",
                "counter|a|-3|false|{ \"a\": -2, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" } => -2",
                "counter|c|7|false|{ \"a\": 1, \"list\": [1, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" ,\"c\":7} => 7",
                "counter|list[0]|1|false|{ \"a\": 1, \"list\": [2, 2 ], \"o\": {\"x\": \"y\"}, \"e\": {}, \"ea\": [], \"s\": \"t\" } => 2",
                "counter|s|1|false|SUBDOC_PATH_MISMATCH",
                "counter|a|0|false|SUBDOC_DELTA_EINVAL",
                "counter|a|1.5|false|SUBDOC_DELTA_EINVAL",
                "counter|a|x|false|SUBDOC_DELTA_EINVAL",
                "counter|a|99999999999999999999|false|SUBDOC_DELTA_EINVAL",
                "counter|a|9223372036854775807|false|SUBDOC_VALUE_CANTINSERT",
            })
    void mutationsSpliceTheDocumentOrGiveTheSpecificStatus(
            String op, String path, String value, boolean mkdirP, String expected) throws Exception {
        assertThat(run(op, path == null ? "" : path, value == null ? "" : value, mkdirP))
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '\'',
            value = {
                "1|false|0",
                "[[1]]|false|2",
                "{\"a\":[]}|false|2",
                "1,2|false|-1",
                "1,2|true|0",
                "'{'|false|-1",
                "''|true|-1",
                "' \t '|true|-1",
                "'[1],{}'|true|1"
            })
    void valueDepthCountsNestingAndRejectsWhatIsNotOneValue(String value, boolean multi, int depth) {
        assertThat(SubdocJson.valueDepth(b(value), multi)).isEqualTo(depth);
    }
}
