package io.herald.push;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.delivery.Channel;
import io.herald.delivery.Channels;
import io.herald.delivery.Outbound;
import io.herald.delivery.Outcome;
import io.herald.person.Device;
import io.herald.store.Database;
import io.herald.store.Engine;
import io.herald.store.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code push} channel: fans a delivery out to every push-enabled device of the person, each through its
 * provider (APNs, FCM, Web Push) with the workspace's credentials for it, and folds the answers into one outcome.
 *
 * <p>Any device reached makes the delivery {@code sent} (the providers' ids joined by commas). A device whose token
 * the provider declares gone is disabled ({@code push_enabled} false), so later deliveries skip it. When no device
 * was reached: an answer lost in flight makes it {@code unknown} (never re-sent, as a device may have shown it), else
 * a transient failure retries it, else it fails with the reasons. A person without a push-enabled device fails with
 * {@code no_device}; a device whose provider has no credentials in the workspace fails with {@code no_provider}.
 */
public final class PushChannel implements Channel, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PushChannel.class);
    /** The reason a delivery fails with when the person has no push-enabled device. */
    public static final String NO_DEVICE = "no_device";
    /** How long a workspace's credentials are reused before being read (and decrypted) again. */
    public static final Duration CREDENTIALS_TTL = Duration.ofSeconds(10);

    private final Database db;
    private final BiFunction<String, String, Optional<JsonNode>> credentials;
    private final Map<String, PushProvider> providers = new LinkedHashMap<>();
    private final InstantSource clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /**
     * SQLite, without statistics, reads a round's people's devices through the (workspace, token) index, i.e. every
     * device of the workspace (7 ms a round of 500 over 20,000 devices); the person index reads only theirs.
     */
    private final String byPerson;
    // Disabling a device writes to the store: never on a provider's I/O thread.
    private final ExecutorService writer = Executors.newVirtualThreadPerTaskExecutor();

    private record Cached(Optional<JsonNode> credentials, long until) {
    }

    /**
     * @param credentials the workspace's decrypted credentials per provider name ({@code Credentials::get})
     */
    public PushChannel(Database db, BiFunction<String, String, Optional<JsonNode>> credentials,
                       List<? extends PushProvider> providers, InstantSource clock) {
        this.db = db;
        this.credentials = credentials;
        for (PushProvider p : providers) this.providers.put(p.name(), p);
        this.clock = clock;
        this.byPerson = db.engine() == Engine.SQLITE ? " INDEXED BY devices_person" : "";
    }

    @Override
    public String name() {
        return "push";
    }

    @Override
    public CompletableFuture<Outcome> send(Outbound d) {
        return send(d, db.read(c -> Sql.query(c, "SELECT " + DEVICE_COLUMNS + " FROM devices WHERE workspace_id = ? "
                + "AND person_id = ? AND push_enabled = ? ORDER BY created_at, id", PushChannel::device, d.workspaceId(),
                d.personId(), true)));
    }

    /** The round's people's devices read at once (one statement per chunk of people), each send taking its own. */
    @Override
    public Channel forRound(List<Outbound> round) {
        Map<String, Set<String>> peopleByWorkspace = new LinkedHashMap<>();
        for (Outbound d : round) {
            peopleByWorkspace.computeIfAbsent(d.workspaceId(), k -> new LinkedHashSet<>()).add(d.personId());
        }
        // By person id alone: it is the person's key, and each statement is scoped to the person's workspace.
        Map<String, List<Device>> devices = db.read(c -> {
            Map<String, List<Device>> out = new HashMap<>();
            for (Map.Entry<String, Set<String>> w : peopleByWorkspace.entrySet()) {
                for (List<String> chunk : Sql.chunks(new ArrayList<>(w.getValue()))) {
                    List<Object> params = new ArrayList<>(chunk.size() + 2);
                    params.add(w.getKey());
                    params.addAll(chunk);
                    params.add(true);
                    for (Map.Entry<String, Device> row : Sql.query(c, "SELECT person_id, " + DEVICE_COLUMNS
                            + " FROM devices" + byPerson + " WHERE workspace_id = ? AND person_id IN ("
                            + Sql.placeholders(chunk.size()) + ") AND push_enabled = ? ORDER BY created_at, id",
                            rs -> Map.entry(rs.getString(1), device(rs, 1)), params.toArray())) {
                        out.computeIfAbsent(row.getKey(), k -> new ArrayList<>()).add(row.getValue());
                    }
                }
            }
            return out;
        });
        return new Channel() {
            @Override
            public String name() {
                return PushChannel.this.name();
            }

            @Override
            public CompletableFuture<Outcome> send(Outbound d) {
                // Someone outside the round (not the dispatcher's way) is read as before.
                if (!peopleByWorkspace.getOrDefault(d.workspaceId(), Set.of()).contains(d.personId())) {
                    return PushChannel.this.send(d);
                }
                return PushChannel.this.send(d, devices.getOrDefault(d.personId(), List.of()));
            }
        };
    }

    private static final String DEVICE_COLUMNS = "id, token, platform, provider, app_id, push_enabled, created_at, "
            + "updated_at";

    /** The device of a row of {@link #DEVICE_COLUMNS} starting after {@code skip} other columns. */
    private static Device device(ResultSet rs, int skip) throws SQLException {
        return new Device(rs.getString(skip + 1), rs.getString(skip + 2), rs.getString(skip + 3), rs.getString(skip + 4),
                rs.getString(skip + 5), rs.getBoolean(skip + 6), rs.getLong(skip + 7), rs.getLong(skip + 8));
    }

    private static Device device(ResultSet rs) throws SQLException {
        return device(rs, 0);
    }

    private CompletableFuture<Outcome> send(Outbound d, List<Device> devices) {
        if (devices.isEmpty()) return CompletableFuture.completedFuture(new Outcome.Rejected(NO_DEVICE));
        List<CompletableFuture<PushResult>> answers = new ArrayList<>(devices.size());
        for (Device device : devices) answers.add(sendTo(d, device));
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            List<PushResult> results = answers.stream().map(CompletableFuture::join).toList();
            List<Device> gone = new ArrayList<>();
            for (int i = 0; i < devices.size(); i++) {
                if (results.get(i) instanceof PushResult.TokenGone) gone.add(devices.get(i));
            }
            Outcome outcome = fold(results);
            if (gone.isEmpty()) return CompletableFuture.completedFuture(outcome);
            return CompletableFuture.supplyAsync(() -> {
                disable(d.workspaceId(), gone);
                return outcome;
            }, writer);
        });
    }

    private CompletableFuture<PushResult> sendTo(Outbound d, Device device) {
        PushProvider provider = providers.get(device.provider());
        if (provider == null) return CompletableFuture.completedFuture(new PushResult.Rejected(Channels.NO_PROVIDER));
        Optional<JsonNode> creds;
        try {
            creds = credentials(d.workspaceId(), device.provider());
        } catch (RuntimeException e) { // unreadable under this master key: an operator can fix it, so not final
            return CompletableFuture.completedFuture(new PushResult.Retry("credentials_unreadable", null));
        }
        if (creds.isEmpty()) return CompletableFuture.completedFuture(new PushResult.Rejected(Channels.NO_PROVIDER));
        try {
            return provider.send(new PushProvider.PushTarget(d.workspaceId(), d.deliveryId(), d.idempotencyKey(), device,
                    creds.get()), d.content()).exceptionally(t -> new PushResult.Unknown(device.provider() + "_error: " + t));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new PushResult.Unknown(device.provider() + "_error: " + e));
        }
    }

    /** One outcome from the devices' results, as the class comment says. */
    static Outcome fold(List<PushResult> results) {
        List<String> sent = new ArrayList<>();
        boolean anySent = false;
        PushResult.Unknown unknown = null;
        PushResult.Retry retry = null;
        Set<String> reasons = new LinkedHashSet<>();
        for (PushResult r : results) {
            switch (r) {
                case PushResult.Sent s -> {
                    anySent = true;
                    if (s.providerId() != null) sent.add(s.providerId());
                }
                case PushResult.Unknown u -> unknown = unknown == null ? u : unknown;
                case PushResult.Retry t -> {
                    if (retry == null || later(t.retryAfter(), retry.retryAfter())) retry = t;
                }
                case PushResult.Rejected x -> reasons.add(x.reason());
                case PushResult.TokenGone g -> reasons.add(g.reason());
            }
        }
        if (anySent) return new Outcome.Sent(sent.isEmpty() ? null : String.join(",", sent));
        if (unknown != null) return new Outcome.Unknown(unknown.reason());
        if (retry != null) return new Outcome.Retry(retry.reason(), retry.retryAfter());
        return new Outcome.Rejected(String.join("; ", reasons));
    }

    private static boolean later(Duration a, Duration b) {
        return a != null && (b == null || a.compareTo(b) > 0);
    }

    private void disable(String workspaceId, List<Device> gone) {
        long now = clock.millis();
        try {
            db.inTransaction(c -> {
                for (Device g : gone) {
                    // Only if the token is still the one the provider refused: a re-register since then keeps it.
                    Sql.update(c, "UPDATE devices SET push_enabled = ?, updated_at = ? WHERE workspace_id = ? AND id = ? "
                            + "AND token = ? AND updated_at = ?", false, now, workspaceId, g.id(), g.token(), g.updatedAt());
                }
                return null;
            });
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("workspace", workspaceId).log("could not disable {} device(s) whose token is gone: {}",
                    gone.size(), e.toString());
        }
        log.atInfo().addKeyValue("workspace", workspaceId).log("disabled push on {}", gone.stream().map(Device::id)
                .collect(Collectors.joining(", ")));
    }

    private Optional<JsonNode> credentials(String workspaceId, String provider) {
        String key = workspaceId + "\u0000" + provider;
        // Elapsed time, not the injected clock: a cache's age is no business time (a test clock that stands still
        // must not pin credentials set after the first delivery).
        long now = System.nanoTime();
        Cached c = cache.get(key);
        if (c == null || now - c.until() >= 0) {
            c = new Cached(credentials.apply(workspaceId, provider), now + CREDENTIALS_TTL.toNanos());
            cache.put(key, c);
        }
        return c.credentials();
    }

    @Override
    public void close() {
        writer.close();
    }
}
