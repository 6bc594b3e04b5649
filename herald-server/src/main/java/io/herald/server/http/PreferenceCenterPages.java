package io.herald.server.http;

import io.herald.error.ClientError;
import io.herald.preference.PreferenceCenter;
import io.herald.preference.Preferences;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The public pages behind the links in messages: the preference center ({@code /preferences/{token}}) and
 * unsubscribe ({@code /u/{token}}). No key: the signed token is the authority. Server-rendered HTML, no script,
 * every value escaped; refusals are friendly HTML pages with a 4xx status, never JSON.
 *
 * <p>GET never changes anything: mail scanners follow links. Unsubscribing takes a POST, either the page's button
 * or a mail client's RFC 8058 one-click POST ({@code List-Unsubscribe=One-Click}), which needs no page at all.
 */
final class PreferenceCenterPages {
    /** 1,000 topics × 5 channels of {@code topic.<64 chars>.<channel>=on} stay under this. */
    static final int MAX_FORM = 512 * 1024;
    static final int MAX_FIELDS = 10_000;
    /** A one-click POST's body is a line or two; more is not a mail client's. */
    static final int MAX_ONE_CLICK = 16 * 1024;
    private static final Map<String, String> LABELS = Map.of("push", "Push notifications", "in_app",
            "In-app messages", "email", "Email", "sms", "SMS", "whatsapp", "WhatsApp");

    private final PreferenceCenter center;

    PreferenceCenterPages(PreferenceCenter center) {
        this.center = center;
    }

    void preferences(Context ctx) {
        page(ctx, () -> render(ctx, 200, "Your preferences", preferencesBody(center.open(ctx.pathParam("token")), false)));
    }

    void savePreferences(Context ctx) {
        page(ctx, () -> {
            String type = ctx.header("Content-Type");
            if (type == null || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
                throw new ClientError(415, "unsupported_media_type", "This page only accepts its own form.", null);
            }
            Map<String, List<String>> form = form(readBody(ctx, MAX_FORM));
            render(ctx, 200, "Preferences saved", preferencesBody(center.save(ctx.pathParam("token"), form), true));
        });
    }

    void unsubscribePage(Context ctx) {
        page(ctx, () -> {
            PreferenceCenter.Unsubscribed u = center.previewUnsubscribe(ctx.pathParam("token"));
            String body = "<h1>Unsubscribe?</h1><p>You will no longer receive " + what(u) + ".</p>"
                    + "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                    + "<button type=\"submit\">Unsubscribe</button></form>"
                    + "<p><a href=\"../preferences/" + esc(ctx.pathParam("token")) + "\">Choose what you receive "
                    + "instead</a></p>";
            render(ctx, 200, "Unsubscribe", body);
        });
    }

    /** RFC 8058 one-click, or the page's button: the body is not needed (the token says everything), only bounded. */
    void unsubscribe(Context ctx) {
        page(ctx, () -> {
            readBody(ctx, MAX_ONE_CLICK);
            PreferenceCenter.Unsubscribed u = center.unsubscribe(ctx.pathParam("token"));
            String body = "<h1>You are unsubscribed</h1><p>You will no longer receive " + what(u) + ".</p>"
                    + "<p><a href=\"../preferences/" + esc(ctx.pathParam("token")) + "\">Manage all your "
                    + "preferences</a></p>";
            render(ctx, 200, "Unsubscribed", body);
        });
    }

    private static String what(PreferenceCenter.Unsubscribed u) {
        String channel = LABELS.getOrDefault(u.channel(), u.channel()).toLowerCase().replace("sms", "SMS")
                .replace("whatsapp", "WhatsApp");
        return u.topicKey() == null ? esc(channel) + " from us"
                : "“" + esc(u.topicName()) + "” by " + esc(channel);
    }

