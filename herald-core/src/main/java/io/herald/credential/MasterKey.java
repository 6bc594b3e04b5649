package io.herald.credential;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server's master key: 32 random bytes from {@code HERALD_SECRET_KEY} (base64) or from the file
 * {@code secret.key} in the data directory, generated there on first start. Every other secret Herald keeps is
 * derived from it or encrypted under it, so losing it loses the channel credentials stored with it.
 */
public final class MasterKey {
    public static final int BYTES = 32;
    public static final String FILE_NAME = "secret.key";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] key;

    private MasterKey(byte[] key) {
        this.key = key;
    }

    /** The master key is unusable: the message says which setting or file and what to do. */
    public static final class Unusable extends RuntimeException {
        public Unusable(String message) {
            super(message);
        }

        Unusable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A key from its base64 text (standard or URL-safe alphabet, padding optional), as in HERALD_SECRET_KEY. */
    public static MasterKey fromBase64(String text, String source) {
        byte[] bytes;
        try {
            String t = text.trim();
            bytes = t.indexOf('-') >= 0 || t.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(t)
                    : Base64.getDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            throw new Unusable(source + " must be the base64 encoding of " + BYTES + " random bytes (for example the "
                    + "output of `openssl rand -base64 32`); it is not valid base64");
        }
        if (bytes.length != BYTES) {
            throw new Unusable(source + " must be the base64 encoding of exactly " + BYTES + " bytes (for example the "
                    + "output of `openssl rand -base64 32`); it decodes to " + bytes.length + " bytes");
        }
        return new MasterKey(bytes);
    }

    /** A fresh random key (tests, and the first start without HERALD_SECRET_KEY). */
    public static MasterKey generate(SecureRandom random) {
        byte[] bytes = new byte[BYTES];
        random.nextBytes(bytes);
        return new MasterKey(bytes);
    }

    /**
     * The key in {@code dataDir/secret.key}, created there (owner-only, atomically) when absent. An existing file
     * readable or writable by others, or not holding a {@value #BYTES}-byte key, stops start-up: Herald must not
     * run on a key someone else may have read, nor replace a key the stored credentials need.
     */
    public static MasterKey loadOrCreate(Path dataDir, SecureRandom random) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) create(file, random);
            checkPermissions(file);
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            return fromBase64(text, "the master key file " + file);
        } catch (IOException e) {
            throw new Unusable("cannot read or create the master key file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a new key to a temporary file created owner-only, then links it into place: the link fails if another
     * process created the key meanwhile (whose key then wins), and nobody ever sees a half-written key file.
     */
    private static void create(Path file, SecureRandom random) throws IOException {
        MasterKey key = generate(random);
        boolean posix = Files.getFileAttributeView(file.getParent(), PosixFileAttributeView.class) != null;
        FileAttribute<?>[] attrs = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(file.getParent(), ".secret.key.", ".tmp", attrs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                out.write((Base64.getEncoder().encodeToString(key.key) + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                ch.force(true);
            }
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                // another Herald on the same data directory got there first: use its key
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void checkPermissions(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) return; // not a POSIX file system: nothing to check
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        Set<PosixFilePermission> extra = new java.util.HashSet<>(perms);
        extra.removeAll(OWNER_ONLY);
        if (!extra.isEmpty()) {
            throw new Unusable("the master key file " + file + " is accessible to others (permissions "
                    + PosixFilePermissions.toString(perms) + "); restrict it with `chmod 600 " + file + "` and "
                    + "consider the key exposed if others could read it");
        }
    }

    /**
     * A key for one purpose, derived from the master key (HMAC-SHA256 keyed by the master key over the purpose,
     * as HKDF-Expand does for one block): a key leaked from one use tells nothing about the master key or another use.
     */
    public byte[] derive(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(("herald/" + purpose).getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 1);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable in this JVM", e);
        }
    }

    /** The key's base64 text (what HERALD_SECRET_KEY would hold). */
    public String toBase64() {
        return Base64.getEncoder().encodeToString(key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MasterKey other && java.security.MessageDigest.isEqual(key, other.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return "MasterKey(••••)";
    }
}
