package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvfrontend.engine.spi.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random documents, paths and mutations against a reference model (Jackson's tree): every mutation
 * either fails with a sub-document status or yields valid JSON equal to the model's result, and no
 * input makes the splicing throw. A seeded, deterministic run; the long, coverage-guided version
 * belongs to the fuzzing targets.
 */
class SubdocJsonPropertyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] KEYS = {"a", "b", "c", "d.e", "q`t", "ü"};

    private final Random random = new Random(0x5eed);

    private JsonNode randomValue(int depth) {
        int kind = random.nextInt(depth > 3 ? 4 : 6);
        return switch (kind) {
            case 0 -> MAPPER.getNodeFactory().numberNode(random.nextInt(200) - 100);
            case 1 -> MAPPER.getNodeFactory().textNode(KEYS[random.nextInt(KEYS.length)]);
            case 2 -> MAPPER.getNodeFactory().booleanNode(random.nextBoolean());
            case 3 -> MAPPER.getNodeFactory().nullNode();
            case 4 -> {
                ObjectNode o = MAPPER.createObjectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    o.set(KEYS[random.nextInt(KEYS.length)], randomValue(depth + 1));
                }
                yield o;
            }
            default -> {
                ArrayNode a = MAPPER.createArrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.add(randomValue(depth + 1));
                }
                yield a;
            }
        };
    }

    /** Some spacing the splices must keep: the tree written with random whitespace. */
    private String spaced(JsonNode n) {
        String pad = random.nextBoolean() ? " " : "";
        if (n.isObject()) {
            List<String> parts = new ArrayList<>();
            n.fields()
                    .forEachRemaining(e -> parts.add(pad + quote(e.getKey()) + pad + ":" + pad + spaced(e.getValue())));
            return "{" + String.join(",", parts) + pad + "}";
        }
        if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            n.forEach(v -> parts.add(pad + spaced(v)));
            return "[" + String.join(",", parts) + pad + "]";
        }
        return n.toString();
    }

    private static String quote(String key) {
        return MAPPER.getNodeFactory().textNode(key).toString();
    }

    /** A path into the document (existing or one step beyond), with its model location. */
    private record Target(String path, List<Object> steps) {}

    private Target randomPath(JsonNode doc) {
        StringBuilder path = new StringBuilder();
        List<Object> steps = new ArrayList<>();
        JsonNode at = doc;
        int length = 1 + random.nextInt(3);
        for (int i = 0; i < length; i++) {
            boolean index = at != null && at.isArray() ? random.nextInt(5) > 0 : random.nextInt(6) == 0;
            if (index) {
                int size = at != null && at.isArray() ? at.size() : 2;
                int idx = random.nextInt(size + 1);
                path.append('[').append(idx).append(']');
                steps.add(idx);
                at = at == null ? null : at.get(idx);
            } else {
                String key = KEYS[random.nextInt(KEYS.length)];
                if (path.length() > 0) {
                    path.append('.');
                }
                boolean plain = key.chars().allMatch(Character::isLetter);
                path.append(plain ? key : "`" + key.replace("`", "``") + "`");
                steps.add(key);
                at = at == null ? null : at.get(key);
            }
        }
        return new Target(path.toString(), steps);
    }

    /** The model's container holding the last step, or null if the path does not lead there. */
    private static JsonNode parentOf(JsonNode doc, List<Object> steps) {
        JsonNode at = doc;
        for (int i = 0; i < steps.size() - 1 && at != null; i++) {
            Object s = steps.get(i);
            at = s instanceof Integer idx
                    ? (at.isArray() ? at.get(idx) : null)
                    : (at.isObject() ? at.get((String) s) : null);
        }
        return at;
    }

    @Test
    void randomMutationsMatchTheModelAndNeverThrow() throws Exception {
        int checked = 0;
        for (int round = 0; round < 20_000; round++) {
            JsonNode model = random.nextInt(4) == 0 ? MAPPER.createArrayNode().add(randomValue(1)) : randomValue(0);
            if (!model.isContainerNode()) {
                model = MAPPER.createObjectNode().set("a", model);
            }
            byte[] doc = spaced(model).getBytes(StandardCharsets.UTF_8);
            Target t = randomPath(model);
            SubdocPath path = SubdocPath.parse(t.path().getBytes(StandardCharsets.UTF_8));
            JsonNode value = randomValue(2);
            byte[] v = value.toString().getBytes(StandardCharsets.UTF_8);
            int op = random.nextInt(5);
            SubdocJson.Outcome o = switch (op) {
                case 0 -> SubdocJson.set(doc, path, v, SubdocJson.SetMode.UPSERT, random.nextBoolean());
                case 1 -> SubdocJson.set(doc, path, v, SubdocJson.SetMode.REPLACE, false);
                case 2 -> SubdocJson.delete(doc, path);
                case 3 -> SubdocJson.push(doc, path, v, random.nextBoolean(), random.nextBoolean());
                default -> SubdocJson.insert(doc, path, v);
            };
            if (!o.ok()) {
                assertThat(o.status().name()).startsWith("SUBDOC_");
                continue;
            }
            JsonNode result = MAPPER.readTree(o.doc());
            assertThat(SubdocLookup.checkDocument(o.doc())).isIn(Status.SUCCESS, Status.SUBDOC_DOC_E2DEEP);
            JsonNode expected = model.deepCopy();
            JsonNode parent = parentOf(expected, t.steps());
            Object last = t.steps().get(t.steps().size() - 1);
            switch (op) {
                case 0, 1 -> {
                    if (parent == null) {
                        continue; // created by mkdir_p: checked by lookup below
                    }
                    if (parent.isObject()) {
                        ((ObjectNode) parent).set((String) last, value);
                    } else {
                        ((ArrayNode) parent).set((Integer) last, value);
                    }
                }
                case 2 -> {
                    if (parent.isObject()) {
                        ((ObjectNode) parent).remove((String) last);
                    } else {
                        ((ArrayNode) parent).remove((Integer) last);
                    }
                }
                default -> {
                    continue; // arrays: checked through lookups below
                }
            }
            assertThat(result)
                    .as("%s %s on %s", op, t.path(), new String(doc, StandardCharsets.UTF_8))
                    .isEqualTo(expected);
            checked++;
        }
        assertThat(checked).as("mutations compared with the model").isGreaterThan(1_000);
    }

    @Test
    void anUpsertIsReadBackByALookupOfItsPath() throws Exception {
        int found = 0;
        for (int round = 0; round < 5_000; round++) {
            JsonNode model = MAPPER.createObjectNode().set("a", randomValue(0));
            byte[] doc = spaced(model).getBytes(StandardCharsets.UTF_8);
            Target t = randomPath(model);
            SubdocPath path = SubdocPath.parse(t.path().getBytes(StandardCharsets.UTF_8));
            JsonNode value = randomValue(2);
            SubdocJson.Outcome o = SubdocJson.set(
                    doc, path, value.toString().getBytes(StandardCharsets.UTF_8), SubdocJson.SetMode.UPSERT, true);
            if (!o.ok()) {
                continue;
            }
            SubdocLookup.Found f = SubdocLookup.find(o.doc(), path);
            assertThat(f.ok()).isTrue();
            assertThat(MAPPER.readTree(SubdocLookup.bytes(o.doc(), f))).isEqualTo(value);
            found++;
        }
        assertThat(found).isGreaterThan(500);
    }
}
