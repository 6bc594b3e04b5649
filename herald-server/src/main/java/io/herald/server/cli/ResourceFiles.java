package io.herald.server.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Campaigns, segments and topics as files (campaigns as code): JSON or YAML, one resource per file or a list of
 * them, each with its {@code kind} and a stable {@code key}. Reads a directory for {@code herald apply}, writes one
 * for {@code herald export}. A file's fields are those of the admin API's body for the resource, plus {@code kind}
 * (and a campaign's {@code status}).
 */
final class ResourceFiles {
    /** YAML as export writes it: no document marker, quotes only where a value would read back as something else. */
    static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    static final Set<String> STATUSES = Set.of("draft", "active", "paused", "archived");

    private ResourceFiles() {
    }

    /** The kinds of resource files hold, in the order apply creates them (what is named must exist first). */
    enum Kind {
        TOPIC, SEGMENT, CAMPAIGN;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Where export writes this kind: {@code campaigns/}, {@code segments/}, {@code topics/}. */
        String folder() {
            return word() + "s";
        }
    }

    /**
     * One resource from a file: where it is ({@code campaigns/onboarding.yaml}, with {@code [2]} for the third of a
     * list), its kind, key (or, for one that exists only without a key, id), a campaign's status (null: leave it),
     * and the body the admin API takes.
     */
    record Resource(String where, Kind kind, String key, String id, String status, ObjectNode body) {
        String name() {
            return key != null ? key : id;
        }
    }

    /** Files that cannot be applied; each problem is a line {@code file: field: message}. */
    static final class Invalid extends RuntimeException {
        final List<String> problems;

        Invalid(List<String> problems) {
            super(String.join("\n", problems), null, false, false);
            this.problems = problems;
        }
    }

    /** The resources of a file, or of every {@code .json}, {@code .yaml} and {@code .yml} file under a directory. */
    static List<Resource> read(Path path) {
        List<String> problems = new ArrayList<>();
        List<Resource> out = new ArrayList<>();
        if (!Files.exists(path)) throw new Invalid(List.of(path + ": no such file or directory"));
        List<Path> files = Files.isDirectory(path) ? filesUnder(path) : List.of(path);
        if (files.isEmpty()) throw new Invalid(List.of(path + ": no .json, .yaml or .yml files"));
        Map<String, String> seen = new HashMap<>();
        for (Path file : files) {
            String where = Files.isDirectory(path) ? path.relativize(file).toString() : file.toString();
            List<JsonNode> documents;
            try {
                documents = parse(file);
            } catch (JsonProcessingException e) {
                problems.add(where + ": " + syntax(e));
                continue;
            } catch (IOException e) {
                problems.add(where + ": cannot read: " + e.getMessage());
                continue;
            }
            List<Map.Entry<String, JsonNode>> items = new ArrayList<>();
            for (JsonNode doc : documents) {
                if (doc instanceof ArrayNode list) {
                    for (int i = 0; i < list.size(); i++) items.add(Map.entry(where + "[" + i + "]", list.get(i)));
                } else {
                    items.add(Map.entry(documents.size() == 1 ? where : where + "[" + items.size() + "]", doc));
                }
            }
            for (Map.Entry<String, JsonNode> item : items) {
                try {
                    Resource r = resource(item.getKey(), item.getValue());
                    String identity = r.kind() + ":" + (r.key() != null ? "key:" + r.key() : "id:" + r.id());
                    String other = seen.putIfAbsent(identity, r.where());
                    if (other != null) {
                        throw problem(r.key() != null ? "key" : "id", r.kind().word() + " " + r.name()
                                + " is also defined in " + other);
                    }
                    out.add(r);
                } catch (Problem p) {
                    problems.add(item.getKey() + ": " + (p.field == null ? "" : p.field + ": ") + p.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) throw new Invalid(problems);
        return out;
    }

    private static List<Path> filesUnder(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(f -> !dir.relativize(f).toString().startsWith(".") && !dir.relativize(f).toString().contains("/."))
                    .filter(f -> extension(f) != null)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String extension(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".json")) return "json";
        if (n.endsWith(".yaml") || n.endsWith(".yml")) return "yaml";
        return null;
    }

    private static List<JsonNode> parse(Path file) throws IOException {
        ObjectMapper mapper = "json".equals(extension(file)) ? JSON : YAML;
        List<JsonNode> out = new ArrayList<>();
        try (JsonParser p = mapper.getFactory().createParser(Files.readString(file, StandardCharsets.UTF_8));
             MappingIterator<JsonNode> docs = mapper.readValues(p, JsonNode.class)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                if (doc != null && !doc.isMissingNode() && !doc.isNull()) out.add(doc);
            }
        } catch (RuntimeException e) {
            // MappingIterator wraps what the parser throws
            if (e.getCause() instanceof JsonProcessingException j) throw j;
            throw e;
        }
        return out;
    }

    /** A syntax error as {@code line L, column C: what is wrong}. */
    private static String syntax(JsonProcessingException e) {
        String problem = e.getOriginalMessage();
        JsonLocation at = e.getLocation();
        // SnakeYAML says what it was parsing, then the problem itself: the problem is what helps.
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
            problem = m.getProblem();
            if (m.getProblemMark() != null) {
                return "line " + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1)
                        + ": " + problem;
            }
        }
        problem = problem == null ? "not valid" : problem.lines().findFirst().orElse(problem);
        return (at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ")
                + problem;
    }

    /** A mistake in one resource of a file. */
    private static final class Problem extends RuntimeException {
        final String field;

        Problem(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }

    private static Problem problem(String field, String message) {
        return new Problem(field, message);
    }

    private static Resource resource(String where, JsonNode n) {
        if (!(n instanceof ObjectNode o)) {
            throw problem(null, "a resource must be an object with kind (campaign, segment or topic), or a list of them");
        }
        JsonNode k = o.get("kind");
        if (k == null || k.isNull()) throw problem("kind", "kind is required: campaign, segment or topic");
        Kind kind = null;
        for (Kind candidate : Kind.values()) if (k.isTextual() && candidate.word().equals(k.textValue())) kind = candidate;
        if (kind == null) throw problem("kind", "unknown kind " + k + ": campaign, segment or topic");
        ObjectNode body = o.deepCopy();
        body.remove("kind");
        String key = text(body, "key");
        String id = null;
        String status = null;
        if (kind != Kind.TOPIC) {
            id = text(body, "id");
            body.remove("id");
        }
        if (kind == Kind.CAMPAIGN && body.has("status")) {
            status = text(body, "status");
            if (status == null || !STATUSES.contains(status)) {
                throw problem("status", "status must be draft, active, paused or archived");
            }
            body.remove("status");
        }
        if (key == null && (kind == Kind.TOPIC || id == null)) {
            throw problem("key", kind == Kind.TOPIC ? "a topic needs a key"
                    : "a " + kind.word() + " needs a key (or the id of one that exists)");
        }
        return new Resource(where, kind, key, id, status, body);
    }

    private static String text(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || v.textValue().isBlank()) throw problem(field, field + " must be a non-empty string");
        return v.textValue();
    }

    /** How export writes files. */
    enum Format { YAML, JSON }

    /** Writes one resource to {@code dir/<kind>s/<name>.<yaml|json>} and returns the file's path under dir. */
    static Path write(Path dir, Kind kind, String fileName, ObjectNode content, Format format) throws IOException {
        Path folder = dir.resolve(kind.folder());
        Files.createDirectories(folder);
        Path file = folder.resolve(fileName + (format == Format.YAML ? ".yaml" : ".json"));
        String text = format == Format.YAML ? YAML.writeValueAsString(content)
                : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(content) + "\n";
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return dir.relativize(file);
    }

    /** A file name for a key or id: letters, digits, {@code . _ -} kept, anything else {@code _}. */
    static String fileName(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.startsWith(".")) safe = "_" + safe.substring(1);
        return safe.length() > 100 ? safe.substring(0, 100) : safe;
    }
}
