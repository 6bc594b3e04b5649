package io.herald.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The window search gallops from the newest entry; a linear scan is the oracle. */
class TallyTest {
    @Test
    void windowBoundsAgreeWithALinearScanForAnyEntriesAndPoint() {
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 2000; round++) {
            Tally t = new Tally();
            int n = random.nextInt(round % 10 == 0 ? 300 : 12);
            long[] times = new long[n];
            for (int i = 0; i < n; i++) {
                times[i] = random.nextLong(50); // duplicates on purpose
                t.add(times[i], Double.NaN, 1_000, 49);
            }
            for (long point = -2; point <= 52; point++) {
                int expected = 0;
                for (long x : times) if (x <= point) expected++; // entries are sorted: those <= point come first
                assertThat(t.from(point)).as("from(%d) over %d entries", point, n).isEqualTo(expected);
                assertThat(t.to(point)).isEqualTo(expected);
            }
        }
    }
}
