package io.herald.campaign;

import io.herald.error.ClientError;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A campaign's numbers over a time range, counted from its runs and deliveries (API.md {@code GET
 * /campaigns/{id}/metrics}): totals, per message step (and split variant), and per UTC day.
 *
 * <p>Each number counts at the time of its row: {@code entered} and {@code holdout} when the run entered,
 * {@code converted} and {@code holdoutConverted} when the run converted, every delivery number when the delivery
 * was created (attempted) except a step's {@code converted}, when the delivery was credited. A delivery counts for
 * every stage its status implies (a clicked in-app message was sent, delivered and shown), since a delivery keeps
 * only its latest status.
 */
public final class CampaignMetrics {
    /** The numbers of totals and series, in the order the API shows them. */
    public static final List<String> METRICS = List.of("entered", "attempted", "sent", "delivered", "shown", "opened",
            "clicked", "dismissed", "submitted", "converted", "failed", "suppressed", "unknown", "holdout", "holdoutConverted");
    /** The numbers of a step: its deliveries'. */
    public static final List<String> STEP_METRICS = List.of("attempted", "sent", "delivered", "shown", "opened",
            "clicked", "dismissed", "submitted", "converted", "failed", "suppressed", "unknown");
    /** The longest range one request may ask for (its series has a day per day). */
    public static final int MAX_DAYS = 366;
    private static final long DAY = 86_400_000L;
    private static final Set<String> SENT = Set.of("sent", "delivered", "shown", "opened", "clicked", "dismissed",
            "submitted", "converted");
    private static final Set<String> DELIVERED = Set.of("delivered", "shown", "opened", "clicked", "dismissed",
            "submitted", "converted");

    private CampaignMetrics() {
    }

    /** Named counts, with the suppressed ones by reason. */
    public record Counts(Map<String, Long> metrics, Map<String, Long> suppressedBy) {
        static Counts of(List<String> names) {
            Map<String, Long> m = new LinkedHashMap<>();
            for (String n : names) m.put(n, 0L);
            return new Counts(m, new TreeMap<>());
        }

        void add(String metric, long n) {
            metrics.merge(metric, n, Long::sum);
        }
    }

    /** A message (or webhook) step's numbers; {@code variant} is the split path that led there, when one did. */
    public record StepCounts(String step, Integer variant, Counts counts) {
    }

    /** One UTC day's numbers. */
    public record Day(LocalDate date, Counts counts) {
    }

    public record Report(long from, long to, Counts totals, List<StepCounts> steps, List<Day> series) {
    }

    /** The metrics a delivery with this status on this channel counts for (besides {@code attempted}). */
    static List<String> reached(String channel, String status) {
        List<String> out = new ArrayList<>();
        if (SENT.contains(status)) out.add("sent");
        if (DELIVERED.contains(status)) out.add("delivered");
        boolean inApp = "in_app".equals(channel);
        if (status.equals("shown") || inApp && Set.of("clicked", "dismissed", "submitted").contains(status)) out.add("shown");
        if (status.equals("opened") || "email".equals(channel) && status.equals("clicked")) out.add("opened");
        // unknown: the provider's answer was lost; it may or may not have been delivered, so it is not counted sent.
        if (Set.of("clicked", "dismissed", "submitted", "failed", "suppressed", "unknown").contains(status)) out.add(status);
        return out;
    }

