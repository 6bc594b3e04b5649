package io.herald.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.push.Vapid;
import io.herald.push.WebPushCrypto;
import io.herald.push.WebPushProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one web push costs Herald's CPU before the HTTP request: {@code message} is the provider's per-message work
 * (the service worker's JSON, {@code aes128gcm} encryption for the subscription, the cached VAPID header);
 * {@code encrypt} the encryption alone (a fresh ephemeral P-256 pair, ECDH, four HMACs, AES-GCM);
 * {@code vapidSign} signing a VAPID JWT (what caching saves per message) and {@code vapidCached} the cached header;
 * {@code baselineAesGcm} a bare AES-128-GCM of the same plaintext under a fixed key — the floor no web push
 * encryption goes below. A typical message: title, body, image, two buttons, deep link, data (512 bytes of JSON).
 * One thread: the figures are per core.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar jmh WebPushEncryptionBenchmark -f 1 -wi 3 -w 1 -i 5 -r 1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
public class WebPushEncryptionBenchmark {
    private static final URI ENDPOINT = URI.create("https://fcm.googleapis.com/fcm/send/abc:def");

    private JsonNode content;
    private byte[] plaintext;
    private byte[] uaPublic;
    private final byte[] auth = new byte[16];
    private Vapid vapid;
    private SecretKeySpec aesKey;
    private final byte[] nonce = new byte[12];
    private long exp;

    @Setup
    public void setUp() throws IOException {
        content = EventCodec.mapper().readTree("""
                {"title":"Ada, your weekly report is ready","body":"You shipped 14 features and closed 32 issues this
                 week. Open the report to see how your team compares with last month.",
                 "imageUrl":"https://cdn.example.com/reports/weekly-2026-47.png",
                 "deepLink":"https://app.example.com/reports/weekly?week=2026-47",
                 "buttons":[{"id":"open","label":"Open report"},{"id":"later","label":"Remind me later"}],
                 "data":{"reportId":"r_01JD8ZK3","team":"platform"},"collapseKey":"weekly-report"}""".replace("\n", ""));
        plaintext = WebPushProvider.payload("d_01JD8ZK3W2S9YQ6T3V5X7Z9A1B", content).getBytes(StandardCharsets.UTF_8);
        SecureRandom random = new SecureRandom();
        uaPublic = WebPushCrypto.point((ECPublicKey) WebPushCrypto.generate().getPublic());
        random.nextBytes(auth);
        KeyPair server = WebPushCrypto.generate();
        InstantSource clock = InstantSource.fixed(Instant.parse("2026-11-23T04:00:00Z"));
        vapid = new Vapid("mailto:ops@example.com", (ECPrivateKey) server.getPrivate(),
                WebPushCrypto.base64url(WebPushCrypto.point((ECPublicKey) server.getPublic())), clock);
        exp = clock.instant().getEpochSecond() + 3600;
        byte[] key = new byte[16];
        random.nextBytes(key);
        aesKey = new SecretKeySpec(key, "AES");
        random.nextBytes(nonce);
    }

    @Benchmark
    public int message() {
        byte[] text = WebPushProvider.payload("d_01JD8ZK3W2S9YQ6T3V5X7Z9A1B", content).getBytes(StandardCharsets.UTF_8);
        return WebPushCrypto.encrypt(text, uaPublic, auth).length + vapid.authorization(ENDPOINT).length();
    }

    @Benchmark
    public byte[] encrypt() {
        return WebPushCrypto.encrypt(plaintext, uaPublic, auth);
    }

    @Benchmark
    public String vapidSign() {
        return vapid.jwt("https://fcm.googleapis.com", exp);
    }

    @Benchmark
    public String vapidCached() {
        return vapid.authorization(ENDPOINT);
    }

    @Benchmark
    public byte[] baselineAesGcm() throws GeneralSecurityException {
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        // A fixed nonce under a fixed key would be fatal in use; here it only measures the cipher.
        gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce));
        return gcm.doFinal(plaintext);
    }
}
