package io.herald.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.server.cli.ResourceFiles.Kind;
import io.herald.server.cli.ResourceFiles.Resource;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings a Herald's campaigns, segments and topics to what files say, through the admin API, so every refusal is
 * the API's own. Each resource is found by its key (or id) and compared with what Herald holds: a new one is
 * created, a changed one updated (an active campaign then gets a new version), an unchanged one left alone, so
 * applying the same files twice changes nothing. Topics go first, then segments, then campaigns, each after the
 * ones it names by key. Applying stops at the first refusal; what was applied before it stays (applying again
 * once the file is fixed leaves it unchanged).
 */
final class Apply {
    private static final Set<String> SEGMENT_FIELDS = Set.of("key", "name", "description", "condition");
    private static final Set<String> TOPIC_FIELDS = Set.of("key", "name", "defaultOptIn");
    /** What a campaign view has besides its definition, when the API sends the definition's fields inline. */
    private static final Set<String> CAMPAIGN_METADATA = Set.of("id", "status", "version", "createdAt", "updatedAt",
            "definition");

    private final HeraldApi api;
    private final PrintWriter out;
    private final boolean dryRun;
    private final Map<String, JsonNode> topics = new HashMap<>();
    private final Map<String, JsonNode> segmentsByKey = new HashMap<>();
    private final Map<String, JsonNode> segmentsById = new HashMap<>();
    private final Map<String, JsonNode> campaignsByKey = new HashMap<>();
    private final Map<String, JsonNode> campaignsById = new HashMap<>();
    /** Keys of resources created by this apply; in a dry run their ids stand in as placeholders. */
    private final Map<String, String> createdSegments = new HashMap<>();
    private final Map<String, String> createdCampaigns = new HashMap<>();
    private int created;
    private int updated;
    private int unchanged;

    Apply(HeraldApi api, PrintWriter out, boolean dryRun) {
        this.api = api;
        this.out = out;
        this.dryRun = dryRun;
    }

    /** Applying stopped: the line to print ({@code file: field: message}) and the exit code. */
    static final class Failed extends RuntimeException {
        final int exitCode;

        Failed(String line, int exitCode) {
            super(line, null, false, false);
            this.exitCode = exitCode;
        }
    }

    void run(List<Resource> resources) {
        load();
        List<Resource> ordered = order(resources);
        for (Resource r : ordered) {
            try {
                switch (r.kind()) {
                    case TOPIC -> topic(r);
                    case SEGMENT -> segment(r);
                    case CAMPAIGN -> campaign(r);
                }
            } catch (References.Unresolved e) {
                throw new Failed(r.where() + ": " + e.field + ": " + e.getMessage(), 2);
            } catch (HeraldApi.Refused e) {
                throw new Failed(r.where() + ": " + (e.field == null ? "" : e.field + ": ") + e.getMessage(),
                        e.status / 100 == 4 ? 2 : 1);
            }
        }
        if (dryRun) {
            out.printf("Plan: %d to create, %d to update, %d unchanged (dry run: nothing was changed).%n", created,
                    updated, unchanged);
        } else {
            out.printf("Applied: %d created, %d updated, %d unchanged.%n", created, updated, unchanged);
        }
        out.flush();
    }

    private void load() {
        for (JsonNode t : api.all("/api/v1/topics")) topics.put(t.path("key").asText(), t);
        for (JsonNode s : api.all("/api/v1/segments")) {
            segmentsById.put(s.path("id").asText(), s);
            if (s.path("key").isTextual()) segmentsByKey.put(s.path("key").textValue(), s);
        }
        for (JsonNode c : api.all("/api/v1/campaigns")) {
            campaignsById.put(c.path("id").asText(), c);
            String key = c.path("key").isTextual() ? c.path("key").textValue() : definitionOf(c).path("key").asText(null);
            if (key != null) campaignsByKey.put(key, c);
        }
    }

