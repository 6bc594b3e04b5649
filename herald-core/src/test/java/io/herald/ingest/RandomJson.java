package io.herald.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import java.util.SplittableRandom;

/** Random JSON trees for property tests: every kind of node, awkward text, mostly small. */
final class RandomJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Characters that escape (controls, quote, backslash), that do not, and that take two UTF-16 units. */
    private static final String[] PIECES = {"a", "Z", " ", "\"", "\\", "/", "\u0000", "\b", "\n", "\t", "\f", "\r",
            "\u000b", "\u001f", "\u007f", "é", "ÿ", "日本", "\u2028", "😀", "\ud800", "<script>"};

    private RandomJson() {
    }

    static JsonNode tree(SplittableRandom r) {
        return tree(r, 0);
    }

    private static JsonNode tree(SplittableRandom r, int depth) {
        int kind = r.nextInt(depth >= 4 ? 8 : 11);
        return switch (kind) {
            case 0 -> NODES.textNode(text(r));
            case 1 -> NODES.numberNode(r.nextInt());
            case 2 -> NODES.numberNode(r.nextLong());
            case 3 -> NODES.numberNode(switch (r.nextInt(4)) {
                case 0 -> r.nextDouble();
                case 1 -> Math.scalb(r.nextDouble(), r.nextInt(-1100, 1100));
                case 2 -> (double) r.nextInt(1_000_000) * Math.pow(10, r.nextInt(-12, 12));
                default -> new double[] {Double.NaN, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE}[r.nextInt(4)];
            });
            case 4 -> NODES.numberNode(new BigInteger(r.nextInt(1, 300), new Random(r.nextLong())));
            case 5 -> NODES.numberNode(new BigDecimal(BigInteger.valueOf(r.nextLong()), r.nextInt(-50, 50)));
            case 6 -> NODES.booleanNode(r.nextBoolean());
            case 7 -> NODES.nullNode();
            case 8, 9 -> {
                ObjectNode o = NODES.objectNode();
                int n = r.nextInt(6);
                for (int i = 0; i < n; i++) o.set(text(r), tree(r, depth + 1));
                yield o;
            }
            default -> {
                ArrayNode a = NODES.arrayNode();
                int n = r.nextInt(6);
                for (int i = 0; i < n; i++) a.add(tree(r, depth + 1));
                yield a;
            }
        };
    }

    /** An object at the root, as contexts, properties and traits are. */
    static ObjectNode object(SplittableRandom r) {
        ObjectNode o = NODES.objectNode();
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) o.set(text(r), tree(r, 1));
        return o;
    }

    static String text(SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) sb.append(PIECES[r.nextInt(PIECES.length)]);
        return sb.toString();
    }
}
