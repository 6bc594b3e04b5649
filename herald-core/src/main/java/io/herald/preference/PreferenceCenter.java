package io.herald.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.store.Database;
import io.herald.store.Page;
import io.herald.store.Sql;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hosted preference center and one-click unsubscribe behind the links in messages ({@link Links}): the signed
 * token names the workspace and person, and is the only authority these public pages have. Changes go through
 * {@link Preferences#put}, so they reach the person's log like any other preference change.
 *
 * <p>Every refusal is a {@link ClientError} (4xx) with a message meant for the person who clicked the link.
 */
public final class PreferenceCenter {
    /** The form field that marks a submission as the center's own form: without it nothing is saved. */
    public static final String FORM_MARKER = "herald-preferences";

    private final Database db;
    private final Topics topics;
    private final Preferences preferences;
    private final LinkTokens tokens;

    public PreferenceCenter(Database db, Topics topics, Preferences preferences, LinkTokens tokens) {
        this.db = db;
        this.topics = topics;
        this.preferences = preferences;
        this.tokens = tokens;
    }

    /** One topic as the page shows it: per channel, whether the person gets it. */
    public record TopicChoices(String key, String name, Map<String, Boolean> channels) {
    }

    /** What the preference center shows: whose page, the channels and topics with the person's current choices. */
    public record View(String workspaceName, LinkTokens.Claim claim, Map<String, Boolean> channels,
                       List<TopicChoices> topics) {
    }

    /** What a one-click unsubscribe did: the channel, and the topic when only that topic was left. */
    public record Unsubscribed(String channel, String topicKey, String topicName) {
    }

    /** The page for a token. */
    public View open(String token) {
        Person p = person(token);
        return view(p, preferences.get(p.claim.workspaceId(), p.userId));
    }

    /**
     * Saves the page's form: {@code channel.<channel>} and {@code topic.<key>.<channel>} present (checked) or absent
     * (unchecked). A default the person leaves as it is stays a default; what they change, or chose before, is
     * stored as their choice. Returns the page as it will be once the change is applied.
     */
    public View save(String token, Map<String, List<String>> form) {
        Person p = person(token);
        if (!form.containsKey(FORM_MARKER)) {
            throw new ClientError(400, "incomplete_form", "This form is incomplete, so nothing was changed. Open the "
                    + "preference page again and save from there.", null);
        }
        ObjectNode stored = preferences.get(p.claim.workspaceId(), p.userId);
        ObjectNode doc = stored.deepCopy();
        ObjectNode channels = (ObjectNode) doc.get("channels");
        for (String ch : Preferences.CHANNELS) {
            boolean on = form.containsKey("channel." + ch);
            if (channels.has(ch) || !on) channels.put(ch, on);
        }
        ObjectNode topicDoc = (ObjectNode) doc.get("topics");
        for (Topics.Topic t : allTopics(p.claim.workspaceId())) {
            ObjectNode choices = topicDoc.has(t.key()) ? (ObjectNode) topicDoc.get(t.key()) : null;
            for (String ch : Preferences.CHANNELS) {
                boolean on = form.containsKey("topic." + t.key() + "." + ch);
                if ((choices != null && choices.has(ch)) || on != t.defaultOptIn()) {
                    if (choices == null) choices = topicDoc.putObject(t.key());
                    choices.put(ch, on);
                }
            }
        }
        return view(p, preferences.put(p.claim.workspaceId(), p.userId, doc));
    }

    /** Checks a token for the unsubscribe page, without changing anything (GET must not unsubscribe). */
    public Unsubscribed previewUnsubscribe(String token) {
        Person p = person(token);
        return target(p);
    }

    /**
     * One-click unsubscribe: the token's channel, or only its topic on that channel when the message had a topic
     * the workspace still has (a topic deleted since: the whole channel, for the person asked to hear no more).
     */
    public Unsubscribed unsubscribe(String token) {
        Person p = person(token);
        Unsubscribed u = target(p);
        ObjectNode doc = preferences.get(p.claim.workspaceId(), p.userId).deepCopy();
        if (u.topicKey() != null) {
            ObjectNode topicDoc = (ObjectNode) doc.get("topics");
            ObjectNode t = topicDoc.get(u.topicKey()) instanceof ObjectNode o ? o : topicDoc.putObject(u.topicKey());
            t.put(u.channel(), false);
        } else {
            ((ObjectNode) doc.get("channels")).put(u.channel(), false);
        }
        preferences.put(p.claim.workspaceId(), p.userId, doc);
        return u;
    }

    private Unsubscribed target(Person p) {
        String ch = p.claim.channel();
        if (ch == null || !Preferences.CHANNELS.contains(ch)) {
            throw new ClientError(400, "not_unsubscribable", "This link cannot unsubscribe you from anything; use "
                    + "the preference page to choose what you receive.", null);
        }
        if (p.claim.topic() != null) {
            Optional<Topics.Topic> t = allTopics(p.claim.workspaceId()).stream()
                    .filter(x -> x.key().equals(p.claim.topic())).findFirst();
            if (t.isPresent()) return new Unsubscribed(ch, t.get().key(), t.get().name());
        }
        return new Unsubscribed(ch, null, null);
    }

    private View view(Person p, ObjectNode doc) {
        Map<String, Boolean> channels = new LinkedHashMap<>();
        JsonNode chosen = doc.path("channels");
        for (String ch : Preferences.CHANNELS) channels.put(ch, chosen.path(ch).asBoolean(true));
        List<TopicChoices> list = allTopics(p.claim.workspaceId()).stream().map(t -> {
            Map<String, Boolean> per = new LinkedHashMap<>();
            JsonNode c = doc.path("topics").path(t.key());
            for (String ch : Preferences.CHANNELS) per.put(ch, c.path(ch).asBoolean(t.defaultOptIn()));
            return new TopicChoices(t.key(), t.name(), per);
        }).toList();
        return new View(p.workspaceName, p.claim, channels, list);
    }

    private List<Topics.Topic> allTopics(String workspaceId) {
        // A workspace has at most Topics.MAX_TOPICS (1,000) topics: one page holds them all.
        return topics.list(workspaceId, Page.MAX_LIMIT, null).data();
    }

    private record Person(LinkTokens.Claim claim, String workspaceName, String userId) {
    }

    private static boolean exists(java.sql.Connection c, String workspaceId, String personId)
            throws java.sql.SQLException {
        return Sql.queryOne(c, "SELECT 1 FROM persons WHERE id = ? AND workspace_id = ?", rs -> 1, personId,
                workspaceId).isPresent();
    }

    private Person person(String token) {
        LinkTokens.Claim claim = tokens.verify(token).orElseThrow(() -> new ClientError(404, "invalid_link",
                "This link is not valid. It may have been copied incompletely; open it again from the message.", null));
        return db.read(c -> {
            Optional<String> ws = Sql.queryOne(c, "SELECT name FROM workspaces WHERE id = ?", rs -> rs.getString(1),
                    claim.workspaceId());
            String personId = claim.personId();
            if (claim.deliveryId() != null && !exists(c, claim.workspaceId(), personId)) {
                // Merged into another person since the message was sent: its delivery moved with them.
                personId = Sql.queryOne(c, "SELECT person_id FROM deliveries WHERE id = ? AND workspace_id = ?",
                        rs -> rs.getString(1), claim.deliveryId(), claim.workspaceId()).orElse(personId);
            }
            Optional<String> userId = Sql.queryOne(c, "SELECT user_id FROM persons WHERE id = ? AND workspace_id = ?",
                    rs -> Optional.ofNullable(rs.getString(1)), personId, claim.workspaceId())
                    .flatMap(x -> x);
            if (ws.isEmpty() || userId.isEmpty()) {
                throw new ClientError(404, "unknown_person", "This link no longer leads to anyone's preferences: the "
                        + "recipient is no longer known here.", null);
            }
            return new Person(claim, ws.get(), userId.get());
        });
    }
}
