package io.herald.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The few fields the gate reads of people's stored documents: the boolean choices of a preference document, one
 * top-level string of the attributes (their {@code timezone}), and the zone an id names. Read with a streaming parser,
 * not as trees, and remembered where the same text comes back (preference documents, zone ids).
 */
final class PersonDocuments {
    /**
     * The streaming parser for the documents the gate reads a few fields of; field names are not canonicalized
     * (interned in a shared symbol table), which cost more than the reading itself for documents read once.
     */
    private static final JsonFactory JSON = JsonFactory.builder().disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();
    /** Zones by the ids people's profiles carry (empty: not a zone); a few hundred distinct ids in practice. */
    private static final Map<String, Optional<ZoneId>> ZONES = new ConcurrentHashMap<>();
    private static final int MAX_ZONES = 10_000;

    /**
     * Preference documents' choices by their text, shared by every gate: people's documents are alike (a few
     * channels and topics opted out of), and parsing the same text again was a tenth of a round. Bounded by the
     * characters of the texts kept; a text over {@link #MAX_PARSED_TEXT} is parsed every time.
     */
    private static final Map<String, Choices> PARSED = new ConcurrentHashMap<>();
    private static final int MAX_PARSED_TEXT = 2_000;
    private static final long MAX_PARSED_CHARS = 2_000_000;
    /** The characters of the texts {@link #PARSED} holds; guarded by it. */
    private static long parsedChars;

    private PersonDocuments() {
    }

    /**
     * A person's preferences as the gate reads them: per channel, and per topic and channel, the boolean choices
     * ({@code null} where the document holds anything else). Read with the streaming parser, not as a tree: the gate
     * wants a few booleans of each person's document, and building the tree was a large part of a round.
     */
    record Choices(Map<String, Boolean> channels, Map<String, Map<String, Boolean>> topics) {
        static final Choices NONE = new Choices(Map.of(), Map.of());

        /** As {@code readTree(json).path("channels")} and {@code .path("topics")} read: the last of duplicates wins. */
        static Choices parse(String json) throws IOException {
            try (JsonParser p = JSON.createParser(json)) {
                JsonToken root = p.nextToken();
                if (root != JsonToken.START_OBJECT) {
                    if (root != null) p.skipChildren(); // read to the end of the value: a corrupt one still fails
                    return NONE;
                }
                Map<String, Boolean> channels = Map.of();
                Map<String, Map<String, Boolean>> topics = Map.of();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    if (name.equals("channels")) {
                        channels = t == JsonToken.START_OBJECT ? booleans(p) : skip(p, Map.of());
                    } else if (name.equals("topics")) {
                        if (t != JsonToken.START_OBJECT) {
                            topics = skip(p, Map.of());
                            continue;
                        }
                        topics = new HashMap<>();
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String topic = p.currentName();
                            topics.put(topic, p.nextToken() == JsonToken.START_OBJECT ? booleans(p) : skip(p, Map.of()));
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                return new Choices(Collections.unmodifiableMap(channels), Collections.unmodifiableMap(topics));
            }
        }

        /** The object's fields (the parser is on its start) whose values are booleans; the others map to null. */
        private static Map<String, Boolean> booleans(JsonParser p) throws IOException {
            Map<String, Boolean> out = new HashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                out.put(key, v == JsonToken.VALUE_TRUE ? Boolean.TRUE : v == JsonToken.VALUE_FALSE ? Boolean.FALSE : null);
                p.skipChildren();
            }
            return Collections.unmodifiableMap(out);
        }

        private static <T> T skip(JsonParser p, T value) throws IOException {
            p.skipChildren();
            return value;
        }
    }

    /** The choices of a preference document, parsed once while {@link #PARSED} keeps its text. */
    static Choices choices(String text) throws SQLException {
        Choices known = PARSED.get(text);
        if (known != null) return known;
        Choices choices;
        try {
            choices = Choices.parse(text);
        } catch (IOException e) {
            throw new SQLException("corrupt preferences in the store", e);
        }
        if (text.length() <= MAX_PARSED_TEXT) {
            synchronized (PARSED) {
                if (parsedChars + text.length() > MAX_PARSED_CHARS) { // start over rather than track an order of use
                    PARSED.clear();
                    parsedChars = 0;
                }
                if (PARSED.putIfAbsent(text, choices) == null) parsedChars += text.length();
            }
        }
        return choices;
    }

    /** The zone a profile's id names, or null when it names none (ids are remembered, up to {@value #MAX_ZONES}). */
    static ZoneId zone(String id) {
        if (id == null || id.isBlank()) return null;
        Optional<ZoneId> known = ZONES.get(id);
        if (known != null) return known.orElse(null);
        ZoneId zone;
        try {
            zone = ZoneId.of(id);
        } catch (DateTimeException e) {
            zone = null;
        }
        if (ZONES.size() < MAX_ZONES) ZONES.put(id, Optional.ofNullable(zone));
        return zone;
    }

    /**
     * One top-level string field of a JSON object, read without building the tree: a profile's attributes can be
     * large, and the gate wants one field of them.
     */
    static String topLevelString(String json, String field) throws SQLException {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals(field)) return t == JsonToken.VALUE_STRING ? p.getText() : null;
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            throw new SQLException("corrupt attributes in the store", e);
        }
    }
}
