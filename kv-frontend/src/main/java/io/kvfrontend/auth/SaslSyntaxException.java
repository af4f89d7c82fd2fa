package io.kvfrontend.auth;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;

/**
 * A client message that does not parse; becomes an INVALID outcome (Einval) with this message as
 * the reason. The message describes the syntax problem only and never quotes secrets.
 * Carries no stack trace: it is a routine answer to a bad client, not a bug.
 */
final class SaslSyntaxException extends Exception {
    SaslSyntaxException(String message) {
        super(message, null, false, false);
    }

    /** Strict UTF-8: a lossy decode would change the bytes the SCRAM AuthMessage is computed over. */
    static String utf8(byte[] bytes, int offset, int length, String what) throws SaslSyntaxException {
        try {
            return UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SaslSyntaxException(what + " is not valid UTF-8");
        }
    }

    static String utf8(byte[] bytes, String what) throws SaslSyntaxException {
        return utf8(bytes, 0, bytes.length, what);
    }
}
