package io.herald.server.http;

import io.herald.campaign.Campaigns;
import io.herald.campaign.Deliveries;
import io.herald.credential.Credentials;
import io.herald.delivery.TestSends;
import io.herald.delivery.WebhookSecrets;
import io.herald.email.Tracking;
import io.herald.error.ClientError;
import io.herald.error.Unavailable;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.herald.person.People;
import io.herald.policy.Settings;
import io.herald.preference.PreferenceCenter;
import io.herald.preference.Preferences;
import io.herald.preference.Topics;
import io.herald.segment.Segments;
import io.herald.simulation.Simulations;
import io.herald.store.Database;
import io.herald.store.StoreException;
import io.herald.workspace.Workspaces;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every route of Herald's HTTP APIs, declared in one place, and the one mapper that turns errors into API.md's
 * JSON error answers. A client mistake is a 4xx naming the problem; only Herald's own faults are a 500.
 */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    /** What the HTTP layer calls into. */
    public record Services(Workspaces workspaces, Ingest ingest, People people, Segments segments, Topics topics,
                           Preferences preferences, Campaigns campaigns, Deliveries deliveries,
                           Simulations simulations, Database db,
                           PrometheusMeterRegistry meters, Credentials credentials,
                           PreferenceCenter preferenceCenter, Settings settings, TestSends testSends,
                           WebhookSecrets webhookSecrets, Tracking emailTracking,
                           io.herald.delivery.DeliveryProgress deliveryProgress,
                           io.herald.sms.StatusCallbacks statusCallbacks,
                           io.herald.inapp.InApp inApp) {
    }

    private HttpApi() {
    }

    public static Javalin create(Services s) {
        Auth auth = new Auth(s.workspaces());
        TrackingApi tracking = new TrackingApi(s.ingest(), auth);
        AdminApi admin = new AdminApi(s.people(), s.segments(), s.workspaces(), s.inApp(), auth);
        SegmentsApi segments = new SegmentsApi(s.segments(), auth);
        TopicsApi topics = new TopicsApi(s.topics(), s.preferences(), auth);
        CampaignsApi campaigns = new CampaignsApi(s.campaigns(), s.deliveries(), auth);
        SimulationsApi simulations = new SimulationsApi(s.simulations(), auth);
        ChannelsApi channels = new ChannelsApi(s.credentials(), auth);
        PreferenceCenterPages preferencePages = new PreferenceCenterPages(s.preferenceCenter());
        MessagesApi messages = new MessagesApi(s.people(), auth);
        SettingsApi settings = new SettingsApi(s.settings(), auth);
        DeliveryApi delivery = new DeliveryApi(s.testSends(), s.webhookSecrets(), auth);
        EmailTrackingRoutes emailTracking = new EmailTrackingRoutes(s.emailTracking(), s.deliveryProgress());
        EngagementApi engagement = new EngagementApi(auth, s.workspaces(), s.db(), s.deliveryProgress(),
                s.statusCallbacks());
        DemoPages demo = new DemoPages();
        SdkRoutes sdk = new SdkRoutes();
        WebPushApi webPush = new WebPushApi(s.credentials(), auth);
        InAppApi inApp = new InAppApi(auth, new ClientIdentity(s.workspaces(), s.db()), s.inApp(), s.settings());
        return Javalin.create(config -> {
            // Open in-app streams end first, so stopping does not wait for pages that never hang up.
            config.events.serverStopping(() -> inApp.streams().close());
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.router.ignoreTrailingSlashes = true; // analytics-java posts to /v1/import/
            config.http.maxRequestSize = 1024 * 1024;
            // A known path with another method is 405, as docs/api.md says (Javalin answers 404 by default).
            config.http.prefer405over404 = true;
            // Jetty refuses malformed requests (bad URI, huge headers) before any route; keep the JSON error shape.
            config.jetty.modifyServer(server -> server.setErrorHandler(new JettyErrors()));
            var r = config.routes;

            r.get("/health", ctx -> ctx.json(java.util.Map.of("status", "ok")));
            r.get("/ready", ctx -> {
                boolean up = s.db().isReachable();
                ctx.status(up ? 200 : 503).json(java.util.Map.of("status", up ? "ready" : "store_unreachable"));
            });
            r.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(s.meters().scrape()));

            // Tracking API: browsers call it from customers' sites, so it answers CORS from any origin.
            r.before("/v1/*", HttpApi::cors);
            for (CallKind kind : new CallKind[] {CallKind.IDENTIFY, CallKind.TRACK, CallKind.PAGE, CallKind.SCREEN,
                    CallKind.GROUP, CallKind.ALIAS}) {
                r.post("/v1/" + kind.name().toLowerCase(), ctx -> tracking.handle(ctx, kind));
            }
            r.post("/v1/batch", ctx -> tracking.handle(ctx, CallKind.BATCH));
            r.post("/v1/import", ctx -> tracking.handle(ctx, CallKind.BATCH));
            r.post("/v1/devices", ctx -> tracking.handle(ctx, CallKind.DEVICE_REGISTER));
            r.delete("/v1/devices", ctx -> tracking.handle(ctx, CallKind.DEVICE_REMOVE));
            // Preflights path by path, not with /v1/*: a wildcard route would make every /v1 path "known", and an
            // unknown one would answer 405 instead of 404.
            for (String call : new String[] {"identify", "track", "page", "screen", "group", "alias", "batch", "import",
                    "devices"}) {
                r.options("/v1/" + call, ctx -> ctx.status(204));
            }

            // Admin API.
            r.get("/api/v1/people", admin::listPeople);
            r.get("/api/v1/people/{userId}", admin::getPerson);
            r.get("/api/v1/people/{userId}/events", admin::personEvents);
            r.get("/api/v1/people/{userId}/devices", admin::personDevices);
            r.get("/api/v1/people/{userId}/export", admin::exportPerson);
            r.get("/api/v1/people/{userId}/deliveries", campaigns::personDeliveries);
            r.get("/api/v1/people/{userId}/runs", campaigns::personRuns);
            r.delete("/api/v1/people/{userId}", admin::erasePerson);
            r.get("/api/v1/settings/identity", admin::identitySettings);
            r.post("/api/v1/segments", segments::create);
            r.get("/api/v1/segments", segments::list);
            r.post("/api/v1/segments/preview", segments::preview);
            r.get("/api/v1/segments/{id}", segments::get);
            r.put("/api/v1/segments/{id}", segments::update);
            r.delete("/api/v1/segments/{id}", segments::delete);
            r.get("/api/v1/segments/{id}/members", segments::members);
            r.get("/api/v1/segments/{id}/count", segments::count);
            r.post("/api/v1/topics", topics::create);
            r.get("/api/v1/topics", topics::list);
            r.get("/api/v1/topics/{key}", topics::get);
            r.put("/api/v1/topics/{key}", topics::update);
            r.delete("/api/v1/topics/{key}", topics::delete);
            r.get("/api/v1/people/{userId}/preferences", topics::preferences);
            r.put("/api/v1/people/{userId}/preferences", topics::changePreferences);
            r.post("/api/v1/campaigns", campaigns::create);
            r.get("/api/v1/campaigns", campaigns::list);
            r.get("/api/v1/campaigns/{id}", campaigns::get);
            r.put("/api/v1/campaigns/{id}", campaigns::update);
            r.delete("/api/v1/campaigns/{id}", campaigns::delete);
            r.post("/api/v1/campaigns/{id}/activate", campaigns::activate);
            r.post("/api/v1/campaigns/{id}/pause", campaigns::pause);
            r.post("/api/v1/campaigns/{id}/archive", campaigns::archive);
            r.post("/api/v1/campaigns/{id}/trigger", campaigns::trigger);
            r.get("/api/v1/campaigns/{id}/runs", campaigns::runs);
            r.get("/api/v1/campaigns/{id}/metrics", campaigns::metrics);
            r.post("/api/v1/campaigns/simulate", simulations::inline);
            r.post("/api/v1/campaigns/{id}/simulate", simulations::saved);
            r.get("/api/v1/channels/{channel}", channels::get);
            r.put("/api/v1/channels/{channel}", channels::put);
            r.delete("/api/v1/channels/{channel}", channels::delete);

            // Public pages behind the links in messages: the signed token in the path is the authority, no key.
            r.get("/preferences/{token}", preferencePages::preferences);
            r.post("/preferences/{token}", preferencePages::savePreferences);
            r.get("/u/{token}", preferencePages::unsubscribePage);
            r.post("/u/{token}", preferencePages::unsubscribe);
            // Email open pixel and click redirect: the signed token is the authority (and the only redirect target).
            r.get("/t/o/{token}", emailTracking::open);
            r.get("/t/c/{token}", emailTracking::click);

            r.post("/api/v1/messages/preview", messages::preview);

            r.get("/api/v1/settings/policies", settings::policies);
            r.put("/api/v1/settings/policies", settings::putPolicies);
            r.get("/api/v1/settings/styles", settings::styles);
            r.put("/api/v1/settings/styles", settings::putStyles);

            r.post("/api/v1/messages/test-send", delivery::testSend);
            r.get("/api/v1/settings/webhooks", delivery::webhookSettings);

            // Push engagement from devices (write key + identity) and delivery reports from SMS/WhatsApp providers
            // (public: the signed token in the path is the authority).
            r.post("/v1/push/events", engagement::pushEvent);
            r.options("/v1/push/events", ctx -> ctx.status(204));
            r.post("/v1/providers/messages/status/{token}", engagement::messageStatus);
            // The workspace's VAPID public key for the web SDK's pushManager.subscribe (write key).
            r.get("/v1/push/webpush/key", webPush::key);
            r.options("/v1/push/webpush/key", ctx -> ctx.status(204));

            // The demo site (`herald demo`): static pages that load /sdk/herald.js; keys come in their query string.
            r.get("/demo", demo::home);
            r.get("/demo/{page}", demo::page);
            // The web SDK and its service worker, as bundled into the jar (sdk/web).
            r.get("/sdk/{file}", sdk::file);

            // In-app Client API (write key + identity) and the admin's recall of an in-app delivery.
            r.get("/v1/inapp/messages", inApp::messages);
            r.get("/v1/inapp/stream", inApp::stream);
            r.post("/v1/inapp/events", inApp::event);
            r.options("/v1/inapp/messages", ctx -> ctx.status(204));
            r.options("/v1/inapp/stream", ctx -> ctx.status(204));
            r.options("/v1/inapp/events", ctx -> ctx.status(204));
            r.post("/api/v1/deliveries/{deliveryId}/recall", inApp::recall);

            Counter.Builder requests = Counter.builder("herald.http.requests").description("HTTP requests answered");
            r.after(ctx -> {
                // Before the answer goes out (Javalin writes it after these handlers): see Bodies.drain.
                Bodies.drain(ctx);
                requests.tag("status", statusClass(ctx)).register(s.meters()).increment();
            });

            r.exception(ClientError.class, (e, ctx) -> {
                ApiErrors.write(ctx, e.status(), e.code(), e.getMessage(), e.field());
            });
            r.exception(Unavailable.class, (e, ctx) -> {
                ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
                ApiErrors.write(ctx, e.getMessage().contains("capacity") ? 429 : 503,
                        e.getMessage().contains("capacity") ? "overloaded" : "unavailable", e.getMessage(), null);
            });
            r.exception(StoreException.class, (e, ctx) -> {
                log.atError().setCause(e).log("store failure while answering a request");
                ctx.header("Retry-After", "5");
                ApiErrors.write(ctx, 503, "store_unavailable", "the store could not answer; retry shortly", null);
            });
            r.exception(Credentials.Unreadable.class, (e, ctx) ->
                    ApiErrors.write(ctx, 500, "credentials_unreadable", e.getMessage(), null)); // logged where detected
            r.exception(HttpResponseException.class, (e, ctx) ->
                    ApiErrors.write(ctx, e.getStatus(), codeFor(e.getStatus()), e.getMessage(), null));
            r.exception(Exception.class, (e, ctx) -> {
                log.atError().setCause(e).addKeyValue("path", ctx.path()).log("unexpected error");
                ApiErrors.write(ctx, 500, "internal_error", "Herald failed to answer this request", null);
            });
            r.error(404, ctx -> {
                // The public pages answer their own 404s as HTML pages for people; keep those.
                String type = ctx.res().getContentType();
                if (type != null && type.startsWith("text/html")) return;
                if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().startsWith("{\"error\"")) {
                    ApiErrors.write(ctx, 404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path(), null);
                }
            });
            r.error(405, ctx -> ApiErrors.write(ctx, 405, "method_not_allowed",
                    ctx.method() + " is not allowed on " + ctx.path(), null));
        });
    }

    private static void cors(Context ctx) {
        String origin = ctx.header("Origin");
        ctx.header("Access-Control-Allow-Origin", origin != null ? origin : "*");
        ctx.header("Vary", "Origin");
        ctx.header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
        ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding, Last-Event-ID");
        ctx.header("Access-Control-Max-Age", "86400");
    }

    private static String statusClass(Context ctx) {
        return (ctx.statusCode() / 100) + "xx";
    }

    static String codeFor(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 431 -> "headers_too_large";
            default -> status >= 500 ? "internal_error" : "client_error";
        };
    }
}
