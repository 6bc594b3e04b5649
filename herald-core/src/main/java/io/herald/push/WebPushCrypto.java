package io.herald.push;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Web Push message encryption ({@code aes128gcm}, RFC 8291 over RFC 8188) with the JDK alone, and the P-256 key
 * encodings Web Push uses (uncompressed points, raw 32-byte scalars, base64url).
 *
 * <p>How a message is sealed for one subscription (the browser's key {@code ua_public} and its 16-byte {@code auth}
 * secret): a fresh ephemeral P-256 pair {@code as} and a fresh 16-byte salt; {@code ecdh = ECDH(as_private,
 * ua_public)}; {@code PRK_key = HMAC(auth, ecdh)}, {@code IKM = HMAC(PRK_key, "WebPush: info\0" ‖ ua_public ‖
 * as_public ‖ 0x01)} (HKDF with the auth secret as salt); {@code PRK = HMAC(salt, IKM)}; the content key is the first
 * 16 bytes of {@code HMAC(PRK, "Content-Encoding: aes128gcm\0" ‖ 0x01)}, the nonce the first 12 of {@code HMAC(PRK,
 * "Content-Encoding: nonce\0" ‖ 0x01)}. The body is the RFC 8188 header (salt, record size 4096, key id = as_public)
 * and one AES-128-GCM record of the plaintext followed by the last-record delimiter 0x02, unpadded beyond it.
 */
public final class WebPushCrypto {
    /** The body a push service must accept (RFC 8291 §4), header included. */
    public static final int MAX_BODY = 4096;
    /** The RFC 8188 header: salt (16) ‖ record size (4) ‖ key id length (1) ‖ as_public (65). */
    public static final int HEADER = 86;
    /** The most plaintext one message carries: the 4096-byte body less the header, the delimiter and the GCM tag. */
    public static final int MAX_PLAINTEXT = MAX_BODY - HEADER - 1 - 16;

