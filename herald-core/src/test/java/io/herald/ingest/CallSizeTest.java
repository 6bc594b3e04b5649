package io.herald.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The size check of calls inside a batch against its oracle, the length of the call's compact JSON. */
class CallSizeTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Characters that escape (controls, quote, backslash), that do not, and that take two UTF-16 units. */
    private static final String[] PIECES = {"a", "Z", " ", "\"", "\\", "/", "\u0000", "\n", "\t", "\u001f", "\u007f",
            "é", "日本", "\u2028", "😀", "\ud800", "<script>"};

    @Test
    void boundIsNeverBelowTheCompactLengthOfRandomTrees() {
        SplittableRandom random = new SplittableRandom(32 * 1024);
        for (int i = 0; i < 5_000; i++) {
            JsonNode node = tree(random, 0);
            assertThat(CallSize.upperBound(node)).as(node.toString()).isGreaterThanOrEqualTo(node.toString().length());
        }
    }

    @Test
    void boundHoldsForNumbersAsTheParserReadsThem() throws Exception {
        // Exponent forms grow when written back ("1e6" is 1000000.0): the bound must not assume the text's length.
        JsonNode parsed = EventCodec.mapper().readTree("[1e6,1E-7,-1e308,4.9e-324,0.1,-0,123456789012,"
                + "12345678901234567890123,1.5e400,\"\\u0001\"]");
        for (JsonNode n : parsed) {
            assertThat(CallSize.upperBound(n)).as(n.toString()).isGreaterThanOrEqualTo(n.toString().length());
        }
    }

    @Test
    void callIsTooLongExactlyWhenItsCompactJsonIsOverTheLimit() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            JsonNode node = tree(random, 0);
            int length = node.toString().length();
            for (int limit : new int[] {length - 1, length, length + 1, length / 2, length * 3}) {
                assertThat(CallSize.longerThan(node, limit)).as(limit + ": " + node).isEqualTo(length > limit);
            }
        }
    }

    /** A random JSON tree, mostly small, with every kind of node and awkward text. */
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
            case 4 -> NODES.numberNode(new BigInteger(r.nextInt(1, 300), new java.util.Random(r.nextLong())));
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

    private static String text(SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) sb.append(PIECES[r.nextInt(PIECES.length)]);
        return sb.toString();
    }
}
