package io.kvfrontend.dispatch;

import io.kvfrontend.engine.spi.Status;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The macros of an xattr mutation with the ExpandMacros path flag, whose value is exactly one
 * quoted macro (as kv_engine requires): the JSON strings {@code "${Mutation.CAS}"}, {@code "${Mutation.seqno}"} and {@code "${Mutation.value_crc32c}"} become the
 * new revision's CAS, sequence number and body checksum, which exist only once the engine writes
 * it; {@code "${$document.<field>}"} (and {@code "${$document}"}) become the document's metadata as
 * read. Mutation macros are first replaced by placeholders unique to the command, and the
 * placeholders by their values under the document's lock ({@link #expand}).
 *
 * <p>Formats, as kv_engine writes them: the CAS as {@code "0x"} and 16 hex digits of its bytes in
 * little-endian order (which clients such as the transactions library read back reversed), the
 * seqno as {@code "0x"} and 16 hex digits, the checksum as {@code "0x"} and 8 hex digits.
 *
 * <p><b>Not thread-safe</b>: one per command, used on the event loop and then once under the lock.
 */
final class Macros {
    private static final String PREFIX = "\"${";
    private final String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    private boolean used;

    boolean used() {
        return used;
    }

    private String placeholder(String name) {
        return "\"kvf-macro-" + nonce + "-" + name + "\"";
    }

    /**
     * The value of a spec with ExpandMacros, which is exactly one quoted macro (the validator
     * checked): a mutation macro becomes its placeholder, a {@code ${$document...}} one its value as
     * read; an unknown one is the status that says so.
     */
    Object substitute(byte[] value, SubdocDocument doc, Command c) {
        String text = new String(value, StandardCharsets.UTF_8).trim();
        if (!text.startsWith(PREFIX) || !text.endsWith("}\"")) {
            return Status.SUBDOC_XATTR_UNKNOWN_MACRO;
        }
        String name = text.substring(PREFIX.length(), text.length() - 2);
        switch (name) {
            case "Mutation.CAS", "Mutation.seqno", "Mutation.value_crc32c" -> {
                used = true;
                return placeholder(name).getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                if (!name.equals("$document") && !name.startsWith("$document.")) {
                    return name.startsWith("$")
                            ? Status.SUBDOC_XATTR_UNKNOWN_VATTR_MACRO
                            : Status.SUBDOC_XATTR_UNKNOWN_MACRO;
                }
                if (doc.item == null) {
                    return Status.SUBDOC_XATTR_UNKNOWN_VATTR_MACRO; // no document to describe yet
                }
                byte[] v = vattr(doc, c, name);
                return v == null ? Status.SUBDOC_XATTR_UNKNOWN_VATTR_MACRO : v;
            }
        }
    }

    private static byte[] vattr(SubdocDocument doc, Command c, String name) {
        SubdocPath path;
        try {
            path = SubdocPath.parse(name.getBytes(StandardCharsets.UTF_8));
        } catch (SubdocPath.Invalid e) {
            return null;
        }
        byte[] json = doc.virtual(c.bucket(), path);
        SubdocLookup.Found f = SubdocLookup.find(json, path);
        return f.ok() ? SubdocLookup.bytes(json, f) : null;
    }

    /** The attributes with every placeholder replaced by its value for the revision being written. */
    Map<String, byte[]> expand(Map<String, byte[]> xattrs, byte[] body, long cas, long seqno) {
        String casText = "\"" + littleEndianHex(cas) + "\"";
        String seqnoText = "\"" + SubdocDocument.hex64(seqno) + "\"";
        String crcText = "\"" + SubdocDocument.crc32c(body) + "\"";
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
            String v = new String(e.getValue(), StandardCharsets.UTF_8);
            if (v.contains(nonce)) {
                v = v.replace(placeholder("Mutation.CAS"), casText)
                        .replace(placeholder("Mutation.seqno"), seqnoText)
                        .replace(placeholder("Mutation.value_crc32c"), crcText);
                out.put(e.getKey(), v.getBytes(StandardCharsets.UTF_8));
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** {@code 0x} and the 8 bytes of {@code v} from least to most significant, two hex digits each. */
    static String littleEndianHex(long v) {
        return SubdocDocument.hex64(Long.reverseBytes(v));
    }
}
