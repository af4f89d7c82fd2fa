package io.kvfrontend.dispatch;

import io.kvfrontend.engine.spi.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * A sub-document path as kv_engine parses it: dictionary keys separated by {@code .}, array
 * indexes in brackets ({@code [0]}, and {@code [-1]} for the last element), keys with special
 * characters in backticks (a doubled backtick inside stands for one). At most {@link #MAX_LENGTH}
 * bytes and {@link #MAX_COMPONENTS} components ({@code SubdocPathE2big} beyond); anything else
 * malformed is {@code SubdocPathEinval}. The empty path is the whole document.
 *
 * <p><b>Immutable.</b>
 *
 * @param components the keys and indexes, outermost first
 */
record SubdocPath(List<Component> components) {
    static final int MAX_LENGTH = 1024;
    static final int MAX_COMPONENTS = 32;

    /** A key ({@code index} unused) or an array index ({@code key} null; -1 = last). */
    record Component(String key, int index) {
        boolean isIndex() {
            return key == null;
        }
    }

    /** A path that cannot be parsed, and the status that says why. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final Status status;

        Invalid(Status status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    SubdocPath {
        components = List.copyOf(components);
    }

    static SubdocPath parse(byte[] utf8) throws Invalid {
        if (utf8.length > MAX_LENGTH) {
            throw new Invalid(Status.SUBDOC_PATH_E2BIG, "Path is longer than " + MAX_LENGTH + " bytes");
        }
        String p;
        try {
            p = java.nio.charset.StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(utf8))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new Invalid(Status.SUBDOC_PATH_EINVAL, "Path is not valid UTF-8");
        }
        List<Component> out = new ArrayList<>();
        int i = 0;
        int n = p.length();
        boolean expectKey = true; // at the start or after a '.'
        while (i < n) {
            char ch = p.charAt(i);
            if (ch == '[') {
                int close = p.indexOf(']', i);
                if (close < 0 || (expectKey && i != 0)) {
                    throw invalid(p); // unclosed, or "a.[0]"
                }
                String num = p.substring(i + 1, close);
                int index;
                if (num.equals("-1")) {
                    index = -1;
                } else if (!num.isEmpty() && num.chars().allMatch(Character::isDigit) && num.length() <= 9) {
                    index = Integer.parseInt(num);
                } else {
                    throw invalid(p);
                }
                out.add(new Component(null, index));
                i = close + 1;
                expectKey = false;
            } else if (ch == '.') {
                if (expectKey) {
                    throw invalid(p); // leading or doubled dot
                }
                expectKey = true;
                i++;
                if (i == n) {
                    throw invalid(p); // trailing dot
                }
            } else {
                if (!expectKey) {
                    throw invalid(p); // "a[0]b"
                }
                StringBuilder key = new StringBuilder();
                if (ch == '`') {
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char c = p.charAt(i);
                        if (c == '`') {
                            if (i + 1 < n && p.charAt(i + 1) == '`') {
                                key.append('`');
                                i += 2;
                                continue;
                            }
                            closed = true;
                            i++;
                            break;
                        }
                        key.append(c);
                        i++;
                    }
                    if (!closed) {
                        throw invalid(p);
                    }
                } else {
                    while (i < n && p.charAt(i) != '.' && p.charAt(i) != '[') {
                        char c = p.charAt(i);
                        if (c == ']' || c == '`') {
                            throw invalid(p);
                        }
                        key.append(c);
                        i++;
                    }
                }
                if (key.length() == 0) {
                    throw invalid(p);
                }
                out.add(new Component(key.toString(), 0));
                expectKey = false;
            }
            if (out.size() > MAX_COMPONENTS) {
                throw new Invalid(Status.SUBDOC_PATH_E2BIG, "Path has more than " + MAX_COMPONENTS + " components");
            }
        }
        return new SubdocPath(out);
    }

    private static Invalid invalid(String path) {
        return new Invalid(Status.SUBDOC_PATH_EINVAL, "Invalid path: " + path);
    }

    /** This path with component {@code at} replaced by index {@code index}. */
    SubdocPath withIndex(int at, int index) {
        List<Component> c = new ArrayList<>(components);
        c.set(at, new Component(null, index));
        return new SubdocPath(c);
    }
}
