package io.herald.campaign;

import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each workspace's {@link CampaignIndex}, and every campaign version any run may still be on. Reloaded when
 * {@link Campaigns} changes a campaign (this process is the only writer of campaigns).
 */
final class CampaignCatalog {
    private final Database db;
    private final ConcurrentHashMap<String, CampaignIndex> indexes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Journey> versions = new ConcurrentHashMap<>();

    CampaignCatalog(Database db) {
        this.db = db;
    }

    CampaignIndex of(String workspaceId) {
        CampaignIndex idx = indexes.get(workspaceId);
        if (idx != null) return idx;
        return indexes.computeIfAbsent(workspaceId, ws -> db.read(c -> load(c, ws)));
    }

    void reload(String workspaceId) {
        indexes.put(workspaceId, db.read(c -> load(c, workspaceId)));
    }

    /** A version's journey; versions never change once written, so they are cached for good. */
    Journey version(String campaignId, int version) {
        String key = campaignId + "#" + version;
        Journey j = versions.get(key);
        if (j != null) return j;
        return versions.computeIfAbsent(key, k -> db.read(c -> Sql.queryOne(c, "SELECT definition FROM campaign_versions "
                        + "WHERE campaign_id = ? AND version = ?", rs -> parse(rs.getString(1)), campaignId, version)
                .orElseThrow(() -> new IllegalStateException("campaign " + campaignId + " has no version " + version))));
    }

    private CampaignIndex load(Connection c, String workspaceId) throws SQLException {
        List<String[]> rows = Sql.query(c, "SELECT id, name, version, status FROM campaigns WHERE workspace_id = ? "
                + "AND status <> ?", rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)},
                workspaceId, Campaigns.DRAFT);
        if (rows.isEmpty()) return CampaignIndex.EMPTY;
        List<CampaignIndex.Live> live = new ArrayList<>();
        for (String[] r : rows) {
            int v = Integer.parseInt(r[2]);
            live.add(new CampaignIndex.Live(r[0], r[1], v, r[3], version(r[0], v)));
        }
        return new CampaignIndex(live);
    }

    static Journey parse(String json) {
        try {
            return JourneyParser.parse(EventCodec.mapper().readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt campaign definition", e);
        }
    }
}
