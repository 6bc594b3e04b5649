package io.herald.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The size check of calls inside a batch against its oracle, the length of the call's compact JSON. */
class CallSizeTest {
    @Test
    void boundIsNeverBelowTheCompactLengthOfRandomTrees() {
        SplittableRandom random = new SplittableRandom(32 * 1024);
        for (int i = 0; i < 5_000; i++) {
            JsonNode node = RandomJson.tree(random);
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
            JsonNode node = RandomJson.tree(random);
            int length = node.toString().length();
            for (int limit : new int[] {length - 1, length, length + 1, length / 2, length * 3}) {
                assertThat(CallSize.longerThan(node, limit)).as(limit + ": " + node).isEqualTo(length > limit);
            }
        }
    }
}
