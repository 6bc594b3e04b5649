package io.herald.workspace;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Generating, hashing and comparing keys and secrets. */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** A new random secret: 32 bytes, URL-safe base64, with a readable prefix. */
    public static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * SHA-256 of a key, hex. Keys are 256 random bits, so a fast hash is enough: there is nothing to guess.
     */
    public static String hash(String key) {
        return HexFormat.of().formatHex(sha256().digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A fresh SHA-256 digest, cloned from one looked up once: every client request hashes its key, and the provider
     * look-up of {@code getInstance} cost more than hashing a key.
     */
    private static MessageDigest sha256() {
        try {
            return SHA256 != null ? (MessageDigest) SHA256.clone() : MessageDigest.getInstance("SHA-256");
        } catch (CloneNotSupportedException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Null when this JVM's SHA-256 cannot be cloned: then each hash looks one up. */
    private static final MessageDigest SHA256 = sha256Prototype();

    private static MessageDigest sha256Prototype() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.clone();
            return d;
        } catch (CloneNotSupportedException | NoSuchAlgorithmException e) {
            return null;
        }
    }

    /** Compares two secrets in time that does not depend on where they differ. */
    public static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null) return false;
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** Hex HMAC-SHA256: how SDKs prove a userId (identity verification). */
    public static String hmacSha256Hex(String key, String message) {
        Mac mac = KeyedMac.newMac(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * HMAC-SHA256 under one key, keyed once and cloned for each message: looking the algorithm up and keying it cost
     * more than the MAC of a short text, and some keys MAC every request (a userId's proof, a signed token).
     */
    public static final class KeyedMac {
        private final SecretKeySpec key;
        /** Null when the provider's MAC cannot be cloned: then each message keys a new one. */
        private final Mac keyed;

        public KeyedMac(byte[] key) {
            this.key = new SecretKeySpec(key, "HmacSHA256");
            Mac prototype = newMac(this.key);
            try {
                prototype.clone();
            } catch (CloneNotSupportedException e) {
                prototype = null;
            }
            this.keyed = prototype;
        }

        public byte[] mac(byte[] message) {
            Mac mac;
            try {
                mac = keyed != null ? (Mac) keyed.clone() : newMac(key);
            } catch (CloneNotSupportedException e) {
                mac = newMac(key);
            }
            return mac.doFinal(message);
        }

        /** The MAC of the message's UTF-8 bytes, lower-case hex. */
        public String hex(String message) {
            return HexFormat.of().formatHex(mac(message.getBytes(StandardCharsets.UTF_8)));
        }

        private static Mac newMac(SecretKeySpec key) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
            }
        }
    }
}
