package io.herald.simulation;

import io.herald.person.PersonIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Person ids derived from the ids people go by, so the same timeline puts each person on the same split path in
 * every run. (A second person under the same id, which only an erasure could make, gets a counted suffix.)
 */
final class SimulatedPersonIds implements PersonIds {
    private final ConcurrentHashMap<String, Integer> issued = new ConcurrentHashMap<>();

    @Override
    public String next(String workspaceId, String userId, String anonymousId) {
        String base = "per_" + hash(userId != null ? "u:" + userId : "a:" + anonymousId);
        int n = issued.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + "_" + n;
    }

    private static String hash(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
