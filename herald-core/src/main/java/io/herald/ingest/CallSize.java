package io.herald.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;

/**
 * Whether a call inside a batch is over the per-call limit. The measure is the length of the call's compact JSON,
 * {@code call.toString().length()}, as it always was.
 *
 * <p>Why not simply serialise: a realistic batch is over 32 KB, so every one of its calls was re-serialised only to be
 * measured, about an eighth of a request's CPU. An upper bound of that length needs only the tree's shape and its
 * strings' lengths (escaped, a character takes at most six: {@code \u001f}). A call whose bound is within the limit
 * is within it; only a call that may not be (several KB of text) is serialised for the exact length. (Measuring the
 * call's bytes in the body instead would count whitespace and UTF-8 bytes, and refuse calls accepted today.)
 */
final class CallSize {
    /** A node whose compact length is not bounded here; forces the exact measure. */
    private static final long UNBOUNDED = Integer.MAX_VALUE;

    private CallSize() {
    }

    static boolean longerThan(JsonNode call, int maxChars) {
        return upperBound(call) > maxChars && call.toString().length() > maxChars;
    }

    /** At least {@code node.toString().length()}. */
    static long upperBound(JsonNode node) {
        // instanceof rather than getNodeType(): this runs for every node of every call of a large batch, and the
        // type tests are cheaper than a megamorphic call.
        if (node instanceof TextNode) return quoted(node.textValue());
        if (node instanceof ObjectNode object) {
            long length = 2 + Math.max(0, object.size() - 1); // braces and commas
            for (Map.Entry<String, JsonNode> e : object.properties()) {
                length += quoted(e.getKey()) + 1 + upperBound(e.getValue());
            }
            return length;
        }
        if (node instanceof ArrayNode array) {
            long length = 2 + Math.max(0, array.size() - 1);
            for (JsonNode element : array) length += upperBound(element);
            return length;
        }
        if (node instanceof IntNode) return 11;  // -2147483648
        if (node instanceof LongNode) return 20; // -9223372036854775808
        // Double.toString is at most 24 characters (-2.2250738585072014E-308); "-Infinity" quoted is 11.
        if (node instanceof DoubleNode) return 32;
        if (node instanceof BooleanNode) return 5;
        if (node instanceof NullNode) return 4;
        return UNBOUNDED; // big numbers, floats, binary and POJO nodes: rare, measured exactly
    }

    private static long quoted(String s) {
        return 2 + 6L * s.length();
    }
}
