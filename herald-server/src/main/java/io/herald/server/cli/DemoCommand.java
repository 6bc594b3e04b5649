package io.herald.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.server.Config;
import io.herald.store.Database;
import io.herald.workspace.KeyKind;
import io.herald.workspace.Secrets;
import io.herald.workspace.Workspace;
import io.herald.workspace.Workspaces;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code herald demo}: gets the demo site ({@code /demo}) ready to try on a running Herald. It creates workspace
 * {@code demo} (or new keys for it when it exists: keys are stored hashed, so old ones cannot be shown again), creates
 * and activates one campaign per in-app scenario through the admin API, and prints the URL that opens the demo as a
 * verified user.
 *
 * <p>The workspace is created in the store directly, as {@code herald workspace create} does (the admin API has no
 * workspace endpoint: an admin key belongs to one workspace); the campaigns go through the running server so its
 * campaign index learns them at once.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Create workspace 'demo' with a campaign for every in-app scenario and print the demo URL. "
                + "Run it while Herald is serving (./herald), with the same data settings.")
final class DemoCommand implements Callable<Integer> {
    static final String WORKSPACE = "demo";
    private static final String CAMPAIGNS = "/io/herald/server/demo/campaigns.json";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", description = "Herald's base URL (default: http://localhost:$HERALD_PORT, port 8080).")
    String url;

    @Option(names = "--user", defaultValue = "demo-user",
            description = "The userId the demo URL signs in as (default: ${DEFAULT-VALUE}).")
    String userId;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Config config = Main.config();
        String base = url != null ? stripSlash(url) : "http://localhost:" + (config.port() == 0 ? 8080 : config.port());
        // First make sure a Herald answers there, so a mistyped URL does not leave a workspace nobody serves.
        try {
            new AdminClient(base, "-").get("/health");
        } catch (AdminClient.Failure e) {
            throw new AdminClient.Failure(e.getMessage() + "; start Herald first (./herald) or pass --url", 1);
        }

        Keys keys;
        try (Database db = Database.open(config.database())) {
            keys = workspaceKeys(new Workspaces(db, InstantSource.system()));
        }

        AdminClient admin = new AdminClient(base, keys.admin());
        int created;
        try {
            created = seed(admin);
        } catch (AdminClient.Failure e) {
            if (e.getMessage().contains("key is not valid")) {
                throw new AdminClient.Failure("Herald at " + base + " does not know the demo workspace: run `herald "
                        + "demo` with the same HERALD_DATA_DIR / HERALD_DATABASE_URL as the server", 2);
            }
            throw e;
        }

        String userHash = Secrets.hmacSha256Hex(keys.identitySecret(), userId);
        out.printf("""
                Workspace '%s' is ready: %d demo campaigns (%d created now), all active.
                Keep these keys; they are shown only this once:
                  write key        %s
                  admin key        %s
                  identity secret  %s

                Open the demo, signed in as '%s' (userHash = HMAC-SHA256 of the userId with the identity secret):
                  %s/demo?writeKey=%s&userId=%s&userHash=%s
                Open it in a second tab too: messages arrive and leave on every open page of that person.
                """, WORKSPACE, campaigns().size(), created, keys.write(), keys.admin(), keys.identitySecret(), userId,
                base, enc(keys.write()), enc(userId), userHash);
        out.flush();
        return 0;
    }

    private record Keys(String write, String admin, String identitySecret) {
    }

    private static Keys workspaceKeys(Workspaces workspaces) {
        Optional<Workspace> existing = workspaces.findByName(WORKSPACE);
        if (existing.isEmpty()) {
            Workspaces.Created c = workspaces.create(WORKSPACE);
            return new Keys(c.writeKey(), c.adminKey(), c.identitySecret());
        }
        return new Keys(workspaces.createKey(WORKSPACE, KeyKind.WRITE), workspaces.createKey(WORKSPACE, KeyKind.ADMIN),
                workspaces.identitySecret(existing.get().id()));
    }

    /** Creates the campaigns the workspace lacks (by key) and activates any not active; returns how many were new. */
    static int seed(AdminClient admin) {
        Map<String, JsonNode> byKey = new HashMap<>();
        for (JsonNode c : admin.get("/api/v1/campaigns?limit=1000").path("data")) byKey.put(c.path("key").asText(), c);
        int created = 0;
        for (JsonNode campaign : campaigns()) {
            JsonNode current = byKey.get(campaign.path("key").asText());
            if (current == null) {
                current = admin.post("/api/v1/campaigns", campaign);
                created++;
            }
            if (!current.path("status").asText().equals("active")) {
                admin.post("/api/v1/campaigns/" + current.path("id").asText() + "/activate",
                        EventCodec.mapper().createObjectNode());
            }
        }
        return created;
    }

    /** The demo's campaigns: one per scenario of the demo site (the browser tests seed the same file). */
    static JsonNode campaigns() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(CAMPAIGNS)) {
            if (in == null) throw new IllegalStateException("missing from the jar: " + CAMPAIGNS);
            return EventCodec.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stripSlash(String u) {
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
