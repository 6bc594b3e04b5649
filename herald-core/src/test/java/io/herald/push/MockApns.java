package io.herald.push;

import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.PushNotificationHandler;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.credential.CredentialSamples;
import io.herald.event.EventCodec;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushy's MockApnsServer on loopback as Apple's peer in tests: TLS with a freshly made self-signed certificate,
 * token authentication checked against the verification key of a freshly made .p8 key, device tokens registered per
 * topic (others are BadDeviceToken), tokens marked unregistered, and a switch to answer the next few notifications
 * with a transient rejection.
 */
public final class MockApns implements AutoCloseable {
    public static final String TOPIC = "com.example.app";
    public static final String KEY_ID = "KEY1234567";
    public static final String TEAM_ID = "TEAM123456";

    /** A notification the server accepted: the device token it was for, its headers and payload. */
    public record Received(String token, Map<String, String> headers, JsonNode payload) {
    }

    private final MockApnsServer server;
    private final int port;
    private final String authKey;
    private final X509Certificate certificate;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> unregistered = new ConcurrentHashMap<>();
    private final AtomicInteger transientFailures = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final boolean record;

    public MockApns(Path dir) throws Exception {
        this(dir, true);
    }

    /** @param record whether to keep every accepted notification (off for load) */
    public MockApns(Path dir, boolean record) throws Exception {
        this.record = record;
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair apnsKey = g.generateKeyPair();
        this.authKey = CredentialSamples.pem(apnsKey.getPrivate().getEncoded());
        ApnsVerificationKey verification = new ApnsVerificationKey(KEY_ID, TEAM_ID, (ECPublicKey) apnsKey.getPublic());

        Path store = dir.resolve("apns-server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "apns", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        this.certificate = (X509Certificate) ks.getCertificate("apns");
        PrivateKey serverKey = (PrivateKey) ks.getKey("apns", "changeit".toCharArray());

        ValidatingPushNotificationHandlerFactory validating = new ValidatingPushNotificationHandlerFactory(
                Map.of(TOPIC, tokens), unregistered, Map.of(KEY_ID, verification), Map.of(verification, Set.of(TOPIC)));
        this.server = new MockApnsServerBuilder()
                .setServerCredentials(new X509Certificate[] {certificate}, serverKey, null)
                .setHandlerFactory(session -> {
                    PushNotificationHandler inner = validating.buildHandler(session);
                    return (headers, payload) -> {
                        if (transientFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                            throw new RejectedNotificationException(RejectionReason.SERVICE_UNAVAILABLE);
                        }
                        inner.handlePushNotification(headers, payload);
                    };
                })
                .setListener(new MockApnsServerListener() {
                    @Override
                    public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
                        accepted.incrementAndGet();
                        if (!MockApns.this.record) return;
                        Map<String, String> h = new java.util.TreeMap<>();
                        headers.forEach(e -> h.put(e.getKey().toString(), e.getValue().toString()));
                        String path = h.getOrDefault(":path", "");
                        try {
                            received.add(new Received(path.substring(path.lastIndexOf('/') + 1), h,
                                    EventCodec.mapper().readTree(payload.toString(StandardCharsets.UTF_8))));
                        } catch (java.io.IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }

                    @Override
                    public void handlePushNotificationRejected(Http2Headers headers, ByteBuf payload,
                                                               RejectionReason reason, Instant timestamp) {
                    }
                })
                .build();
        this.port = (Integer) server.start(0).get(30, TimeUnit.SECONDS);
    }

    /** A device token (64 hex digits) the server knows for the topic. */
    public String token() {
        String t = java.util.HexFormat.of().formatHex(randomBytes());
        tokens.add(t);
        return t;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    /** From now on the server answers this token with 410 Unregistered. */
    public void unregister(String token) {
        unregistered.put(token, Instant.now());
    }

    /** The next {@code n} notifications are answered 503 ServiceUnavailable. */
    public void failNext(int n) {
        transientFailures.set(n);
    }

    public List<Received> received() {
        return received;
    }

    public int accepted() {
        return accepted.get();
    }

    public int port() {
        return port;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The workspace's APNs credentials pointing at this server, as {@code Credentials.get} returns them. */
    public ObjectNode credentials() {
        ObjectNode c = EventCodec.mapper().createObjectNode();
        c.put("authKey", authKey);
        c.put("keyId", KEY_ID);
        c.put("teamId", TEAM_ID);
        c.put("topic", TOPIC);
        c.put("server", "localhost:" + port);
        return c;
    }

    @Override
    public void close() throws Exception {
        server.shutdown().get(30, TimeUnit.SECONDS);
    }
}
