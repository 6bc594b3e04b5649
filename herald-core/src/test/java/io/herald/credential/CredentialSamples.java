package io.herald.credential;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/** Real (freshly generated) provider credentials for tests: an APNs .p8 key, an FCM service account, VAPID keys. */
public final class CredentialSamples {
    private CredentialSamples() {
    }

    public static String pem(byte[] pkcs8) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** An APNs auth key (.p8): a PKCS#8 EC P-256 private key in PEM. */
    public static String apnsAuthKey() {
        return pem(ec().getPrivate().getEncoded());
    }

    public static String rsaPem() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return pem(g.generateKeyPair().getPrivate().getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A service account JSON object's text, with the given token_uri. */
    public static String serviceAccount(String tokenUri) {
        return "{\"type\":\"service_account\",\"project_id\":\"herald-test\",\"private_key_id\":\"abc\","
                + "\"private_key\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(rsaPem()) + ","
                + "\"client_email\":\"push@herald-test.iam.gserviceaccount.com\",\"token_uri\":\"" + tokenUri + "\"}";
    }

    /** A VAPID key pair as {publicKey, privateKey}, base64url without padding. */
    public static String[] vapid() {
        KeyPair kp = ec();
        ECPublicKey pub = (ECPublicKey) kp.getPublic();
        byte[] point = new byte[65];
        point[0] = 4;
        System.arraycopy(fixed(pub.getW().getAffineX()), 0, point, 1, 32);
        System.arraycopy(fixed(pub.getW().getAffineY()), 0, point, 33, 32);
        byte[] scalar = fixed(((ECPrivateKey) kp.getPrivate()).getS());
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        return new String[] {enc.encodeToString(point), enc.encodeToString(scalar)};
    }

    private static byte[] fixed(BigInteger n) {
        byte[] b = n.toByteArray();
        if (b.length == 32) return b;
        if (b.length > 32) return Arrays.copyOfRange(b, b.length - 32, b.length);
        byte[] out = new byte[32];
        System.arraycopy(b, 0, out, 32 - b.length, b.length);
        return out;
    }

    private static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
