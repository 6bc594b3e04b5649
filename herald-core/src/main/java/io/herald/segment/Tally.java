package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * One person's running account of the events matching one {@link TallyKey}: totals over all time (count, sum,
 * min, max, last occurrence) and, when some condition looks at a sliding window, each matching event's time and
 * value back to the longest such window. Conditions read this instead of scanning raw events.
 *
 * <p>Why individual entries rather than per-day buckets: "≥ 3 exports in 7 days" must stop holding at the
 * instant the oldest export leaves the window, and backfilled events count by their own timestamp. The entries
 * are bounded by the window and by {@link #MAX_ENTRIES}.
 */
final class Tally {
    /** Most events kept per person and filter inside a window; beyond it the oldest are let go (counts saturate). */
    static final int MAX_ENTRIES = 10_000;

    long count;
    /** Events that carried a numeric value (for averages). */
    long valued;
    double sum;
    double min = Double.NaN;
    double max = Double.NaN;
    long last = Long.MIN_VALUE;
    private long[] times = new long[0];
    private double[] values = new double[0];
    private int size;
    /**
     * The last two window starts asked for and their answers ({@link Long#MIN_VALUE}: none): an evaluation asks the
     * same one again and again (a condition's answer, then its next change; segments sharing the tally and window),
     * and the entries' array is far colder in the cache than these fields.
     */
    private long memoAt1 = Long.MIN_VALUE;
    private long memoAt2 = Long.MIN_VALUE;
    private int memoIndex1;
    private int memoIndex2;

    void add(long ts, double value, long retention, long now) {
        count++;
        if (!Double.isNaN(value)) {
            valued++;
            sum += value;
            min = Double.isNaN(min) ? value : Math.min(min, value);
            max = Double.isNaN(max) ? value : Math.max(max, value);
        }
        if (ts > last) last = ts;
        if (retention > 0 && ts > now - retention) insert(ts, value);
    }

    private void insert(long ts, double value) {
        if (size == times.length) {
            int n = Math.max(4, size * 2);
            times = Arrays.copyOf(times, n);
            values = Arrays.copyOf(values, n);
        }
        int i = upperBound(ts);
        System.arraycopy(times, i, times, i + 1, size - i);
        System.arraycopy(values, i, values, i + 1, size - i);
        times[i] = ts;
        values[i] = value;
        size++;
        forget();
        if (size > MAX_ENTRIES) drop(size - MAX_ENTRIES);
    }

    /** Lets go of entries no window can see any more. */
    void prune(long retention, long now) {
        if (retention <= 0) {
            size = 0;
            forget();
            return;
        }
        int keepFrom = upperBound(now - retention); // entries with ts <= now - retention are out of every window
        if (keepFrom > 0) drop(keepFrom);
    }

    private void drop(int n) {
        System.arraycopy(times, n, times, 0, size - n);
        System.arraycopy(values, n, values, 0, size - n);
        size -= n;
        forget();
    }

    private void forget() {
        memoAt1 = Long.MIN_VALUE;
        memoAt2 = Long.MIN_VALUE;
    }

    /** Index of the first entry with time > t. */
    private int upperBound(long t) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= t) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** Entries with {@code after < ts <= upTo}: the index range [from, to). */
    int from(long after) {
        return remembered(after);
    }

    int to(long upTo) {
        return remembered(upTo);
    }

    private int remembered(long t) {
        if (t == memoAt1 && t != Long.MIN_VALUE) return memoIndex1;
        if (t == memoAt2 && t != Long.MIN_VALUE) return memoIndex2;
        int i = upperBoundFromNewest(t);
        memoAt2 = memoAt1;
        memoIndex2 = memoIndex1;
        memoAt1 = t;
        memoIndex1 = i;
        return i;
    }

    /**
     * {@link #upperBound} for a point near the newest entries, where windows end: gallops back from the newest entry
     * (1, 2, 4… entries) and searches only the last stretch, so a short window reads the cache lines at the end of the
     * arrays rather than a binary search's probes across all of them.
     */
    private int upperBoundFromNewest(long t) {
        int hi = size;
        int step = 1;
        while (hi > 0 && times[hi - 1] > t) { // every entry at or after hi is > t
            int probe = hi - step;
            if (probe <= 0 || times[probe] <= t) {
                int lo = Math.max(0, probe);
                while (lo < hi) { // binary search in [lo, hi): first entry > t
                    int mid = (lo + hi) >>> 1;
                    if (times[mid] <= t) lo = mid + 1;
                    else hi = mid;
                }
                return lo;
            }
            hi = probe;
            step <<= 1;
        }
        return hi;
    }

    long time(int i) {
        return times[i];
    }

    double value(int i) {
        return values[i];
    }

    int size() {
        return size;
    }

    /** Adds another person's tally of the same key (a merge: the two people's events are disjoint). */
    void absorb(Tally o) {
        count += o.count;
        valued += o.valued;
        sum += o.sum;
        if (!Double.isNaN(o.min)) min = Double.isNaN(min) ? o.min : Math.min(min, o.min);
        if (!Double.isNaN(o.max)) max = Double.isNaN(max) ? o.max : Math.max(max, o.max);
        last = Math.max(last, o.last);
        for (int i = 0; i < o.size; i++) insert(o.times[i], o.values[i]);
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("c", count);
        if (valued > 0) {
            o.put("vc", valued);
            o.put("s", sum);
            o.put("mn", min);
            o.put("mx", max);
        }
        if (last != Long.MIN_VALUE) o.put("l", last);
        if (size > 0) {
            ArrayNode e = o.putArray("e");
            for (int i = 0; i < size; i++) {
                e.add(times[i]);
                if (Double.isNaN(values[i])) e.addNull();
                else e.add(values[i]);
            }
        }
        return o;
    }

    static Tally fromJson(JsonNode o) {
        Tally t = new Tally();
        t.count = o.path("c").asLong();
        t.valued = o.path("vc").asLong();
        if (t.valued > 0) {
            t.sum = o.path("s").asDouble();
            t.min = o.path("mn").asDouble();
            t.max = o.path("mx").asDouble();
        }
        t.last = o.has("l") ? o.get("l").asLong() : Long.MIN_VALUE;
        JsonNode e = o.get("e");
        if (e != null) {
            int n = e.size() / 2;
            t.times = new long[n];
            t.values = new double[n];
            for (int i = 0; i < n; i++) {
                t.times[i] = e.get(2 * i).asLong();
                JsonNode v = e.get(2 * i + 1);
                t.values[i] = v.isNull() ? Double.NaN : v.asDouble();
            }
            t.size = n;
        }
        return t;
    }
}
