package io.herald.email;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.credential.MasterKey;
import io.herald.credential.SignedTokens;
import io.herald.event.EventCodec;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Open and click tracking for email: links in the HTML are rewritten to {@code {base}/t/c/{token}} and a 1×1 pixel
 * {@code {base}/t/o/{token}.gif} is added. The token ({@link SignedTokens}, a key of its own) carries the original URL: the redirect only ever goes
 * where a token Herald signed says, so the route is never an open redirect.
 */
public final class Tracking {
    /** Longer than any sensible link (the URL is inside); longer input is refused unread. */
    public static final int MAX_LENGTH = 8192;
    // Anchors only: a stylesheet's <link href> is fetched by the client on open, which is no click.
    private static final Pattern HREF = Pattern.compile("(<a\\b[^>]*?\\bhref\\s*=\\s*)([\"'])(https?://[^\"']+)\\2",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern BODY_END = Pattern.compile("</body\\s*>", Pattern.CASE_INSENSITIVE);

    private final Supplier<String> publicUrl;
    private final SignedTokens tokens;

    /** What a token says: an open ({@code url} null) or a click on {@code url}, of a delivery to a person. */
    public record Hit(String workspaceId, String deliveryId, String personId, String url) {
        public boolean click() {
            return url != null;
        }
    }

    /** @param publicUrl where people reach this Herald (no trailing slash), asked at each message */
    public Tracking(Supplier<String> publicUrl, MasterKey master) {
        this.publicUrl = publicUrl;
        this.tokens = new SignedTokens(master, "email-tracking/hmac-sha256", MAX_LENGTH);
    }

    /** The HTML with every http(s) link going through the click redirect and the open pixel added. */
    public String rewrite(String html, String workspaceId, String deliveryId, String personId) {
        String base = publicUrl.get();
        Matcher m = HREF.matcher(html);
        StringBuilder out = new StringBuilder(html.length() + 512);
        while (m.find()) {
            // The href is HTML-escaped text: the redirect must go to the URL the reader saw, so unescape &amp;.
            String url = m.group(3).replace("&amp;", "&");
            String link = base + "/t/c/" + issue(new Hit(workspaceId, deliveryId, personId, url));
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + m.group(2) + link + m.group(2)));
        }
        m.appendTail(out);
        String pixel = "<img src=\"" + base + "/t/o/" + issue(new Hit(workspaceId, deliveryId, personId, null))
                + ".gif\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
        Matcher end = BODY_END.matcher(out);
        if (end.find()) out.insert(end.start(), pixel);
        else out.append(pixel);
        return out.toString();
    }

    public String issue(Hit hit) {
        ObjectNode json = EventCodec.mapper().createObjectNode();
        json.put("w", hit.workspaceId());
        json.put("d", hit.deliveryId());
        json.put("p", hit.personId());
        if (hit.url() != null) json.put("u", hit.url());
        return tokens.issue(json);
    }

    /** The hit of a token this server signed; empty for anything else (malformed, tampered, another key). */
    public Optional<Hit> verify(String token) {
        return tokens.verify(token).flatMap(json -> {
            String w = json.path("w").textValue();
            String d = json.path("d").textValue();
            String p = json.path("p").textValue();
            if (w == null || d == null || p == null) return Optional.empty();
            return Optional.of(new Hit(w, d, p, json.path("u").textValue()));
        });
    }
}
