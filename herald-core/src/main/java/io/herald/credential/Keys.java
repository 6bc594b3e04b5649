package io.herald.credential;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/** Parsing the keys providers hand out (PEM PKCS#8 files, VAPID keys), with the JDK alone. */
final class Keys {
    private Keys() {
    }

    /** A PEM {@code PRIVATE KEY} (PKCS#8) of the given algorithm (EC for APNs .p8, RSA for FCM), or empty. */
    static Optional<PrivateKey> pkcs8(String pem, String algorithm) {
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) return Optional.empty();
        String body = pem.substring(b + begin.length(), e).replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(body);
            return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)));
        } catch (IllegalArgumentException | GeneralSecurityException ex) {
            return Optional.empty();
        }
    }

    /** The P-256 curve's parameters. */
    static ECParameterSpec p256() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is unavailable in this JVM", e);
        }
    }

    /** A VAPID public key: an uncompressed P-256 point (65 bytes, 0x04 ‖ x ‖ y), base64url; or empty. */
    static Optional<PublicKey> vapidPublic(String base64url) {
        byte[] raw = decodeUrl(base64url);
        if (raw == null || raw.length != 65 || raw[0] != 4) return Optional.empty();
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(raw, 1, 33));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(raw, 33, 65));
        // The JDK builds a key from any coordinates; a point off the curve is no public key at all.
        ECParameterSpec curve = p256();
        BigInteger p = ((java.security.spec.ECFieldFp) curve.getCurve().getField()).getP();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0 || !y.modPow(BigInteger.TWO, p)
                .equals(x.pow(3).add(curve.getCurve().getA().multiply(x)).add(curve.getCurve().getB()).mod(p))) {
            return Optional.empty();
        }
        try {
            ECPoint w = new ECPoint(x, y);
            return Optional.of(KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, p256())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A VAPID private key: the 32-byte P-256 scalar, base64url; or empty. */
    static Optional<PrivateKey> vapidPrivate(String base64url) {
        byte[] raw = decodeUrl(base64url);
        if (raw == null || raw.length != 32) return Optional.empty();
        BigInteger s = new BigInteger(1, raw);
        ECParameterSpec curve = p256();
        if (s.signum() == 0 || s.compareTo(curve.getOrder()) >= 0) return Optional.empty();
        try {
            return Optional.of(KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(s, curve)));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    /** Whether a signature made with {@code priv} verifies under {@code pub}: the two halves of one key pair. */
    static boolean pair(PrivateKey priv, PublicKey pub) {
        try {
            byte[] probe = "herald vapid key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(priv);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A fresh VAPID key pair as {publicKey, privateKey}: the uncompressed point and the scalar, base64url. */
    static String[] newVapidPair() {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new java.security.SecureRandom());
            java.security.KeyPair kp = g.generateKeyPair();
            ECPoint w = ((java.security.interfaces.ECPublicKey) kp.getPublic()).getW();
            byte[] point = new byte[65];
            point[0] = 4;
            System.arraycopy(fixed32(w.getAffineX()), 0, point, 1, 32);
            System.arraycopy(fixed32(w.getAffineY()), 0, point, 33, 32);
            byte[] scalar = fixed32(((java.security.interfaces.ECPrivateKey) kp.getPrivate()).getS());
            Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
            return new String[] {enc.encodeToString(point), enc.encodeToString(scalar)};
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is unavailable in this JVM", e);
        }
    }

    private static byte[] fixed32(BigInteger n) {
        byte[] b = n.toByteArray();
        if (b.length == 32) return b;
        if (b.length > 32) return Arrays.copyOfRange(b, b.length - 32, b.length);
        byte[] out = new byte[32];
        System.arraycopy(b, 0, out, 32 - b.length, b.length);
        return out;
    }

    private static byte[] decodeUrl(String text) {
        try {
            return Base64.getUrlDecoder().decode(text.trim().replace("=", ""));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
