package io.herald.policy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a gate remembers of people's sends from one round to the next, on SQLite: per person, the {@code sent_at} and
 * channel of their non-transactional deliveries sent after some instant, and the person's version in {@code
 * send_versions} (V15) that this memory is true for.
 *
 * <p>Why: counting the round's people's sends in the store was 40% of the gate's time (a range of the sends index per
 * person, every round, for the same people again and again). The version makes the memory safe without trusting
 * any writer to report to it: the store's triggers bump a person's version on every change to what the counts read,
 * whoever makes it (a merge, an erasure, a retried send, another process). A person is remembered only while the
 * stored version equals the remembered one; anything else is read again. The gate's own writes (the round's sends,
 * written by the dispatcher in the gate's transaction) are applied here with the bump they cause once that
 * transaction has committed ({@link #written}), so that the memory survives them; a rolled-back round is never
 * applied, and one applied late (after a later round read the person again) is not applied twice.
 *
 * <p>At most {@value #MAX_PEOPLE} people, the least recently asked about forgotten first: ~12 bytes a remembered send
 * and ~250 a person, so ~20 MB at the bound with ten sends each.
 */
final class SendLedger {
    static final int MAX_PEOPLE = 50_000;

    /** One person's remembered sends: complete for {@code sent_at > from}, true at {@code version}. */
    static final class Sends {
        private long version;
        private long from;
        private long[] at = new long[4];
        private String[] channel = new String[4];
        private int n;

        Sends(long version, long from) {
            this.version = version;
            this.from = from;
        }

        void add(long sentAt, String sentOn) {
            if (n == at.length) {
                at = Arrays.copyOf(at, n * 2);
                channel = Arrays.copyOf(channel, n * 2);
            }
            at[n] = sentAt;
            channel[n] = sentOn;
            n++;
        }

        /** The sends in {@code (now - per, now]} on the channels {@code cap} counts, as the store's count reads them. */
        int count(Policies.FrequencyCap cap, long now) {
            long after = now - cap.per().toMillis();
            int c = 0;
            for (int i = 0; i < n; i++) {
                if (at[i] > after && at[i] <= now && Snapshot.counts(cap, channel[i])) c++;
            }
            return c;
        }

        /** Forgets the sends at or before {@code from}, which no count asks about any more. */
        private void forgetUpTo(long from) {
            int kept = 0;
            for (int i = 0; i < n; i++) {
                if (at[i] <= from) continue;
                at[kept] = at[i];
                channel[kept++] = channel[i];
            }
            Arrays.fill(channel, kept, n, null);
            n = kept;
            this.from = from;
        }
    }

    private final Map<String, Sends> people = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Sends> eldest) {
            return size() > MAX_PEOPLE;
        }
    };

    /** The person's remembered sends if they are still true at {@code version} and complete after {@code from}. */
    synchronized Sends get(String personId, long version, long from) {
        Sends s = people.get(personId);
        if (s == null || s.version != version || s.from > from) return null;
        // Windows only move forward (until the policies change, and then from moves back and the person is read).
        if (from > s.from) s.forgetUpTo(from);
        return s;
    }

    /** Remembers sends just read from the store at the person's {@code version}. */
    synchronized void remember(String personId, Sends sends) {
        people.put(personId, sends);
    }

    /**
     * Applies sends the caller wrote and committed: each is a delivery now {@code sending} with {@code sent_at} = its
     * request's {@code now}, a {@code sent_at} it did not have, so each bumped its person's version by one. Applied
     * only to a person remembered at the version the round read ({@code versions}): a person read again since then
     * (by a later round, after this commit) is remembered with these sends already.
     */
    synchronized void written(Map<String, Long> versions, List<GateRequest> sends) {
        Map<String, Sends> applied = new HashMap<>();
        for (GateRequest r : sends) {
            Sends s = applied.get(r.personId());
            if (s == null) {
                Long read = versions.get(r.personId());
                s = read == null ? null : people.get(r.personId());
                if (s == null || s.version != read) continue;
                applied.put(r.personId(), s);
            }
            s.version++;
            if (!r.transactional()) s.add(r.now(), r.channel());
        }
    }

    synchronized int size() {
        return people.size();
    }
}