    private static final byte[] WEBPUSH_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII);
    private static final ECParameterSpec P256 = p256();
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebPushCrypto() {
    }

    /** The keys one message is sealed with; each step of the derivation is kept so a test can check it. */
    record Derived(byte[] ecdhSecret, byte[] prkKey, byte[] ikm, byte[] prk, byte[] cek, byte[] nonce) {
    }

    /** Seals {@code plaintext} for the subscription with a fresh ephemeral key pair and salt. */
    public static byte[] encrypt(byte[] plaintext, byte[] uaPublic, byte[] authSecret) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return encrypt(plaintext, uaPublic, authSecret, generate(), salt);
    }

    /** Seals {@code plaintext} with the given ephemeral pair and salt (for reproducing RFC 8291's worked example). */
    public static byte[] encrypt(byte[] plaintext, byte[] uaPublic, byte[] authSecret, KeyPair ephemeral, byte[] salt) {
        if (plaintext.length > MAX_PLAINTEXT) {
            throw new IllegalArgumentException("a web push plaintext is at most " + MAX_PLAINTEXT + " bytes, not "
                    + plaintext.length);
        }
        if (salt.length != 16) throw new IllegalArgumentException("the salt must be 16 bytes");
        byte[] asPublic = point((ECPublicKey) ephemeral.getPublic());
        Derived k = derive(uaPublic, authSecret, (ECPrivateKey) ephemeral.getPrivate(), asPublic, salt);
        byte[] record = Arrays.copyOf(plaintext, plaintext.length + 1);
        record[plaintext.length] = 2; // the only (so last) record's delimiter, no further padding
        byte[] sealed;
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k.cek(), "AES"), new GCMParameterSpec(128, k.nonce()));
            sealed = gcm.doFinal(record);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-GCM is unavailable in this JVM", e);
        }
        return ByteBuffer.allocate(HEADER + sealed.length).put(salt).putInt(MAX_BODY).put((byte) asPublic.length)
                .put(asPublic).put(sealed).array();
    }

    /** RFC 8291's key derivation for one message. */
    static Derived derive(byte[] uaPublic, byte[] authSecret, ECPrivateKey asPrivate, byte[] asPublic, byte[] salt) {
        if (authSecret.length != 16) throw new IllegalArgumentException("the auth secret must be 16 bytes");
        byte[] ecdh;
        try {
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(asPrivate);
            ka.doPhase(publicKey(uaPublic), true);
            ecdh = ka.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the subscription's p256dh key is not usable: " + e.getMessage(), e);
        }
        byte[] prkKey = hmac(authSecret, ecdh);
        byte[] ikm = hmac(prkKey, WEBPUSH_INFO, uaPublic, asPublic, new byte[] {1});
        byte[] prk = hmac(salt, ikm);
        byte[] cek = Arrays.copyOf(hmac(prk, CEK_INFO, new byte[] {1}), 16);
        byte[] nonce = Arrays.copyOf(hmac(prk, NONCE_INFO, new byte[] {1}), 12);
        return new Derived(ecdh, prkKey, ikm, prk, cek, nonce);
    }

    static byte[] hmac(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] p : parts) mac.update(p);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    /** A fresh P-256 key pair. */
    public static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is unavailable in this JVM", e);
        }
    }

    /** The uncompressed point (0x04 ‖ x ‖ y, 65 bytes) of a P-256 public key. */
    public static byte[] point(ECPublicKey key) {
        byte[] out = new byte[65];
        out[0] = 4;
        System.arraycopy(fixed32(key.getW().getAffineX()), 0, out, 1, 32);
        System.arraycopy(fixed32(key.getW().getAffineY()), 0, out, 33, 32);
        return out;
    }

    /** The P-256 public key of an uncompressed point; refuses a point that is not on the curve. */
    public static ECPublicKey publicKey(byte[] point) {
        if (point.length != 65 || point[0] != 4) {
            throw new IllegalArgumentException("a P-256 public key is an uncompressed point of 65 bytes starting 0x04");
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(point, 1, 33));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(point, 33, 65));
        // The JDK does not check curve membership when building a key; an off-curve point invites invalid-curve
        // attacks on ECDH, so check y² = x³ + ax + b (mod p) here.
        BigInteger p = ((java.security.spec.ECFieldFp) P256.getCurve().getField()).getP();
        BigInteger a = P256.getCurve().getA();
        BigInteger b = P256.getCurve().getB();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0
                || !y.modPow(BigInteger.TWO, p).equals(x.pow(3).add(a.multiply(x)).add(b).mod(p))) {
            throw new IllegalArgumentException("the point is not on the P-256 curve");
        }
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 public key: " + e.getMessage(), e);
        }
    }

    /** The P-256 private key of a raw 32-byte scalar. */
    public static ECPrivateKey privateKey(byte[] scalar) {
        try {
            return (ECPrivateKey) KeyFactory.getInstance("EC")
                    .generatePrivate(new ECPrivateKeySpec(new BigInteger(1, scalar), P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 private key: " + e.getMessage(), e);
        }
    }

    /** The raw 32-byte scalar of a P-256 private key. */
    public static byte[] scalar(ECPrivateKey key) {
        return fixed32(key.getS());
    }

    static byte[] fixed32(BigInteger n) {
        byte[] b = n.toByteArray();
        if (b.length == 32) return b;
        if (b.length > 32) return Arrays.copyOfRange(b, b.length - 32, b.length);
        byte[] out = new byte[32];
        System.arraycopy(b, 0, out, 32 - b.length, b.length);
        return out;
    }

    public static String base64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Decodes base64url with or without padding (browsers' PushSubscription keys come without). */
    public static byte[] fromBase64url(String text) {
        return Base64.getUrlDecoder().decode(text.trim().replace("=", ""));
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is unavailable in this JVM", e);
        }
    }
}