    private static String preferencesBody(PreferenceCenter.View v, boolean saved) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Your preferences</h1><p class=\"sub\">").append(esc(v.workspaceName())).append("</p>");
        if (saved) b.append("<p class=\"saved\" role=\"status\">Your preferences are saved.</p>");
        b.append("<form method=\"post\"><input type=\"hidden\" name=\"").append(PreferenceCenter.FORM_MARKER)
                .append("\" value=\"1\"><fieldset><legend>How we may reach you</legend>");
        v.channels().forEach((ch, on) -> b.append("<label><input type=\"checkbox\" name=\"channel.").append(esc(ch))
                .append("\"").append(on ? " checked" : "").append("> ").append(esc(LABELS.getOrDefault(ch, ch)))
                .append("</label>"));
        b.append("</fieldset>");
        if (!v.topics().isEmpty()) {
            b.append("<table><caption>What you hear about</caption><thead><tr><th scope=\"col\">Topic</th>");
            for (String ch : Preferences.CHANNELS) {
                b.append("<th scope=\"col\">").append(esc(LABELS.getOrDefault(ch, ch))).append("</th>");
            }
            b.append("</tr></thead><tbody>");
            for (PreferenceCenter.TopicChoices t : v.topics()) {
                b.append("<tr><th scope=\"row\">").append(esc(t.name())).append("</th>");
                t.channels().forEach((ch, on) -> b.append("<td><input type=\"checkbox\" name=\"topic.")
                        .append(esc(t.key())).append('.').append(esc(ch)).append("\" aria-label=\"")
                        .append(esc(t.name() + " by " + LABELS.getOrDefault(ch, ch))).append("\"")
                        .append(on ? " checked" : "").append("></td>"));
                b.append("</tr>");
            }
            b.append("</tbody></table>");
        }
        b.append("<button type=\"submit\">Save preferences</button></form>");
        return b.toString();
    }

    private interface Work {
        void run() throws IOException;
    }

    /** Runs a page's work; a refusal becomes a friendly error page with its 4xx status. */
    private static void page(Context ctx, Work work) {
        try {
            work.run();
        } catch (ClientError e) {
            Bodies.drain(ctx); // the rest of a refused form: see Bodies.drain
            String title = switch (e.status()) {
                case 404 -> "Link not valid";
                case 413 -> "Too much data";
                default -> "Something is wrong with this request";
            };
            render(ctx, e.status(), title, "<h1>" + esc(title) + "</h1><p>" + esc(e.getMessage()) + "</p>");
        } catch (IOException e) {
            render(ctx, 400, "Request not readable", "<h1>Request not readable</h1><p>The request could not be read. "
                    + "Please try again.</p>");
        }
    }

    private static byte[] readBody(Context ctx, int max) throws IOException {
        if (ctx.req().getContentLengthLong() > max) throw tooLarge();
        InputStream in = ctx.req().getInputStream();
        byte[] bytes = in.readNBytes(max + 1);
        if (bytes.length > max) throw tooLarge();
        return bytes;
    }

    private static ClientError tooLarge() {
        return new ClientError(413, "too_large", "The form sent is larger than this page accepts; nothing was changed.",
                null);
    }

    /** application/x-www-form-urlencoded, bounded in fields; a malformed escape is a 400. */
    static Map<String, List<String>> form(byte[] body) {
        Map<String, List<String>> out = new HashMap<>();
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isEmpty()) return out;
        String[] pairs = text.split("&", MAX_FIELDS + 2);
        if (pairs.length > MAX_FIELDS) {
            throw new ClientError(413, "too_large", "The form has more fields than this page accepts; nothing was "
                    + "changed.", null);
        }
        try {
            for (String pair : pairs) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String val = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.computeIfAbsent(k, x -> new ArrayList<>(1)).add(val);
            }
        } catch (IllegalArgumentException e) {
            throw new ClientError(400, "invalid_form", "The form sent is malformed; nothing was changed.", null);
        }
        return out;
    }

    private static void render(Context ctx, int status, String title, String body) {
        // The token is in the URL: no referrer may carry it off; no framing (clickjacking a one-click button);
        // no script at all; nothing cached by shared caches.
        ctx.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                + "frame-ancestors 'none'; base-uri 'none'");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-store");
        ctx.status(status).contentType("text/html; charset=utf-8").result("<!doctype html><html lang=\"en\"><head>"
                + "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<meta name=\"robots\" content=\"noindex\"><title>" + esc(title) + "</title><style>" + STYLE
                + "</style></head><body><main>" + body + "</main></body></html>");
    }

    private static final String STYLE = "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}"
            + "main{max-width:44rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:12px;"
            + "box-shadow:0 1px 3px rgba(0,0,0,.08)}h1{margin-top:0;font-size:1.5rem}.sub{color:#5b6475;margin-top:-.5rem}"
            + "fieldset{border:1px solid #dde1e8;border-radius:8px;margin:1rem 0}label{display:block;padding:.25rem 0}"
            + "table{border-collapse:collapse;width:100%;margin:1rem 0}caption{text-align:left;font-weight:600;"
            + "padding-bottom:.5rem}th,td{padding:.4rem;border-bottom:1px solid #eef0f4;text-align:center}"
            + "th[scope=row]{text-align:left;font-weight:normal}button{font:inherit;padding:.6rem 1.2rem;border:0;"
            + "border-radius:8px;background:#2f5bea;color:#fff;cursor:pointer}.saved{background:#e7f6ec;"
            + "padding:.5rem .75rem;border-radius:8px}";

    /** HTML-escapes text for element content and quoted attribute values. */
    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
