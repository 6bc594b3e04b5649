package io.herald.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.server.cli.ResourceFiles.Kind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code herald export DIR}: a Herald's campaigns, segments and topics as files, one per resource
 * ({@code campaigns/KEY.yaml}, {@code segments/KEY.yaml}, {@code topics/KEY.yaml}), which {@code herald apply}
 * reads back unchanged. References to resources with a key are written as {@code key:…}; a resource without a key
 * is written with its id.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write every campaign, segment and topic to files under DIR, one per resource, for herald apply.")
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ApplyCommand.Connection connection;

    @Parameters(index = "0", paramLabel = "DIR", description = "Where to write (created if missing; files of the same name are replaced).")
    Path dir;

    @Option(names = "--format", defaultValue = "yaml", description = "yaml (default) or json.")
    String format;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ResourceFiles.Format f = switch (format) {
            case "yaml" -> ResourceFiles.Format.YAML;
            case "json" -> ResourceFiles.Format.JSON;
            default -> null;
        };
        if (f == null) {
            err.println("herald: --format must be yaml or json, was " + format);
            err.flush();
            return 2;
        }
        HeraldApi api = connection.api(err);
        if (api == null) return 2;
        try {
            List<JsonNode> topics = api.all("/api/v1/topics");
            List<JsonNode> segments = api.all("/api/v1/segments");
            List<JsonNode> campaigns = api.all("/api/v1/campaigns");
            Map<String, String> segmentKeys = keys(segments);
            Map<String, String> campaignKeys = keys(campaigns);
            Writer w = new Writer(f, out);
            for (JsonNode t : topics) {
                ObjectNode o = start(Kind.TOPIC, t.path("key").asText(), null);
                o.set("name", t.get("name"));
                o.set("defaultOptIn", t.get("defaultOptIn"));
                w.write(Kind.TOPIC, t.path("key").asText(), o);
            }
            for (JsonNode s : segments) {
                ObjectNode o = start(Kind.SEGMENT, text(s, "key"), s.path("id").asText());
                o.set("name", s.get("name"));
                if (s.path("description").isTextual()) o.set("description", s.get("description"));
                ObjectNode condition = EventCodec.mapper().createObjectNode();
                condition.set("condition", s.get("condition"));
                o.setAll(References.unresolve(condition, segmentKeys, campaignKeys));
                w.write(Kind.SEGMENT, name(o), o);
            }
            for (JsonNode c : campaigns) {
                ObjectNode definition = References.unresolve((ObjectNode) Apply.definitionOf(c).deepCopy(), segmentKeys,
                        campaignKeys);
                ObjectNode o = start(Kind.CAMPAIGN, text(definition, "key"), c.path("id").asText());
                o.set("name", definition.get("name"));
                o.put("status", c.path("status").asText());
                definition.remove(List.of("key", "name"));
                o.setAll(definition);
                w.write(Kind.CAMPAIGN, name(o), o);
            }
            out.printf("Exported %d campaigns, %d segments and %d topics to %s.%n", campaigns.size(), segments.size(),
                    topics.size(), dir);
            out.flush();
            return 0;
        } catch (HeraldApi.Refused e) {
            err.println("herald: " + e.getMessage());
            return e.status / 100 == 4 ? 2 : 1;
        } catch (HeraldApi.Unreachable e) {
            err.println("herald: " + e.getMessage());
            return 1;
        } finally {
            err.flush();
        }
    }

    /** Writes files, giving two resources whose names make the same file name distinct ones. */
    private final class Writer {
        private final ResourceFiles.Format format;
        private final PrintWriter out;
        private final Set<String> used = new HashSet<>();

        Writer(ResourceFiles.Format format, PrintWriter out) {
            this.format = format;
            this.out = out;
        }

        void write(Kind kind, String name, ObjectNode content) throws IOException {
            String file = ResourceFiles.fileName(name);
            for (int n = 2; !used.add(kind + "/" + file.toLowerCase()); n++) file = ResourceFiles.fileName(name) + "-" + n;
            out.println("wrote " + ResourceFiles.write(dir, kind, file, content, format));
        }
    }

    /** A file's first fields: kind, then the key, or the id when there is no key. */
    private static ObjectNode start(Kind kind, String key, String id) {
        ObjectNode o = EventCodec.mapper().createObjectNode().put("kind", kind.word());
        if (key != null) o.put("key", key);
        else o.put("id", id);
        return o;
    }

    private static String name(ObjectNode o) {
        return o.has("key") ? o.get("key").asText() : o.get("id").asText();
    }

    private static String text(JsonNode n, String field) {
        return n.path(field).isTextual() ? n.path(field).textValue() : null;
    }

    /** Id → key of the resources that have a key. */
    private static Map<String, String> keys(List<JsonNode> resources) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode r : resources) {
            String key = r.path("key").isTextual() ? r.path("key").textValue() : Apply.definitionOf(r).path("key").asText(null);
            if (key != null) out.put(r.path("id").asText(), key);
        }
        return out;
    }
}
