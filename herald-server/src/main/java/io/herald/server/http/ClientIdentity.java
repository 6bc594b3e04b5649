package io.herald.server.http;

import io.herald.error.ClientError;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.herald.workspace.Secrets;
import io.herald.workspace.Workspaces;
import java.sql.Connection;
import java.sql.SQLException;
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
            return verified().kind();
        }

        String value() {
            return verified().value();
        }

        Verified verified() {
            return new Verified(workspaceId, userId, anonymousId);
        }
    }

    private final Workspaces workspaces;
    private final Database db;

    ClientIdentity(Workspaces workspaces, Database db) {
        this.workspaces = workspaces;
        this.db = db;
    }

    /**
     * The ids a request proved, before its person is looked up: the look-up can then be part of what the request
     * reads next (the eligible list, on every page view, finds the person in the same statement).
     */
    record Verified(String workspaceId, String userId, String anonymousId) {
        boolean anonymousOnly() {
            return userId == null;
        }

        /** The identity's kind and value as the identities table keeps them. */
        String kind() {
            return userId != null ? "user" : "anon";
        }

        String value() {
            return userId != null ? userId : anonymousId;
        }
    }

    /** Verifies the ids a request carries; 400 without any, 401 without the hash, 403 with a wrong one. */
    Verified verify(String workspaceId, String userId, String anonymousId, String userHash) {
        if (userId != null) {
            if (userHash == null) throw new ClientError(401, "identity_unverified", "userId needs its userHash", "userHash");
            String expected = workspaces.userHash(workspaceId, userId);
            if (!Secrets.constantTimeEquals(expected, userHash.toLowerCase(Locale.ROOT))) {
                throw new ClientError(403, "identity_unverified", "userHash does not prove this userId", "userHash");
            }
            return new Verified(workspaceId, userId, null);
        }
        if (anonymousId == null) throw ClientError.missing("userId");
        return new Verified(workspaceId, null, anonymousId);
    }

    /** {@link #verify}, then the person the ids name now. */
    Who resolve(String workspaceId, String userId, String anonymousId, String userHash) {
        return resolve(verify(workspaceId, userId, anonymousId, userHash));
    }

    /** The person verified ids name now. */
    Who resolve(Verified v) {
        return new Who(v.workspaceId(), db.read(c -> person(c, v)), v.userId(), v.anonymousId());
    }

    /** The person an identity names now (it changes when identities merge); empty when none yet. */
    Optional<String> current(Who who) {
        return Optional.ofNullable(db.read(c -> person(c, who.verified())));
    }

    /**
     * The refusal of an anonymousId whose person has since been identified: once identified, a person's messages
     * answer only to a verified userId, since an anonymousId alone would let anyone who saw it act on them.
     */
    static ClientError identifiedAnonymous() {
        return new ClientError(403, "identity_unverified", "this person is identified; send userId and userHash",
                "userId");
    }

    /** The person verified ids name now; null when none yet. 403 for an anonymousId of a person since identified. */
    private static String person(Connection c, Verified v) throws SQLException {
        return v.userId() != null ? user(c, v.workspaceId(), v.userId()) : anonymousPerson(c, v.workspaceId(),
                v.anonymousId());
    }

    private static String anonymousPerson(Connection c, String workspaceId, String anonymousId) throws SQLException {
        // One round trip: most visitors of a site are anonymous, and each of their list, stream and event calls asks.
        record Found(String personId, boolean known) {
        }
        List<Found> rows = Sql.queryKept(c, "SELECT i.person_id, p.user_id FROM identities i "
                + "LEFT JOIN persons p ON p.id = i.person_id "
                + "WHERE i.workspace_id = ? AND i.kind = 'anon' AND i.value = ?",
                rs -> new Found(rs.getString(1), rs.getString(2) != null), workspaceId, anonymousId);
        if (rows.isEmpty()) return null;
        if (rows.get(0).known()) throw identifiedAnonymous();
        return rows.get(0).personId();
    }

    private static String user(Connection c, String workspaceId, String userId) throws SQLException {
        // Kept prepared: every client request asks.
        List<String> rows = Sql.queryKept(c, "SELECT person_id FROM identities WHERE workspace_id = ? "
                + "AND kind = 'user' AND value = ?", rs -> rs.getString(1), workspaceId, userId);
        return rows.isEmpty() ? null : rows.get(0);
    }
}
