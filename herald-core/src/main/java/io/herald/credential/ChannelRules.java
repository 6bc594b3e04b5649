package io.herald.credential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What each channel's credentials hold, how each field is checked, and how it is shown: public fields as they
 * are, secrets masked ({@code "•••• (set)"}), tokens by their last four characters. A masked value sent back
 * keeps the stored secret, so a client can PUT what it read.
 */
final class ChannelRules {
    /** Every masked value starts with this; a value sent back starting with it means "keep the stored one". */
    static final String MASK = "••••";
    static final String SET = MASK + " (set)";
    static final int MAX_VALUE = 16 * 1024;
    private static final Set<String> READ_ONLY = Set.of("channel", "updatedAt");
    private static final Pattern APPLE_ID = Pattern.compile("[A-Z0-9]{10}");
    private static final Pattern BUNDLE_ID = Pattern.compile("[A-Za-z0-9.-]{1,255}");
    private static final Pattern HOST_PORT = Pattern.compile("([A-Za-z0-9.-]+|\\[[0-9a-fA-F:]+\\]):(\\d{1,5})");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9a-fA-F:]+\\]");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    private static final Pattern SENDER_ID = Pattern.compile("(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}");
    private static final Pattern EMAIL = Pattern.compile("[^\\s@<>\"]+@[^\\s@<>\"]+\\.[^\\s@<>\"]+");

    /** HIDDEN: a secret never mentioned when shown (the VAPID private key: only its public half matters to readers). */
    private enum Shown { PLAIN, SECRET, TOKEN, HIDDEN }

    /** One field: how it is shown, whether required, and its check (returns the value to store). */
    private record Field(String name, Shown shown, boolean required, Check check) {
    }

    @FunctionalInterface
    private interface Check {
        JsonNode apply(String field, JsonNode value);
    }

    private static final Map<String, List<Field>> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("apns", List.of(
                new Field("authKey", Shown.SECRET, true, (f, v) -> {
                    String pem = text(f, v);
                    if (Keys.pkcs8(pem, "EC").isEmpty()) {
                        throw ClientError.invalid(f, f + " must be the .p8 auth key from Apple (a PEM \"BEGIN PRIVATE "
                                + "KEY\" block holding an EC P-256 key); it does not parse");
                    }
                    return v;
                }),
                new Field("keyId", Shown.PLAIN, true, (f, v) -> matches(f, v, APPLE_ID, "the 10-character key id "
                        + "(A-Z, 0-9) Apple shows for the auth key")),
                new Field("teamId", Shown.PLAIN, true, (f, v) -> matches(f, v, APPLE_ID, "the 10-character team id "
                        + "(A-Z, 0-9) of the Apple developer account")),
                new Field("topic", Shown.PLAIN, true, (f, v) -> matches(f, v, BUNDLE_ID, "the app's bundle id, "
                        + "e.g. com.example.app")),
                new Field("server", Shown.PLAIN, false, (f, v) -> {
                    String s = text(f, v);
                    if (s.equals("production") || s.equals("development") || validHostPort(s)) return v;
                    throw ClientError.invalid(f, f + " must be production, development or host:port (port 1-65535)");
                })));
        FIELDS.put("fcm", List.of(
                new Field("serviceAccount", Shown.SECRET, true, ChannelRules::serviceAccount),
                new Field("baseUrl", Shown.PLAIN, false, ChannelRules::url),
                new Field("androidClickAction", Shown.PLAIN, false, (f, v) -> {
                    String s = text(f, v);
                    if (s.length() > 200) throw ClientError.invalid(f, f + " must be at most 200 characters");
                    return v;
                })));
        FIELDS.put("webpush", List.of(
                new Field("subject", Shown.PLAIN, true, (f, v) -> {
                    String s = text(f, v);
                    if (s.startsWith("mailto:") && EMAIL.matcher(s.substring(7)).matches()) return v;
                    if (s.startsWith("https://")) return url(f, v);
                    throw ClientError.invalid(f, f + " must be a mailto: address or an https: URL (VAPID subject)");
                }),
                // Both keys optional: without them Herald keeps the stored pair or generates one (see validate).
                new Field("publicKey", Shown.PLAIN, false, (f, v) -> {
                    if (Keys.vapidPublic(text(f, v)).isEmpty()) {
                        throw ClientError.invalid(f, f + " must be a VAPID public key: an uncompressed P-256 point "
                                + "(65 bytes) in base64url");
                    }
                    return v;
                }),
                new Field("privateKey", Shown.HIDDEN, false, (f, v) -> {
                    if (Keys.vapidPrivate(text(f, v)).isEmpty()) {
                        throw ClientError.invalid(f, f + " must be a VAPID private key: a 32-byte P-256 key in base64url");
                    }
                    return v;
                })));
        FIELDS.put("smtp", List.of(
                new Field("host", Shown.PLAIN, true, (f, v) -> matches(f, v, HOSTNAME, "a host name or IP address")),
                new Field("port", Shown.PLAIN, true, (f, v) -> {
                    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1 || v.intValue() > 65535) {
                        throw ClientError.invalid(f, f + " must be a whole number from 1 to 65535");
                    }
                    return v;
                }),
                new Field("tls", Shown.PLAIN, true, (f, v) -> oneOf(f, v, List.of("none", "starttls", "tls"))),
                new Field("username", Shown.PLAIN, false, ChannelRules::text2),
                new Field("password", Shown.SECRET, false, ChannelRules::text2),
                new Field("from", Shown.PLAIN, true, (f, v) -> {
                    String s = text(f, v);
                    int lt = s.lastIndexOf('<');
                    String address = lt >= 0 && s.endsWith(">") ? s.substring(lt + 1, s.length() - 1) : s;
                    if (!EMAIL.matcher(address).matches()) {
                        throw ClientError.invalid(f, f + " must be an email address, e.g. news@example.com or "
                                + "\"Example <news@example.com>\"");
                    }
                    return v;
                })));
        for (String ch : List.of("sms", "whatsapp")) {
            FIELDS.put(ch, List.of(
                    new Field("accountSid", Shown.PLAIN, true, ChannelRules::text2),
                    new Field("authToken", Shown.TOKEN, true, ChannelRules::text2),
                    new Field("from", Shown.PLAIN, true, (f, v) -> {
                        String s = text(f, v);
                        String number = ch.equals("whatsapp") && s.startsWith("whatsapp:") ? s.substring(9) : s;
                        if (E164.matcher(number).matches()) return v;
                        if (ch.equals("sms") && (SENDER_ID.matcher(s).matches() || s.matches("MG[0-9a-fA-F]{32}"))) return v;
                        throw ClientError.invalid(f, f + (ch.equals("sms")
                                ? " must be a phone number in E.164 form (+4915112345678), an alphanumeric sender id "
                                + "(up to 11 characters) or a messaging service id (MG…)"
                                : " must be a phone number in E.164 form (+4915112345678), optionally prefixed whatsapp:"));
                    }),
                    new Field("baseUrl", Shown.PLAIN, false, ChannelRules::url)));
        }
    }

    private ChannelRules() {
    }

    static Set<String> channels() {
        return FIELDS.keySet();
    }

    static boolean known(String channel) {
        return FIELDS.containsKey(channel);
    }

    /**
     * The document to store: {@code body} checked field by field, masked values replaced by the {@code stored} ones
     * (null when nothing is stored yet).
     */
    static ObjectNode validate(String channel, JsonNode body, ObjectNode stored) {
        if (body == null || !body.isObject()) {
            throw new ClientError(400, "invalid_json", "the body must be a JSON object of " + channel + " credentials", null);
        }
        List<Field> fields = FIELDS.get(channel);
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (READ_ONLY.contains(n)) continue;
            if (fields.stream().noneMatch(f -> f.name().equals(n))) {
                throw ClientError.invalid(n, "unknown field " + n + "; " + channel + " credentials have "
                        + String.join(", ", fields.stream().map(Field::name).toList()));
            }
        }
        ObjectNode out = EventCodec.mapper().createObjectNode();
        for (Field f : fields) {
            JsonNode v = body.get(f.name());
            if (v == null || v.isNull()) {
                if (f.required()) throw ClientError.missing(f.name());
                continue;
            }
            if (v.isTextual() && v.textValue().startsWith(MASK)) {
                JsonNode kept = stored == null ? null : stored.get(f.name());
                if (kept == null || f.shown() == Shown.PLAIN) {
                    throw ClientError.invalid(f.name(), f.name() + " is a masked value but no " + f.name()
                            + " is stored to keep; send the value itself");
                }
                out.set(f.name(), kept);
                continue;
            }
            if (v.isTextual() && v.textValue().length() > MAX_VALUE) {
                throw ClientError.invalid(f.name(), f.name() + " must be at most " + MAX_VALUE + " characters");
            }
            out.set(f.name(), f.check().apply(f.name(), v));
        }
        if (channel.equals("webpush")) vapidPair(out, stored);
        return out;
    }

    /**
     * Completes the webpush document's key pair: both halves given are checked to be one pair; none given keeps the
     * stored pair (every browser subscription is bound to the public key, so changing the subject must not rotate
     * it) or, with none stored, generates one; the public half alone must be the stored one.
     */
    private static void vapidPair(ObjectNode out, ObjectNode stored) {
        boolean storedPair = stored != null && stored.hasNonNull("publicKey") && stored.hasNonNull("privateKey");
        if (!out.has("publicKey") && !out.has("privateKey")) {
            if (storedPair) {
                out.set("publicKey", stored.get("publicKey"));
                out.set("privateKey", stored.get("privateKey"));
            } else {
                String[] pair = Keys.newVapidPair();
                out.put("publicKey", pair[0]);
                out.put("privateKey", pair[1]);
            }
            return;
        }
        if (!out.has("privateKey")) {
            if (storedPair && stored.get("publicKey").equals(out.get("publicKey"))) {
                out.set("privateKey", stored.get("privateKey"));
                return;
            }
            throw ClientError.invalid("privateKey", "privateKey is required with a publicKey other than the stored "
                    + "one (send both halves of the pair, or neither to keep the stored pair or have one generated)");
        }
        if (!out.has("publicKey")) {
            throw ClientError.invalid("publicKey", "publicKey is required with a privateKey (send both halves of the "
                    + "pair, or neither to keep the stored pair or have one generated)");
        }
        PublicKey pub = Keys.vapidPublic(out.get("publicKey").textValue()).orElseThrow();
        PrivateKey priv = Keys.vapidPrivate(out.get("privateKey").textValue()).orElseThrow();
        if (!Keys.pair(priv, pub)) {
            throw ClientError.invalid("privateKey", "privateKey and publicKey are not the two halves of one VAPID "
                    + "key pair");
        }
    }

    /** The stored document as the API shows it: secrets masked. */
    static ObjectNode mask(String channel, ObjectNode stored) {
        ObjectNode out = EventCodec.mapper().createObjectNode();
        for (Field f : FIELDS.get(channel)) {
            JsonNode v = stored.get(f.name());
            if (v == null) continue;
            switch (f.shown()) {
                case PLAIN -> out.set(f.name(), v);
                case SECRET -> out.put(f.name(), f.name().equals("serviceAccount") ? SET + ": project "
                        + v.path("project_id").asText() + ", " + v.path("client_email").asText() : SET);
                case HIDDEN -> {
                }
                case TOKEN -> {
                    String t = v.asText();
                    out.put(f.name(), t.length() > 8 ? MASK + t.substring(t.length() - 4) : SET);
                }
            }
        }
        return out;
    }

    private static JsonNode serviceAccount(String f, JsonNode v) {
        JsonNode doc = v;
        if (v.isTextual()) {
            try {
                doc = EventCodec.mapper().readTree(v.textValue());
            } catch (Exception e) {
                throw ClientError.invalid(f, f + " must be the service account JSON from the Firebase console (an "
                        + "object, or a string holding it); it is not valid JSON");
            }
        }
        if (doc == null || !doc.isObject()) {
            throw ClientError.invalid(f, f + " must be the service account JSON object from the Firebase console");
        }
        for (String k : List.of("project_id", "client_email", "private_key", "token_uri")) {
            JsonNode x = doc.get(k);
            if (x == null || !x.isTextual() || x.textValue().isBlank()) {
                throw ClientError.invalid(f + "." + k, f + " must hold " + k + " (a non-empty string)");
            }
        }
        if (Keys.pkcs8(doc.get("private_key").textValue(), "RSA").isEmpty()) {
            throw ClientError.invalid(f + ".private_key", f + ".private_key must be a PEM RSA private key; it does "
                    + "not parse");
        }
        url(f + ".token_uri", doc.get("token_uri"));
        return doc;
    }

    private static JsonNode url(String f, JsonNode v) {
        String s = text(f, v);
        try {
            URI u = new URI(s);
            if ((!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) || u.getHost() == null) {
                throw new URISyntaxException(s, "not http(s)");
            }
        } catch (URISyntaxException e) {
            throw ClientError.invalid(f, f + " must be an http or https URL");
        }
        return JsonNodeFactory.instance.textNode(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    private static boolean validHostPort(String s) {
        var m = HOST_PORT.matcher(s);
        if (!m.matches()) return false;
        int port = Integer.parseInt(m.group(2));
        return port >= 1 && port <= 65535;
    }

    private static JsonNode matches(String f, JsonNode v, Pattern p, String what) {
        if (!p.matcher(text(f, v)).matches()) throw ClientError.invalid(f, f + " must be " + what);
        return v;
    }

    private static JsonNode oneOf(String f, JsonNode v, List<String> values) {
        if (!values.contains(text(f, v))) throw ClientError.invalid(f, f + " must be one of " + String.join(", ", values));
        return v;
    }

    private static JsonNode text2(String f, JsonNode v) {
        text(f, v);
        return v;
    }

    private static String text(String f, JsonNode v) {
        if (!v.isTextual() || v.textValue().isBlank()) throw ClientError.invalid(f, f + " must be a non-empty string");
        if (v.textValue().indexOf('\u0000') >= 0) throw ClientError.invalid(f, f + " must not contain the NUL character");
        return v.textValue();
    }
}