    static Report compute(Connection c, CampaignCatalog catalog, String ws, Campaigns.Campaign campaign, long from, long to)
            throws SQLException {
        if (from >= to) throw ClientError.invalid("from", "from must be before to");
        if (to - from > MAX_DAYS * DAY) {
            throw ClientError.invalid("from", "from and to may be at most " + MAX_DAYS + " days apart");
        }
        String id = campaign.id();
        Counts totals = Counts.of(METRICS);
        TreeMap<Long, Counts> days = new TreeMap<>();
        for (long d = Math.floorDiv(from, DAY); d <= Math.floorDiv(to - 1, DAY); d++) days.put(d, Counts.of(METRICS));
        Map<String, StepCounts> steps = new LinkedHashMap<>();
        // The current version from the row just read: a draft's changes in place, so it must not come from the catalog.
        Journey currentJourney = CampaignCatalog.parse(campaign.definition().toString());
        Map<String, Set<Integer>> current = variantsOf(currentJourney);
        Map<Integer, Map<String, Set<Integer>>> variantsByVersion = new HashMap<>();
        variantsByVersion.put(campaign.version(), current);
        for (var e : currentJourney.steps().entrySet()) {
            if (!(e.getValue() instanceof Journey.Step.Message || e.getValue() instanceof Journey.Step.Webhook)) continue;
            Set<Integer> variants = current.get(e.getKey());
            if (variants == null) step(steps, e.getKey(), null);
            else for (Integer v : variants) step(steps, e.getKey(), v);
        }

        // Runs: entries (and holdouts) when they entered, conversions when they converted.
        for (Object[] r : Sql.query(c, "SELECT entered_at / " + DAY + " AS day, holdout, COUNT(*) AS n FROM campaign_runs "
                + "WHERE campaign_id = ? AND workspace_id = ? AND entered_at >= ? AND entered_at < ? "
                + "GROUP BY entered_at / " + DAY + ", holdout", rs -> new Object[] {rs.getLong(1), rs.getBoolean(2),
                rs.getLong(3)}, id, ws, from, to)) {
            List<String> metrics = (boolean) r[1] ? List.of("entered", "holdout") : List.of("entered");
            for (String m : metrics) count(totals, days, (long) r[0], m, (long) r[2]);
        }
        for (Object[] r : Sql.query(c, "SELECT converted_at / " + DAY + " AS day, holdout, COUNT(*) AS n FROM campaign_runs "
                + "WHERE campaign_id = ? AND workspace_id = ? AND converted_at >= ? AND converted_at < ? "
                + "GROUP BY converted_at / " + DAY + ", holdout", rs -> new Object[] {rs.getLong(1), rs.getBoolean(2),
                rs.getLong(3)}, id, ws, from, to)) {
            count(totals, days, (long) r[0], (boolean) r[1] ? "holdoutConverted" : "converted", (long) r[2]);
        }

        // Deliveries: attempted and what their status implies, when they were created.
        // A delivery's variant: the message variant the renderer chose (deliveries.variant) when the message has
        // variants, else the split path that led to its step.
        for (Object[] r : Sql.query(c, "SELECT d.created_at / " + DAY + " AS day, d.version, d.step, d.channel, d.status, "
                + "CASE WHEN d.status = 'suppressed' THEN d.reason END AS why, r.variant, COUNT(*) AS n, d.variant AS mv "
                + "FROM deliveries d LEFT JOIN campaign_runs r ON r.id = d.run_id "
                + "WHERE d.campaign_id = ? AND d.workspace_id = ? AND d.created_at >= ? AND d.created_at < ? "
                + "GROUP BY d.created_at / " + DAY + ", d.version, d.step, d.channel, d.status, "
                + "CASE WHEN d.status = 'suppressed' THEN d.reason END, r.variant, d.variant",
                rs -> new Object[] {rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getObject(7) == null ? null : rs.getInt(7), rs.getLong(8),
                        rs.getObject(9) == null ? null : rs.getInt(9)}, id, ws, from, to)) {
            long day = (long) r[0];
            long n = (long) r[7];
            Integer variant = r[8] != null ? (Integer) r[8]
                    : variant(catalog, variantsByVersion, id, (int) r[1], (String) r[2], (Integer) r[6]);
            Counts step = step(steps, (String) r[2], variant).counts();
            List<String> metrics = new ArrayList<>(List.of("attempted"));
            metrics.addAll(reached((String) r[3], (String) r[4]));
            for (String m : metrics) {
                count(totals, days, day, m, n);
                step.add(m, n);
            }
            if ("suppressed".equals(r[4])) {
                String reason = r[5] == null ? "unknown" : (String) r[5];
                totals.suppressedBy().merge(reason, n, Long::sum);
                days.get(day).suppressedBy().merge(reason, n, Long::sum);
                step.suppressedBy().merge(reason, n, Long::sum);
            }
        }
        // A step's conversions: its deliveries credited with one (the last delivery before the goal is).
        for (Object[] r : Sql.query(c, "SELECT d.version, d.step, r.variant, COUNT(*) AS n, d.variant AS mv FROM deliveries d "
                + "LEFT JOIN campaign_runs r ON r.id = d.run_id WHERE d.campaign_id = ? AND d.workspace_id = ? "
                + "AND d.converted_at >= ? AND d.converted_at < ? GROUP BY d.version, d.step, r.variant, d.variant",
                rs -> new Object[] {rs.getInt(1), rs.getString(2), rs.getObject(3) == null ? null : rs.getInt(3),
                        rs.getLong(4), rs.getObject(5) == null ? null : rs.getInt(5)}, id, ws, from, to)) {
            Integer variant = r[4] != null ? (Integer) r[4]
                    : variant(catalog, variantsByVersion, id, (int) r[0], (String) r[1], (Integer) r[2]);
            step(steps, (String) r[1], variant).counts().add("converted", (long) r[3]);
        }

        // A step whose deliveries all carry a message variant has no numbers without one: drop its empty variant-less row.
        Set<String> withVariants = new TreeSet<>();
        for (StepCounts sc : steps.values()) if (sc.variant() != null) withVariants.add(sc.step());
        steps.values().removeIf(sc -> sc.variant() == null && withVariants.contains(sc.step())
                && sc.counts().metrics().values().stream().allMatch(v -> v == 0));

        List<Day> series = new ArrayList<>();
        days.forEach((d, counts) -> series.add(new Day(LocalDate.ofEpochDay(d), counts)));
        return new Report(from, to, totals, List.copyOf(steps.values()), series);
    }

