package io.herald.credential;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals a workspace's channel credentials with AES-256-GCM under a key derived from the master key. Each seal uses a
 * fresh random 96-bit nonce; the workspace id and channel are the additional authenticated data, so a ciphertext
 * copied to another workspace's or channel's row does not open.
 *
 * <p>Stored form: {@code v1.} + base64url(nonce ‖ ciphertext ‖ tag). The version prefix leaves room for key rotation.
 */
final class Vault {
    private static final String PREFIX = "v1.";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random;

    Vault(MasterKey master, SecureRandom random) {
        this.key = new SecretKeySpec(master.derive("channel-credentials/aes-256-gcm"), "AES");
        this.random = random;
    }

    /** The stored ciphertext cannot be opened: another master key, a moved or damaged row. */
    static final class Unreadable extends Exception {
        Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    String seal(String workspaceId, String channel, byte[] plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(workspaceId, channel));
            byte[] sealed = c.doFinal(plaintext);
            ByteBuffer out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed);
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    byte[] open(String workspaceId, String channel, String stored) throws Unreadable {
        if (stored == null || !stored.startsWith(PREFIX)) throw new Unreadable("not a sealed value of this version", null);
        byte[] all;
        try {
            all = Base64.getUrlDecoder().decode(stored.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new Unreadable("the sealed value is not base64url", e);
        }
        if (all.length < NONCE_BYTES + TAG_BITS / 8) throw new Unreadable("the sealed value is truncated", null);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            c.updateAAD(aad(workspaceId, channel));
            return c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new Unreadable("authentication failed: sealed under another master key, or for another workspace "
                    + "or channel", e);
        } catch (GeneralSecurityException e) {
            throw new Unreadable("cannot open: " + e.getMessage(), e);
        }
    }

    /** Length-prefixed, so ("ab", "c") and ("a", "bc") bind differently. */
    private static byte[] aad(String workspaceId, String channel) {
        byte[] w = workspaceId.getBytes(StandardCharsets.UTF_8);
        byte[] ch = channel.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + w.length + ch.length).putInt(w.length).put(w).putInt(ch.length).put(ch).array();
    }
}
