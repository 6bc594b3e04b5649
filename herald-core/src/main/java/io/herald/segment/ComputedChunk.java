package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A chunk of a workspace's people computed for its newer segments by {@link Computations}: read and evaluated while
 * batches go on ({@link #read}), then written with no batch in flight ({@link #write}), where the people a batch
 * touched after the read began, and any the read did not see, are computed again from what is committed.
 */
final class ComputedChunk {
    private final String workspaceId;
    private final SegmentIndex idx;
    private final String after;
    private final int size;
    /** Every person read, in id order. */
    private final List<String> ids;
    /** Those behind the index's generation, computed. */
    private final Map<String, PersonSegments> computed;

    private ComputedChunk(String workspaceId, SegmentIndex idx, String after, int size, List<String> ids,
                          Map<String, PersonSegments> computed) {
        this.workspaceId = workspaceId;
        this.idx = idx;
        this.after = after;
        this.size = size;
        this.ids = ids;
        this.computed = computed;
    }

    /** Where the tallies of people behind come from: their history in the store, or a scan of it. */
    interface Histories {
        void fill(Connection c, String workspaceId, List<PersonSegments> behind, SegmentIndex idx, long now)
                throws SQLException;
    }

    /** Each person's history read from the store now. */
    static final Histories FROM_STORE = (c, workspaceId, behind, idx, now) ->
            History.fill(c, workspaceId, behind, new ArrayList<>(idx.tallies.values()), now);

    /** Reads and computes up to {@code size} people after the id {@code after}; writes nothing. */
    static ComputedChunk read(Connection c, String workspaceId, SegmentIndex idx, String after, int size,
                              Histories histories, long now) throws SQLException {
        List<String> ids = Sql.query(c, "SELECT id FROM persons WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?",
                rs -> rs.getString(1), workspaceId, after, size);
        SegmentBatch sb = new SegmentBatch(() -> c, ws -> idx);
        Map<String, PersonSegments> computed = new LinkedHashMap<>();
        for (PersonSegments ps : compute(c, workspaceId, idx, sb, ids, histories, now)) computed.put(ps.personId, ps);
        return new ComputedChunk(workspaceId, idx, after, size, ids, computed);
    }

    /**
     * Writes the chunk: the people now in its range of ids, those read and untouched as computed, the others computed
     * again here. Returns the people of the range (empty: there is no one after {@code after}).
     *
     * @param touched whether a batch changed a person after the read began
     * @param readIsStale something other than batches changed people meanwhile (erasure): compute them all again
     */
    List<String> write(Connection c, Predicate<String> touched, boolean readIsStale, long now,
                       SegmentBatch.Partitions partitions) throws SQLException {
        // The range read before, as it is now: people created meanwhile by a batch of an older generation are in it.
        boolean end = ids.size() < size;
        List<String> current = end || ids.isEmpty()
                ? Sql.query(c, "SELECT id FROM persons WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?",
                        rs -> rs.getString(1), workspaceId, after, size)
                : Sql.query(c, "SELECT id FROM persons WHERE workspace_id = ? AND id > ? AND id <= ? ORDER BY id",
                        rs -> rs.getString(1), workspaceId, after, ids.get(ids.size() - 1));
        if (current.isEmpty()) return current;
        Set<String> read = new HashSet<>(ids);
        SegmentBatch sb = new SegmentBatch(() -> c, ws -> idx);
        List<String> again = new ArrayList<>();
        for (String id : current) {
            if (readIsStale || !read.contains(id) || touched.test(id)) {
                again.add(id);
            } else {
                PersonSegments ps = computed.get(id);
                if (ps != null) sb.adopt(ps); // else: already computed for this generation when read, and untouched
            }
        }
        compute(c, workspaceId, idx, sb, again, FROM_STORE, now);
        sb.flush(now, partitions);
        return current;
    }

    /**
     * Computes, in {@code sb}, the given people who are behind the index's generation: their tallies rebuilt from
     * their history, their newer segments (and time-dependent ones, whose wake-up this sets afresh) evaluated
     * silently. Returns those it computed.
     */
    static List<PersonSegments> compute(Connection c, String workspaceId, SegmentIndex idx, SegmentBatch sb,
                                        List<String> ids, Histories histories, long now) throws SQLException {
        sb.load(ids);
        List<PersonSegments> behind = new ArrayList<>();
        Map<String, Long> oldGeneration = new HashMap<>();
        long oldest = Long.MAX_VALUE;
        for (String id : ids) {
            PersonSegments ps = sb.get(id, workspaceId, 0);
            if (ps.generation >= idx.generation) continue;
            behind.add(ps);
            oldGeneration.put(id, ps.generation);
            oldest = Math.min(oldest, ps.generation);
        }
        if (behind.isEmpty()) return behind;
        histories.fill(c, workspaceId, behind, idx, now);
        Map<String, JsonNode> attributes = readsAttributes(idx, oldest) ? attributes(c, behind) : Map.of();
        for (PersonSegments ps : behind) {
            long old = oldGeneration.get(ps.personId);
            ps.generation = idx.generation;
            ps.stateDirty = true;
            BitSet todo = new BitSet(idx.ordered.size());
            for (SegmentIndex.Compiled s : idx.ordered) {
                if (s.generation() > old || s.timeDependent()) todo.set(s.order());
            }
            PersonFacts facts = new PersonFacts(ps, idx, () -> c, () -> attributes.get(ps.personId));
            Membership.evaluate(idx, ps, facts, todo, now, Membership.Mode.SILENT, Map.of());
        }
        return behind;
    }

    /** Whether a segment evaluated for people of generation {@code oldest} or newer reads attributes. */
    private static boolean readsAttributes(SegmentIndex idx, long oldest) {
        for (SegmentIndex.Compiled s : idx.ordered) {
            if ((s.generation() > oldest || s.timeDependent()) && !Conditions.attributes(s.condition()).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, JsonNode> attributes(Connection c, List<PersonSegments> people) throws SQLException {
        Map<String, JsonNode> out = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (PersonSegments ps : people) ids.add(ps.personId);
        for (List<String> chunk : Sql.chunks(ids)) {
            for (Object[] r : Sql.query(c, "SELECT id, attributes FROM persons WHERE id IN (" + Sql.placeholders(chunk.size())
                    + ")", rs -> new Object[] {rs.getString(1), rs.getString(2)}, chunk.toArray())) {
                out.put((String) r[0], Json.parse((String) r[1]));
            }
        }
        return out;
    }
}
