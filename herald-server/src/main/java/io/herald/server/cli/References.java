package io.herald.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * References between resources in files: a segment named as {@code "key:power-users"} (or by id) where a campaign
 * or a condition names a segment ({@code segment}, {@code segmentEntered}, {@code segmentExited}, a broadcast's
 * {@code segment}), and a campaign named as {@code "key:onboarding"} where a condition names one
 * ({@code {"message": …}}). {@code herald apply} turns keys into the ids of the Herald it talks to; {@code herald
 * export} turns ids back into keys. Messages and webhook requests are content, never references.
 */
final class References {
    static final String PREFIX = "key:";
    private static final Set<String> SEGMENT_FIELDS = Set.of("segment", "segmentEntered", "segmentExited");
    private static final Set<String> CAMPAIGN_FIELDS = Set.of("message");
    private static final Set<String> CONTENT = Set.of("message", "request", "set");

    private References() {
    }

    /** A key that names no resource: where it is and what is wrong. */
    static final class Unresolved extends RuntimeException {
        final String field;

        Unresolved(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }

    /** How keys turn into ids (null when no resource has the key). */
    interface Resolver {
        String segment(String key);

        String campaign(String key);
    }

    /** A copy of the resource's body with every {@code key:} reference replaced by the id it names. */
    static ObjectNode resolve(ObjectNode body, Resolver resolver) {
        ObjectNode copy = body.deepCopy();
        visit(copy, "", (field, kind, value) -> {
            if (!value.startsWith(PREFIX)) return null;
            String key = value.substring(PREFIX.length());
            String id = kind == Kind.SEGMENT ? resolver.segment(key) : resolver.campaign(key);
            if (id == null) throw new Unresolved(field, "no " + kind.word + " with key " + key);
            return id;
        });
        return copy;
    }

    /** A copy with every id that names a resource with a key replaced by {@code key:} and that key. */
    static ObjectNode unresolve(ObjectNode body, Map<String, String> segmentKeys, Map<String, String> campaignKeys) {
        ObjectNode copy = body.deepCopy();
        visit(copy, "", (field, kind, value) -> {
            String key = (kind == Kind.SEGMENT ? segmentKeys : campaignKeys).get(value);
            return key == null ? null : PREFIX + key;
        });
        return copy;
    }

    /** The keys of the resources of a kind that a body names with {@code key:}. */
    static Set<String> keysNamed(ObjectNode body, Kind kind) {
        Set<String> out = new LinkedHashSet<>();
        visit(body.deepCopy(), "", (field, k, value) -> {
            if (k == kind && value.startsWith(PREFIX)) out.add(value.substring(PREFIX.length()));
            return null;
        });
        return out;
    }

    private interface Rewrite {
        /** The new text of a reference, or null to leave it. */
        String apply(String field, Kind kind, String value);
    }

    private static void visit(JsonNode n, String path, Rewrite rewrite) {
        if (n instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode v = o.get(name);
                String field = path.isEmpty() ? name : path + "." + name;
                Kind kind = SEGMENT_FIELDS.contains(name) ? Kind.SEGMENT : CAMPAIGN_FIELDS.contains(name) ? Kind.CAMPAIGN : null;
                if (kind != null && v.isTextual()) {
                    String to = rewrite.apply(field, kind, v.textValue());
                    if (to != null) o.set(name, TextNode.valueOf(to));
                } else if (!(CONTENT.contains(name) && v.isObject())) {
                    visit(v, field, rewrite);
                }
            }
        } else if (n instanceof ArrayNode a) {
            int i = 0;
            for (Iterator<JsonNode> it = a.elements(); it.hasNext(); i++) visit(it.next(), path + "[" + i + "]", rewrite);
        }
    }

    /** The two kinds of resource a reference can name. */
    enum Kind {
        SEGMENT("segment"), CAMPAIGN("campaign");

        final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    /**
     * Orders resources so each comes after those it names by key (a segment built on another segment, a campaign
     * whose condition names another campaign's messages). A cycle cannot be created in any order.
     *
     * @return the keys in order, or throws naming the cycle
     */
    static List<String> order(Map<String, Set<String>> dependsOn, Function<String, String> where) {
        List<String> out = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        for (String key : dependsOn.keySet()) visit(key, dependsOn, done, new ArrayList<>(), out, where);
        return out;
    }

    private static void visit(String key, Map<String, Set<String>> dependsOn, Set<String> done, List<String> stack,
                              List<String> out, Function<String, String> where) {
        if (done.contains(key)) return;
        if (stack.contains(key)) {
            List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(key), stack.size()));
            cycle.add(key);
            throw new Unresolved(null, where.apply(key) + ": these refer to each other in a cycle, so none can be "
                    + "created first: " + String.join(" → ", cycle));
        }
        stack.add(key);
        for (String d : dependsOn.getOrDefault(key, Set.of())) {
            if (!d.equals(key) && dependsOn.containsKey(d)) visit(d, dependsOn, done, stack, out, where);
        }
        stack.remove(stack.size() - 1);
        done.add(key);
        out.add(key);
    }
}
