package io.kvfrontend.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads the PEM files of the TLS settings with the JDK alone, so that each problem is reported
 * against the setting that causes it: a certificate file that is missing or holds no certificate
 * names {@code tls-cert}; a key file that is missing, holds no key or an unsupported kind of key
 * names {@code tls-key}; an encrypted key without a password, or with the wrong one, names
 * {@code tls-key-password}.
 *
 * <p>Keys are PKCS#8 ({@code BEGIN PRIVATE KEY}), or encrypted PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE
 * KEY}, PBES1 or PBES2 as {@code openssl pkcs8 -topk8} writes them) — what {@code openssl req
 * -newkey} and {@code openssl genpkey} write. Traditional PKCS#1/SEC1 keys ({@code BEGIN RSA PRIVATE
 * KEY}) are refused with the command that converts them.
 *
 * <p><b>Immutable</b> (static helpers only).
 */
public final class PemFiles {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----", Pattern.DOTALL);
    /** Key algorithms tried on a PKCS#8 key, most common first. */
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA", "XDH"};

    private PemFiles() {}

    /** One PEM block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) and decoded bytes. */
    record Block(String label, byte[] der) {}

    /**
     * The certificate chain in {@code file}, leaf first.
     *
     * @throws TlsSetupException naming {@code tls-cert}
     */
    public static List<X509Certificate> certificates(String file) {
        String key = "tls-cert";
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        for (Block b : blocks(key, file)) {
            if (!b.label.equals("CERTIFICATE")
                    && !b.label.equals("X509 CERTIFICATE")
                    && !b.label.equals("TRUSTED CERTIFICATE")) {
                continue;
            }
            try {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der)));
            } catch (CertificateException e) {
                throw new TlsSetupException(
                        key, file + ": certificate " + (chain.size() + 1) + " does not parse: " + e.getMessage());
            }
        }
        if (chain.isEmpty()) {
            throw new TlsSetupException(key, file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return chain;
    }

    /**
     * The private key in {@code file}, decrypted with {@code password} if it is encrypted.
     *
     * @param password {@code null} when none is configured
     * @throws TlsSetupException naming {@code tls-key} or {@code tls-key-password}
     */
    public static PrivateKey privateKey(String file, String password) {
        String key = "tls-key";
        for (Block b : blocks(key, file)) {
            switch (b.label) {
                case "PRIVATE KEY" -> {
                    if (password != null) {
                        throw new TlsSetupException(
                                "tls-key-password", "is set but tls-key " + file + " is not encrypted");
                    }
                    return pkcs8(file, b.der);
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    if (password == null) {
                        throw new TlsSetupException(
                                "tls-key-password", "is required: tls-key " + file + " is encrypted");
                    }
                    return pkcs8(file, decrypt(file, b.der, password));
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY" ->
                    throw new TlsSetupException(
                            key,
                            file
                                    + " holds a traditional '" + b.label
                                    + "' (PKCS#1/SEC1); convert it to PKCS#8 with: openssl "
                                    + "pkcs8 -topk8 -nocrypt -in " + file + " -out key-pkcs8.pem");
                default -> {
                    // certificates or parameters in the same file: look further
                }
            }
        }
        throw new TlsSetupException(key, file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    private static PrivateKey pkcs8(String file, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this algorithm; try the next
            }
        }
        throw new TlsSetupException(
                "tls-key",
                file + " holds a private key that does not parse (not an RSA, EC, " + "EdDSA or DSA key in PKCS#8)");
    }

    private static byte[] decrypt(String file, byte[] der, String password) {
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(der);
        } catch (IOException e) {
            throw new TlsSetupException(
                    "tls-key", file + " holds an encrypted key that does not parse: " + e.getMessage());
        }
        // PBES2 keys (openssl's default) name their real algorithm only in the parameters.
        AlgorithmParameters params = info.getAlgParameters();
        String algorithm = info.getAlgName();
        if ("PBES2".equals(algorithm) || "1.2.840.113549.1.5.13".equals(algorithm)) {
            algorithm = params == null ? algorithm : params.toString();
        }
        try {
            SecretKey secret =
                    SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(password.toCharArray()));
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, secret, params);
            return info.getKeySpec(cipher).getEncoded();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new TlsSetupException(
                    "tls-key",
                    file + " is encrypted with " + algorithm + ", which this JDK "
                            + "cannot decrypt; re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in " + file);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("tls-key-password", "does not decrypt tls-key " + file);
        }
    }

    /** The PEM blocks of a file, in order. */
    static List<Block> blocks(String key, String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new TlsSetupException(key, "no such file: " + file);
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new TlsSetupException(key, "cannot read " + file + ": " + e.getMessage());
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            if (body.contains(":")) {
                // Legacy OpenSSL encryption headers (Proc-Type, DEK-Info) inside the block.
                throw new TlsSetupException(
                        key,
                        file + " holds a '" + m.group(1) + "' with legacy OpenSSL "
                                + "encryption headers; convert it to PKCS#8 with: openssl pkcs8 -topk8 -in " + file);
            }
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new TlsSetupException(key, file + ": the '" + m.group(1) + "' block is not valid base64");
            }
        }
        return out;
    }
}
