package io.herald.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A push service and the browsers subscribed to it, for tests: an HTTP server on loopback that records every
 * message, answers as scripted (201 by default), and — holding each subscription's private key and auth secret as a
 * browser does — decrypts what Herald sent and checks its VAPID signature. The decryption and the JWT check are
 * written here from RFC 8291/8188/8292, independently of Herald's {@link WebPushCrypto}.
 */
public final class TestPushService implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** One browser's subscription: what it registers with Herald, and the secrets only it holds. */
    public record Browser(String id, String endpoint, ECPrivateKey privateKey, byte[] publicKey, byte[] auth) {
        /** The PushSubscription JSON text the SDK registers as the device token. */
        public String subscription() {
            return "{\"endpoint\":\"" + endpoint + "\",\"expirationTime\":null,\"keys\":{\"p256dh\":\""
                    + B64.encodeToString(publicKey) + "\",\"auth\":\"" + B64.encodeToString(auth) + "\"}}";
        }
    }

    /** A message as the push service received it. */
    public record Received(String browserId, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    private record Answer(int status, Map<String, String> headers) {
    }

    private final HttpServer server;
    private final Map<String, Browser> browsers = Collections.synchronizedMap(new HashMap<>());
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final Deque<Answer> script = new ArrayDeque<>();
    private final Map<String, Deque<Answer>> scripts = new HashMap<>();

    public TestPushService() throws IOException {
        System.setProperty(WebPushSubscription.ALLOW_HTTP_PROPERTY, "true"); // the service speaks plain HTTP
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/push/", this::handle);
        server.start();
    }

    public String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A new browser subscribed to this service. */
    public Browser subscribe() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            byte[] auth = new byte[16];
            new SecureRandom().nextBytes(auth);
            String id = UUID.randomUUID().toString();
            Browser b = new Browser(id, origin() + "/push/" + id, (ECPrivateKey) kp.getPrivate(),
                    point((ECPublicKey) kp.getPublic()), auth);
            browsers.put(id, b);
            return b;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next messages are answered with these statuses (and headers, e.g. Retry-After), in order. */
    public synchronized void answerNext(int status, Map<String, String> headers) {
        script.add(new Answer(status, headers));
    }

    /** The next messages to this browser are answered so, in order (before any {@link #answerNext(int, Map)}). */
    public synchronized void answerNext(Browser to, int status, Map<String, String> headers) {
        scripts.computeIfAbsent(to.id(), k -> new ArrayDeque<>()).add(new Answer(status, headers));
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    private void handle(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        Map<String, String> headers = new HashMap<>();
        x.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
        String id = x.getRequestURI().getPath().substring("/push/".length());
        received.add(new Received(id, headers, body));
        Answer a;
        synchronized (this) {
            Deque<Answer> own = scripts.get(id);
            a = own != null && !own.isEmpty() ? own.poll() : script.poll();
        }
        if (a == null) {
            a = browsers.containsKey(id) ? new Answer(201, Map.of("Location", origin() + "/m/" + UUID.randomUUID()))
                    : new Answer(410, Map.of());
        }
        a.headers().forEach((k, v) -> x.getResponseHeaders().add(k, v));
        x.sendResponseHeaders(a.status(), -1);
        x.close();
    }

    /** The plaintext of a message, decrypted as the browser it was for would (RFC 8291 + RFC 8188). */
    public byte[] decrypt(Received r) {
        Browser b = browsers.get(r.browserId());
        if (b == null) throw new AssertionError("no browser " + r.browserId());
        if (!"aes128gcm".equals(r.header("Content-Encoding"))) throw new AssertionError("not aes128gcm");
        return decrypt(r.body(), b.privateKey(), b.publicKey(), b.auth());
    }

    public JsonNode decryptJson(Received r) {
        try {
            return JSON.readTree(decrypt(r));
        } catch (IOException e) {
            throw new AssertionError("the plaintext is not JSON", e);
        }
    }

    /** RFC 8188's one-record body opened with the receiver's key and auth secret. */
    public static byte[] decrypt(byte[] body, ECPrivateKey uaPrivate, byte[] uaPublic, byte[] auth) {
        try {
            ByteBuffer in = ByteBuffer.wrap(body);
            byte[] salt = new byte[16];
            in.get(salt);
            int rs = in.getInt();
            int idlen = in.get() & 0xff;
            byte[] asPublic = new byte[idlen];
            in.get(asPublic);
            byte[] record = new byte[in.remaining()];
            in.get(record);
            if (record.length > rs) throw new AssertionError("more than one record");
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(uaPrivate);
            ka.doPhase(publicKey(asPublic), true);
            byte[] ecdh = ka.generateSecret();
            // HKDF-Extract(auth, ecdh) then Expand with the key info: one block, so one HMAC each.
            byte[] prkKey = mac(auth, ecdh);
            byte[] ikm = mac(prkKey, concat("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), uaPublic, asPublic,
                    new byte[] {1}));
            byte[] prk = mac(salt, ikm);
            byte[] cek = Arrays.copyOf(mac(prk, concat("Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {1})), 16);
            byte[] nonce = Arrays.copyOf(mac(prk, concat("Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {1})), 12);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
            byte[] padded = c.doFinal(record);
            int end = padded.length - 1;
            while (end >= 0 && padded[end] == 0) end--;
            if (end < 0 || padded[end] != 2) throw new AssertionError("the last record must end with delimiter 0x02");
            return Arrays.copyOf(padded, end);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError("the message does not decrypt: " + e, e);
        }
    }

    /**
     * Checks a message's {@code Authorization: vapid t=…, k=…} as a push service does: k is the given public key,
     * the JWT is ES256 over {aud = this origin, exp within 24 h of {@code nowSeconds}, sub}, and its signature
     * verifies under k. Returns the claims.
     */
    public JsonNode verifyVapid(Received r, String publicKey, long nowSeconds) {
        String auth = r.header("Authorization");
        if (auth == null || !auth.startsWith("vapid ")) throw new AssertionError("no vapid authorization: " + auth);
        Map<String, String> params = new HashMap<>();
        for (String part : auth.substring(6).split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            params.put(p.substring(0, eq), p.substring(eq + 1));
        }
        if (!publicKey.equals(params.get("k"))) throw new AssertionError("k is not the workspace's public key");
        String[] jwt = params.get("t").split("\\.");
        try {
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(jwt[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(jwt[1]));
            if (!"ES256".equals(header.path("alg").asText())) throw new AssertionError("alg is not ES256");
            if (!origin().equals(claims.path("aud").asText())) throw new AssertionError("aud " + claims.path("aud"));
            long exp = claims.path("exp").asLong();
            if (exp <= nowSeconds || exp > nowSeconds + 24 * 3600) throw new AssertionError("exp out of range: " + exp);
            if (!claims.path("sub").isTextual()) throw new AssertionError("no sub");
            byte[] raw = Base64.getUrlDecoder().decode(jwt[2]);
            if (raw.length != 64) throw new AssertionError("the signature is not raw R||S (64 bytes): " + raw.length);
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(publicKey(Base64.getUrlDecoder().decode(publicKey)));
            v.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
            if (!v.verify(der(raw))) throw new AssertionError("the VAPID signature does not verify");
            return claims;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new AssertionError("bad VAPID token: " + e, e);
        }
    }

    /** Raw R‖S as the DER SEQUENCE of two INTEGERs the JDK's plain ECDSA verifies. */
    static byte[] der(byte[] raw) {
        byte[] r = new BigInteger(1, Arrays.copyOf(raw, 32)).toByteArray();
        byte[] s = new BigInteger(1, Arrays.copyOfRange(raw, 32, 64)).toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.write(4 + r.length + s.length);
        out.write(0x02);
        out.write(r.length);
        out.writeBytes(r);
        out.write(0x02);
        out.write(s.length);
        out.writeBytes(s);
        return out.toByteArray();
    }

    static ECPublicKey publicKey(byte[] point) throws java.security.GeneralSecurityException {
        java.security.AlgorithmParameters params = java.security.AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(
                new BigInteger(1, Arrays.copyOfRange(point, 1, 33)), new BigInteger(1, Arrays.copyOfRange(point, 33, 65))),
                params.getParameterSpec(java.security.spec.ECParameterSpec.class)));
    }

    static byte[] point(ECPublicKey k) {
        byte[] out = new byte[65];
        out[0] = 4;
        byte[] x = k.getW().getAffineX().toByteArray();
        byte[] y = k.getW().getAffineY().toByteArray();
        System.arraycopy(x, Math.max(0, x.length - 32), out, 1 + Math.max(0, 32 - x.length), Math.min(32, x.length));
        System.arraycopy(y, Math.max(0, y.length - 32), out, 33 + Math.max(0, 32 - y.length), Math.min(32, y.length));
        return out;
    }

    private static byte[] mac(byte[] key, byte[] data) throws java.security.GeneralSecurityException {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec(key, "HmacSHA256"));
        return m.doFinal(data);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
