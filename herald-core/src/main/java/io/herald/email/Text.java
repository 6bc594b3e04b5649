package io.herald.email;

import java.util.regex.Pattern;

/** A plain-text rendering of an email's HTML for its text part, when the message has no text of its own. */
final class Text {
    private static final Pattern HIDDEN = Pattern.compile("(?is)<(style|script|head)\\b.*?</\\1\\s*>");
    private static final Pattern LINK = Pattern.compile("(?is)<a\\b[^>]*href\\s*=\\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a\\s*>");
    private static final Pattern BREAK = Pattern.compile("(?i)<br\\s*/?>|</(p|div|h[1-6]|li|tr|table)\\s*>");
    private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");

    private Text() {
    }

    /** Simply: hidden blocks dropped, links as "text (url)", blocks and breaks as lines, tags removed. */
    static String fromHtml(String html) {
        String s = HIDDEN.matcher(html).replaceAll("");
        s = LINK.matcher(s).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                TAG.matcher(m.group(2)).replaceAll("").strip() + " (" + m.group(1) + ")"));
        s = BREAK.matcher(s).replaceAll("\n");
        s = TAG.matcher(s).replaceAll("");
        s = s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
        s = s.replaceAll("[ \\t\\x0B\\f\\r]+", " ").replaceAll(" *\\n *", "\n").replaceAll("\\n{3,}", "\n\n");
        return s.strip();
    }
}
