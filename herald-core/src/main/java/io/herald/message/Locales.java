package io.herald.message;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** Picks a translation for a person's locale: {@code pt-BR} → {@code pt} → the message as written. */
final class Locales {
    private Locales() {
    }

    /** {@code pt_BR}, {@code PT-br} → {@code pt-br}: how locales compare. */
    static String normalize(String tag) {
        return tag.replace('_', '-').toLowerCase(Locale.ROOT);
    }

    /**
     * The translation of {@code translations} ({locale: fields}) that best fits {@code locale}, or null: the
     * exact tag, then each shorter prefix ({@code zh-Hant-TW} → {@code zh-Hant} → {@code zh}), case and {@code _}
     * or {@code -} aside.
     */
    static JsonNode pick(JsonNode translations, String locale) {
        if (translations == null || !translations.isObject() || translations.isEmpty() || locale == null || locale.isBlank()) {
            return null;
        }
        String want = normalize(locale.trim());
        while (true) {
            for (Iterator<Map.Entry<String, JsonNode>> it = translations.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (normalize(e.getKey()).equals(want)) return e.getValue();
            }
            int dash = want.lastIndexOf('-');
            if (dash < 0) return null;
            want = want.substring(0, dash);
        }
    }

    /** The Java locale for number, money and date names; English when unknown. */
    static Locale of(String tag) {
        if (tag == null || tag.isBlank()) return Locale.ENGLISH;
        Locale known = JAVA.get(tag);
        if (known != null) return known;
        Locale l = Locale.forLanguageTag(tag.trim().replace('_', '-'));
        l = l.getLanguage().isEmpty() ? Locale.ENGLISH : l;
        if (JAVA.size() < 10_000) JAVA.put(tag, l);
        return l;
    }

    /** Parsing a language tag costs more than the rest of a short render; people's locales are few. */
    private static final java.util.Map<String, Locale> JAVA = new java.util.concurrent.ConcurrentHashMap<>();
}
