package io.herald.server;

import io.herald.credential.MasterKey;
import io.herald.store.DatabaseConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Herald's settings, read from the environment (API.md "Running") and checked before anything starts, so a bad
 * value stops start-up with a sentence naming the variable.
 */
public record Config(String host, int port, Path dataDir, DatabaseConfig database, int partitions,
                     String bootstrapWriteKey, String bootstrapAdminKey, String bootstrapIdentitySecret,
                     boolean jsonLogs, String secretKey, String publicUrl) {

    /**
     * Without a master key (then read from or generated into {@code dataDir/secret.key}) or a public URL (then
     * {@code http://localhost:<port>}).
     */
    public Config(String host, int port, Path dataDir, DatabaseConfig database, int partitions,
                  String bootstrapWriteKey, String bootstrapAdminKey, String bootstrapIdentitySecret, boolean jsonLogs) {
        this(host, port, dataDir, database, partitions, bootstrapWriteKey, bootstrapAdminKey, bootstrapIdentitySecret,
                jsonLogs, null, null);
    }

    /** A setting is missing or malformed; the message names the variable and what it expects. */
    public static final class Invalid extends RuntimeException {
        public Invalid(String message) {
            super(message);
        }
    }

    public static Config fromEnvironment(Map<String, String> env) {
        String host = env.getOrDefault("HERALD_HOST", "0.0.0.0");
        int port = intSetting(env, "HERALD_PORT", 8080, 0, 65535);
        Path dataDir = Path.of(env.getOrDefault("HERALD_DATA_DIR", "./data"));
        if (env.get("HERALD_KAFKA_BOOTSTRAP") != null && !env.get("HERALD_KAFKA_BOOTSTRAP").isBlank()) {
            throw new Invalid("HERALD_KAFKA_BOOTSTRAP is set, but this version of Herald keeps its event log in the "
                    + "database only (the Kafka log is not part of it yet); unset HERALD_KAFKA_BOOTSTRAP");
        }
        String url = env.get("HERALD_DATABASE_URL");
        DatabaseConfig db;
        if (url == null || url.isBlank()) {
            db = DatabaseConfig.sqlite(dataDir.resolve("herald.db"));
        } else if (url.startsWith("jdbc:postgresql://")) {
            db = DatabaseConfig.postgresql(url, env.get("HERALD_DATABASE_USER"), env.get("HERALD_DATABASE_PASSWORD"));
        } else {
            throw new Invalid("HERALD_DATABASE_URL must be a PostgreSQL JDBC URL (jdbc:postgresql://host:5432/db); "
                    + "leave it unset for the embedded SQLite store");
        }
        // One partition on SQLite: it has a single writer, so more consumers would only queue on its lock.
        int defaultPartitions = url == null || url.isBlank() ? 1 : 4;
        int partitions = intSetting(env, "HERALD_PARTITIONS", defaultPartitions, 1, 256);
        String format = env.getOrDefault("HERALD_LOG_FORMAT", "text");
        if (!format.equals("text") && !format.equals("json")) {
            throw new Invalid("HERALD_LOG_FORMAT must be 'text' or 'json', was '" + format + "'");
        }
        String secretKey = env.get("HERALD_SECRET_KEY");
        if (secretKey != null && !secretKey.isBlank()) {
            try {
                MasterKey.fromBase64(secretKey, "HERALD_SECRET_KEY");
            } catch (MasterKey.Unusable e) {
                throw new Invalid(e.getMessage() + "; or unset it to keep a generated key in " + dataDir.resolve(
                        MasterKey.FILE_NAME));
            }
        } else {
            secretKey = null;
        }
        return new Config(host, port, dataDir, db, partitions, nonBlank(env, "HERALD_BOOTSTRAP_WRITE_KEY"),
                nonBlank(env, "HERALD_BOOTSTRAP_ADMIN_KEY"), nonBlank(env, "HERALD_BOOTSTRAP_IDENTITY_SECRET"),
                format.equals("json"), secretKey, publicUrl(env));
    }

    /** HERALD_PUBLIC_URL: where people reach this Herald, for the links in messages; null when unset. */
    private static String publicUrl(Map<String, String> env) {
        String v = env.get("HERALD_PUBLIC_URL");
        if (v == null || v.isBlank()) return null;
        String url = v.trim();
        while (url.endsWith("/")) url = url.substring(0, url.length() - 1);
        try {
            java.net.URI u = new java.net.URI(url);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                    || u.getQuery() != null || u.getFragment() != null) {
                throw new java.net.URISyntaxException(url, "not an http(s) base URL");
            }
        } catch (java.net.URISyntaxException e) {
            throw new Invalid("HERALD_PUBLIC_URL must be the http(s) address people reach Herald at, e.g. "
                    + "https://herald.example.com, was '" + v + "'");
        }
        return url;
    }

    private static int intSetting(Map<String, String> env, String name, int fallback, int min, int max) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return fallback;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new Invalid(name + " must be a whole number from " + min + " to " + max + ", was '" + v + "'");
        }
    }

    private static String nonBlank(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return null;
        if (v.length() < 16) throw new Invalid(name + " must be at least 16 characters");
        return v;
    }
}
