package io.herald.server.http;

import io.herald.error.ClientError;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.herald.workspace.Secrets;
import io.herald.workspace.Workspaces;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * API.md's identity verification for client APIs (push events, in-app): a userId counts only with its userHash
 * (hex HMAC-SHA256 of the userId with the workspace's identity secret); an anonymousId acts only for a person nobody
 * has identified.
 */
final class ClientIdentity {
    /**
     * Who a client request acts as. {@code personId} is null when no person has these ids yet (a new visitor
     * whose first event is still on its way): they have nothing, but are not refused.
     */
    record Who(String workspaceId, String personId, String userId, String anonymousId) {
        /** Without a verified userId a client sees only messages meant for anonymous visitors. */
        boolean anonymousOnly() {
            return userId == null;
        }

        String kind() {
            return userId != null ? "user" : "anon";
        }

        String value() {
            return userId != null ? userId : anonymousId;
        }
    }

    private final Workspaces workspaces;
    private final Database db;

    ClientIdentity(Workspaces workspaces, Database db) {
        this.workspaces = workspaces;
        this.db = db;
    }

    /** Verifies the ids a request carries; 400 without any, 401 without the hash, 403 with a wrong one. */
    Who resolve(String workspaceId, String userId, String anonymousId, String userHash) {
        if (userId != null) {
            if (userHash == null) throw new ClientError(401, "identity_unverified", "userId needs its userHash", "userHash");
            String expected = Secrets.hmacSha256Hex(workspaces.identitySecret(workspaceId), userId);
            if (!Secrets.constantTimeEquals(expected, userHash.toLowerCase(Locale.ROOT))) {
                throw new ClientError(403, "identity_unverified", "userHash does not prove this userId", "userHash");
            }
            return new Who(workspaceId, lookup(workspaceId, "user", userId).orElse(null), userId, null);
        }
        if (anonymousId == null) throw ClientError.missing("userId");
        return new Who(workspaceId, anonymousPerson(workspaceId, anonymousId), null, anonymousId);
    }

    /** The person an identity names now (it changes when identities merge); empty when none yet. */
    Optional<String> current(Who who) {
        if (who.userId() != null) return lookup(who.workspaceId(), "user", who.userId());
        return Optional.ofNullable(anonymousPerson(who.workspaceId(), who.anonymousId()));
    }

    private String anonymousPerson(String workspaceId, String anonymousId) {
        // One round trip: most visitors of a site are anonymous, and each of their list, stream and event calls asks.
        record Found(String personId, boolean known) {
        }
        List<Found> rows = db.read(c -> Sql.queryKept(c, "SELECT i.person_id, p.user_id FROM identities i "
                + "LEFT JOIN persons p ON p.id = i.person_id "
                + "WHERE i.workspace_id = ? AND i.kind = 'anon' AND i.value = ?",
                rs -> new Found(rs.getString(1), rs.getString(2) != null), workspaceId, anonymousId));
        Found found = rows.isEmpty() ? null : rows.get(0);
        if (found == null) return null;
        String personId = found.personId();
        boolean known = found.known();
        // Once identified, a person's messages answer only to a verified userId: an anonymousId alone would let
        // anyone who saw it act on them.
        if (known) throw new ClientError(403, "identity_unverified", "this person is identified; send userId and "
                + "userHash", "userId");
        return personId;
    }

    private Optional<String> lookup(String workspaceId, String kind, String value) {
        // Kept prepared: every client request asks.
        List<String> rows = db.read(c -> Sql.queryKept(c, "SELECT person_id FROM identities WHERE workspace_id = ? "
                + "AND kind = ? AND value = ?", rs -> rs.getString(1), workspaceId, kind, value));
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }
}
