package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvfrontend.engine.spi.Status;
import java.io.IOException;

/**
 * Coverage-guided fuzzing of sub-document paths, lookups and mutations on arbitrary documents: a
 * path either parses or fails with a sub-document status; a lookup of a parsed path in a JSON
 * document answers a JSON value or a status; a mutation answers a status or a document that is
 * still exactly one JSON value. Nothing throws.
 */
class SubdocFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void pathsLookupsAndMutationsOnAnyDocument(FuzzedDataProvider data) throws IOException {
        int op = data.consumeInt(0, 8);
        boolean mkdirP = data.consumeBoolean();
        byte[] path = data.consumeBytes(data.consumeInt(0, 80));
        byte[] value = data.consumeBytes(data.consumeInt(0, 80));
        byte[] doc = data.consumeRemainingAsBytes();
        SubdocPath parsed;
        try {
            parsed = SubdocPath.parse(path);
        } catch (SubdocPath.Invalid e) {
            assertThat(e.status.name()).startsWith("SUBDOC_");
            return;
        }
        if (SubdocLookup.checkDocument(doc) != Status.SUCCESS) {
            return;
        }
        SubdocLookup.Found f = SubdocLookup.find(doc, parsed);
        if (f.ok()) {
            assertThat(JsonDetector.isJson(SubdocLookup.bytes(doc, f))).isTrue();
            SubdocLookup.count(doc, f);
        } else {
            assertThat(f.status().name()).startsWith("SUBDOC_");
        }
        boolean multi = op == 3 || op == 4 || op == 5;
        if (op != 2 && op != 7 && SubdocJson.valueDepth(value, multi) < 0) {
            return; // the executor refuses such a value (ValueCantinsert) before splicing
        }
        SubdocJson.Outcome o = switch (op) {
            case 0 -> SubdocJson.set(doc, parsed, value, SubdocJson.SetMode.ADD, mkdirP);
            case 1 -> SubdocJson.set(doc, parsed, value, SubdocJson.SetMode.UPSERT, mkdirP);
            case 2 -> SubdocJson.delete(doc, parsed);
            case 3 -> SubdocJson.push(doc, parsed, value, false, mkdirP);
            case 4 -> SubdocJson.push(doc, parsed, value, true, mkdirP);
            case 5 -> SubdocJson.insert(doc, parsed, value);
            case 6 -> SubdocJson.addUnique(doc, parsed, value, mkdirP);
            case 7 -> SubdocJson.counter(doc, parsed, value, mkdirP);
            default -> SubdocJson.set(doc, parsed, value, SubdocJson.SetMode.REPLACE, false);
        };
        if (o.ok()) {
            assertThat(JsonDetector.isJson(o.doc())).as("still one JSON value").isTrue();
        } else {
            assertThat(o.status().name()).startsWith("SUBDOC_");
        }
    }

    @FuzzTest(maxDuration = "10s")
    void rangeScanCreateJsonIsParsedOrRefused(FuzzedDataProvider data) {
        boolean xattr = data.consumeBoolean();
        try {
            ScanExecutors.parse(data.consumeRemainingAsBytes(), xattr);
        } catch (ScanExecutors.Invalid e) {
            assertThat(e.status).isNotNull();
        }
    }
}