    /** Topics, segments, campaigns; within a kind, each after those it names by key. */
    private static List<Resource> order(List<Resource> resources) {
        List<Resource> out = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            Map<String, Resource> byName = new LinkedHashMap<>();
            Map<String, Set<String>> deps = new LinkedHashMap<>();
            for (Resource r : resources) {
                if (r.kind() != kind) continue;
                byName.put(r.name(), r);
                deps.put(r.name(), kind == Kind.TOPIC ? Set.of() : References.keysNamed(r.body(),
                        kind == Kind.SEGMENT ? References.Kind.SEGMENT : References.Kind.CAMPAIGN));
            }
            try {
                for (String name : References.order(deps, n -> byName.get(n).where())) out.add(byName.get(name));
            } catch (References.Unresolved e) {
                throw new Failed(e.getMessage(), 2);
            }
        }
        return out;
    }

    private final References.Resolver resolver = new References.Resolver() {
        public String segment(String key) {
            if (createdSegments.containsKey(key)) return createdSegments.get(key);
            JsonNode s = segmentsByKey.get(key);
            return s == null ? null : s.path("id").asText();
        }

        public String campaign(String key) {
            if (createdCampaigns.containsKey(key)) return createdCampaigns.get(key);
            JsonNode c = campaignsByKey.get(key);
            return c == null ? null : c.path("id").asText();
        }
    };

    private void topic(Resource r) {
        JsonNode remote = topics.get(r.key());
        if (remote == null) {
            if (!dryRun) api.post("/api/v1/topics", r.body());
            report("create", r, "");
        } else if (same(r.body(), remote, TOPIC_FIELDS)) {
            report("unchanged", r, "");
        } else {
            if (!dryRun) api.put("/api/v1/topics/" + HeraldApi.pathPart(r.key()), r.body());
            report("update", r, "");
        }
    }

    private void segment(Resource r) {
        ObjectNode desired = References.resolve(r.body(), resolver);
        JsonNode remote = r.key() != null ? segmentsByKey.get(r.key()) : segmentsById.get(r.id());
        if (remote == null && r.key() == null) {
            throw new Failed(r.where() + ": id: no segment " + r.id() + " on this Herald (give it a key to create it)", 2);
        }
        if (remote == null) {
            String id = dryRun ? "(new segment " + r.key() + ")" : api.post("/api/v1/segments", desired).path("id").asText();
            createdSegments.put(r.key(), id);
            report("create", r, "");
        } else if (same(desired, remote, SEGMENT_FIELDS)) {
            report("unchanged", r, "");
        } else {
            // The file is the whole truth: a field it leaves out is cleared, not kept.
            for (String f : List.of("key", "description")) if (!desired.has(f)) desired.putNull(f);
            if (!dryRun) api.put("/api/v1/segments/" + HeraldApi.pathPart(remote.path("id").asText()), desired);
            report("update", r, "");
        }
    }

    private void campaign(Resource r) {
        ObjectNode desired = References.resolve(r.body(), resolver);
        JsonNode remote = r.key() != null ? campaignsByKey.get(r.key()) : campaignsById.get(r.id());
        if (remote == null && r.key() == null) {
            throw new Failed(r.where() + ": id: no campaign " + r.id() + " on this Herald (give it a key to create it)", 2);
        }
        if (remote == null) {
            String status = r.status() == null ? "draft" : r.status();
            String id = "(new campaign " + r.key() + ")";
            if (!dryRun) id = api.post("/api/v1/campaigns", desired).path("id").asText();
            createdCampaigns.put(r.key(), id);
            transition(r, id, "draft", status);
            report("create", r, " (" + status + ")");
            return;
        }
        String id = remote.path("id").asText();
        String status = remote.path("status").asText();
        List<String> changes = new ArrayList<>();
        if (!desired.equals(definitionOf(remote))) {
            if (dryRun) {
                changes.add("draft".equals(status) ? "changed in place" : "new version");
            } else {
                JsonNode now = api.put("/api/v1/campaigns/" + HeraldApi.pathPart(id), desired);
                changes.add("draft".equals(status) ? "changed in place" : "new version " + now.path("version").asText());
            }
        }
        if (r.status() != null && !r.status().equals(status)) {
            transition(r, id, status, r.status());
            changes.add(status + " → " + r.status());
        }
        if (changes.isEmpty()) report("unchanged", r, "");
        else report("update", r, " (" + String.join(", ", changes) + ")");
    }

    /** Moves a campaign from one lifecycle status to another with the API's lifecycle endpoints. */
    private void transition(Resource r, String id, String from, String to) {
        if (from.equals(to)) return;
        if (to.equals("draft")) {
            throw new Failed(r.where() + ": status: campaign " + r.name() + " is " + from + ": it cannot return to draft", 2);
        }
        if (from.equals("draft") && to.equals("paused")) {
            throw new Failed(r.where() + ": status: a draft campaign cannot be paused: activate it (status: active) "
                    + "or leave it a draft", 2);
        }
        String action = switch (to) {
            case "active" -> "activate";
            case "paused" -> "pause";
            default -> "archive";
        };
        if (!dryRun) api.post("/api/v1/campaigns/" + HeraldApi.pathPart(id) + "/" + action, null);
    }

    /** A campaign view's definition, whether the API nests it under {@code definition} or sends its fields inline. */
    static JsonNode definitionOf(JsonNode view) {
        if (view.path("definition").isObject()) return view.get("definition");
        ObjectNode d = view.deepCopy();
        d.remove(CAMPAIGN_METADATA);
        return d;
    }

    /** Whether every field the file gives, and every field that identifies the resource, is as Herald has it. */
    private static boolean same(JsonNode desired, JsonNode remote, Set<String> fields) {
        Set<String> names = new LinkedHashSet<>(fields);
        desired.fieldNames().forEachRemaining(names::add);
        for (String f : names) {
            JsonNode a = desired.get(f) == null ? NullNode.getInstance() : desired.get(f);
            JsonNode b = remote.get(f) == null ? NullNode.getInstance() : remote.get(f);
            if (!a.equals(b)) return false;
        }
        return true;
    }

    private void report(String action, Resource r, String detail) {
        switch (action) {
            case "create" -> created++;
            case "update" -> updated++;
            default -> unchanged++;
        }
        out.printf("%-9s %-8s %s%s%n", action, r.kind().word(), r.name(), detail);
        out.flush();
    }
}
