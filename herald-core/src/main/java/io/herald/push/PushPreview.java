package io.herald.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A rendered push message as it would look collapsed and expanded on iOS, Android and the web: the title, body and
 * button labels cut where the platform cuts them, with an ellipsis, and the message's fields each view leaves out.
 *
 * <p>The cut is a model, not the operating system's layout: text is wrapped greedily at word boundaries into lines of
 * a fixed number of characters (a word longer than a line is broken), line breaks in the text are kept, and only the
 * first lines are shown; when anything is left over, the last shown line ends in "…". Characters are counted as
 * Unicode code points, so wide scripts and emoji take more room on a real screen than here. The limits per platform
 * and view are the {@link #PLATFORMS} table (docs/api.md "Push preview" lists them).
 */
public final class PushPreview {
    public static final String ELLIPSIS = "…";

    /** A text's room in a view: lines of a number of characters. */
    record Room(int lines, int perLine) {
    }

    /** One view of a notification: room for the title, the body and the button labels, and what it shows. */
    record View(Room title, Room body, boolean image, int maxButtons, int buttonLabel) {
    }

    record Platform(String name, View collapsed, View expanded, Set<String> neverShown) {
    }

    // iOS: a lock-screen banner shows one title line and about four body lines, the attachment as a thumbnail;
    // long-pressed, the full title and body, the image and up to four actions.
    // Android: the collapsed notification shows one line each; expanded (BigTextStyle) the body gets about eight
    // lines, or one line under a picture (BigPictureStyle), and up to three actions.
    // Web (Chrome on Windows/Android): two body lines as a toast; expanded, four lines, the image, and at most two
    // actions (Notification.maxActions). Sound and the numeric badge are not web features.
    static final List<Platform> PLATFORMS = List.of(
            new Platform("ios",
                    new View(new Room(1, 40), new Room(4, 40), true, 0, 0),
                    new View(new Room(4, 40), new Room(30, 40), true, 4, 30),
                    Set.of()),
            new Platform("android",
                    new View(new Room(1, 40), new Room(1, 45), false, 0, 0),
                    new View(new Room(1, 40), new Room(8, 45), true, 3, 20),
                    Set.of("badge")),
            new Platform("web",
                    new View(new Room(1, 50), new Room(2, 50), false, 0, 0),
                    new View(new Room(2, 50), new Room(4, 50), true, 2, 25),
                    Set.of("sound", "badge")));

    /** Android shows one body line under a picture (BigPictureStyle's summary). */
    private static final Room ANDROID_BODY_UNDER_PICTURE = new Room(1, 45);

    private PushPreview() {
    }

    /** {@code {"ios": {"collapsed": …, "expanded": …}, "android": …, "web": …}} for a rendered push message. */
    public static ObjectNode platforms(JsonNode message) {
        ObjectNode out = EventCodec.mapper().createObjectNode();
        for (Platform p : PLATFORMS) {
            ObjectNode views = out.putObject(p.name());
            views.set("collapsed", view(p, p.collapsed(), message));
            View expanded = p.expanded();
            if (p.name().equals("android") && text(message, "imageUrl") != null) {
                expanded = new View(expanded.title(), ANDROID_BODY_UNDER_PICTURE, true, expanded.maxButtons(),
                        expanded.buttonLabel());
            }
            views.set("expanded", view(p, expanded, message));
        }
        return out;
    }

    private static ObjectNode view(Platform p, View v, JsonNode m) {
        ObjectNode out = EventCodec.mapper().createObjectNode();
        ArrayNode truncated = EventCodec.mapper().createArrayNode();
        List<String> ignored = new ArrayList<>();
        String title = text(m, "title");
        if (title != null) out.put("title", cut(title, v.title(), "title", truncated));
        String body = text(m, "body");
        if (body != null) out.put("body", cut(body, v.body(), "body", truncated));
        String image = text(m, "imageUrl");
        if (image != null) {
            if (v.image()) out.put("imageUrl", image);
            else ignored.add("imageUrl");
        }
        JsonNode buttons = m.get("buttons");
        if (buttons != null && buttons.isArray() && !buttons.isEmpty()) {
            if (v.maxButtons() == 0) {
                ignored.add("buttons");
            } else {
                ArrayNode shown = out.putArray("buttons");
                for (int i = 0; i < buttons.size(); i++) {
                    JsonNode b = buttons.get(i);
                    String id = b.path("id").asText();
                    if (i >= v.maxButtons()) {
                        ignored.add("buttons[" + i + "]");
                        continue;
                    }
                    ObjectNode one = shown.addObject();
                    one.put("id", id);
                    one.put("label", cut(b.path("label").asText(), new Room(1, v.buttonLabel()),
                            "buttons[" + i + "].label", truncated));
                }
            }
        }
        for (String f : List.of("sound", "badge")) {
            if (m.hasNonNull(f) && p.neverShown().contains(f)) ignored.add(f);
        }
        out.set("truncated", truncated);
        ArrayNode ig = out.putArray("ignored");
        ignored.forEach(ig::add);
        return out;
    }

    /** {@code text} as shown in {@code room}: wrapped, cut to its lines, "…" at the end when something was left out. */
    static String cut(String text, Room room, String field, ArrayNode truncated) {
        List<Line> lines = wrap(text, room.perLine());
        if (lines.size() <= room.lines()) return join(lines);
        truncated.add(field);
        List<Line> kept = new ArrayList<>(lines.subList(0, room.lines()));
        Line last = kept.removeLast();
        int[] cps = last.text().codePoints().toArray();
        int room0 = Math.min(cps.length, room.perLine() - 1);
        String head = new String(cps, 0, room0).stripTrailing();
        kept.add(new Line(head + ELLIPSIS, last.hardBreak()));
        return join(kept);
    }

    /** A shown line, and whether the text had a line break after it (else the wrap was soft: a space). */
    private record Line(String text, boolean hardBreak) {
    }

    private static List<Line> wrap(String text, int width) {
        List<Line> out = new ArrayList<>();
        String[] paragraphs = text.strip().replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        for (String para : paragraphs) {
            String[] words = para.strip().split("[ \\t\\u00A0]+");
            StringBuilder line = new StringBuilder();
            int lineLen = 0;
            for (String w : words) {
                if (w.isEmpty()) continue;
                int[] cps = w.codePoints().toArray();
                int start = 0;
                while (start < cps.length) {
                    int need = cps.length - start;
                    int gap = lineLen == 0 ? 0 : 1;
                    if (lineLen + gap + need <= width) {
                        if (gap == 1) line.append(' ');
                        line.append(new String(cps, start, need));
                        lineLen += gap + need;
                        start = cps.length;
                    } else if (lineLen > 0) {
                        out.add(new Line(line.toString(), false));
                        line.setLength(0);
                        lineLen = 0;
                    } else { // a word longer than a line: broken
                        line.append(new String(cps, start, width));
                        out.add(new Line(line.toString(), false));
                        line.setLength(0);
                        start += width;
                    }
                }
            }
            out.add(new Line(line.toString(), true));
        }
        return out;
    }

    private static String join(List<Line> lines) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            b.append(lines.get(i).text());
            if (i < lines.size() - 1) b.append(lines.get(i).hardBreak() ? "\n" : " ");
        }
        return b.toString();
    }

    private static String text(JsonNode m, String field) {
        JsonNode v = m.get(field);
        return v != null && v.isTextual() && !v.textValue().isEmpty() ? v.textValue() : null;
    }
}