    private static void count(Counts totals, TreeMap<Long, Counts> days, long day, String metric, long n) {
        totals.add(metric, n);
        days.get(day).add(metric, n);
    }

    private static StepCounts step(Map<String, StepCounts> steps, String step, Integer variant) {
        return steps.computeIfAbsent(step + "#" + variant, k -> new StepCounts(step, variant, Counts.of(STEP_METRICS)));
    }

    /** The run's split path, for a step that comes after a split in the delivery's version; else none. */
    private static Integer variant(CampaignCatalog catalog, Map<Integer, Map<String, Set<Integer>>> cache, String campaignId,
                                   int version, String step, Integer runVariant) {
        Map<String, Set<Integer>> v = cache.computeIfAbsent(version, k -> variantsOf(catalog.version(campaignId, k)));
        return v.containsKey(step) ? runVariant : null;
    }

    /** For each step after a split: the indexes of the split's paths that lead to it. */
    static Map<String, Set<Integer>> variantsOf(Journey j) {
        Map<String, Set<Integer>> out = new HashMap<>();
        for (Journey.Step s : j.steps().values()) {
            if (!(s instanceof Journey.Step.Split split)) continue;
            for (int i = 0; i < split.paths().size(); i++) {
                List<String> todo = new ArrayList<>(List.of(split.paths().get(i).next()));
                Set<String> seen = new TreeSet<>();
                while (!todo.isEmpty()) {
                    String id = todo.removeLast();
                    if (!seen.add(id)) continue;
                    out.computeIfAbsent(id, k -> new TreeSet<>()).add(i);
                    todo.addAll(Objects.requireNonNull(j.steps().get(id)).nexts());
                }
            }
        }
        return out;
    }
}
