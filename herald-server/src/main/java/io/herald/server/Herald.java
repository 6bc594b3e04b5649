package io.herald.server;

import io.herald.credential.Credentials;
import io.herald.credential.MasterKey;
import io.herald.ingest.Ingest;
import io.herald.log.JdbcEventLog;
import io.herald.person.IdentityStage;
import io.herald.person.People;
import io.herald.person.ProfileStage;
import io.herald.preference.LinkTokens;
import io.herald.preference.Links;
import io.herald.preference.PreferenceCenter;
import io.herald.preference.Preferences;
import io.herald.preference.Topics;
import io.herald.processor.BatchGuard;
import io.herald.processor.PersonProcessor;
import io.herald.campaign.CampaignStage;
import io.herald.campaign.Campaigns;
import io.herald.campaign.Deliveries;
import io.herald.delivery.Channels;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
import io.herald.delivery.InAppChannel;
import io.herald.delivery.TestSends;
import io.herald.delivery.WebhookChannel;
import io.herald.delivery.WebhookSecrets;
import io.herald.push.ApnsProvider;
import io.herald.push.PushChannel;
import io.herald.push.WebPushProvider;
import io.herald.email.EmailChannel;
import io.herald.email.Tracking;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.Links;
import io.herald.segment.SegmentStage;
import io.herald.segment.Segments;
import io.herald.server.http.HttpApi;
import io.herald.policy.Settings;
import io.herald.simulation.Simulations;
import io.herald.simulation.Simulator;
import io.herald.store.Database;
import io.herald.time.Timers;
import io.herald.workspace.Workspaces;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Herald: the store, the event log, the person processor, the timers and the HTTP APIs, wired
 * together. Closing it shuts down in the order that loses nothing: stop taking requests, flush the log, let the
 * processors drain it, then close the store.
 */
public final class Herald implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Herald.class);

    private final Database db;
    private final JdbcEventLog eventLog;
    private final Workspaces workspaces;
    private final People people;
    private final PersonProcessor processor;
    private final Timers timers;
    private final Segments segments;
    private final Campaigns campaigns;
    private final Simulator simulator;
    private final WebhookSecrets webhookSecrets;
    private final WebhookChannel webhooks;
    private final ApnsProvider apns;
    private final io.herald.push.FcmProvider fcm;
    private final WebPushProvider webpush;
    private final PushChannel push;
    private final EmailChannel email;
    private final Tracking emailTracking;
    private final Dispatcher dispatcher;
    private final PrometheusMeterRegistry meters;
    private final Optional<Workspaces.Created> bootstrapped;
    private final MasterKey masterKey;
    private final Credentials credentials;
    private final Links links;
    private final LinkTokens linkTokens;
    private final io.herald.sms.StatusTokens statusTokens;
    private final io.herald.sms.MessagesApiChannel sms;
    private final io.herald.sms.MessagesApiChannel whatsapp;
    private final io.herald.delivery.DeliveryProgress deliveryProgress;
    private final Settings settings;
    private final io.herald.inapp.InAppFeed inAppFeed;
    private Javalin http;

    private Herald(Config config, InstantSource clock) {
        // First: a missing or unusable master key stops start-up before anything is opened.
        this.masterKey = config.secretKey() != null ? MasterKey.fromBase64(config.secretKey(), "HERALD_SECRET_KEY")
                : MasterKey.loadOrCreate(config.dataDir(), new SecureRandom());
        this.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.db = Database.open(config.database());
        try {
            this.workspaces = new Workspaces(db, clock);
            this.bootstrapped = workspaces.bootstrap(config.bootstrapWriteKey(), config.bootstrapAdminKey(),
                    config.bootstrapIdentitySecret());
            this.eventLog = JdbcEventLog.open(db, config.database(), config.partitions(), 8192);
            BatchGuard guard = new BatchGuard();
            this.segments = new Segments(db, eventLog, guard, clock);
            this.campaigns = new Campaigns(db, eventLog, guard, clock);
            segments.usedBy(campaigns::campaignUsing);
            SegmentStage segmentStage = new SegmentStage(segments, meters);
            this.processor = new PersonProcessor(db, eventLog, List.of(new IdentityStage(eventLog, guard), new ProfileStage(),
                    segmentStage, new CampaignStage(campaigns, segmentStage)), guard, clock, meters, 1000);
            this.people = new People(db, eventLog, guard, clock);
            // Due timers wait while a backlog stands in the log, so a broadcast cannot queue live traffic behind it.
            this.timers = new Timers(db, eventLog, clock, processor::lag);
            this.simulator = Simulator.standard();
            // The policy gate reads policies through this one instance, so a PUT refreshes what it applies at once.
            this.settings = new Settings(db, clock);
            this.credentials = new Credentials(db, masterKey, clock);
            this.linkTokens = new LinkTokens(masterKey);
            this.links = new Links(() -> config.publicUrl() != null ? config.publicUrl() : "http://localhost:" + port(),
                    linkTokens);
            this.webhookSecrets = new WebhookSecrets(db, clock);
            this.webhooks = new WebhookChannel(webhookSecrets, clock);
            // Push fans out to the person's devices through APNs and Web Push (FCM devices fail with no_provider
            // until theirs arrives).
            this.apns = new ApnsProvider(clock, ApnsProvider.Options.defaults());
            this.fcm = new io.herald.push.FcmProvider(clock, io.herald.push.FcmProvider.Options.defaults());
            this.webpush = new WebPushProvider(clock, WebPushProvider.Options.defaults());
            this.push = new PushChannel(db, credentials::get, List.of(apns, fcm, webpush), clock);
            java.util.function.Supplier<String> publicUrl = () -> config.publicUrl() != null ? config.publicUrl()
                    : "http://localhost:" + port();
            // Email goes over SMTP with the workspace's smtp credentials; its links and open pixel come back to /t/.
            this.emailTracking = new Tracking(publicUrl, masterKey);
            this.email = new EmailChannel(db, credentials::get, links, emailTracking, EmailChannel.Options.defaults());
            // SMS and WhatsApp through a Messages-API provider; its delivery reports come back to a signed URL.
            this.statusTokens = new io.herald.sms.StatusTokens(masterKey);
            this.sms = new io.herald.sms.MessagesApiChannel("sms", db, credentials::get, statusTokens, publicUrl, clock);
            this.whatsapp = new io.herald.sms.MessagesApiChannel("whatsapp", db, credentials::get, statusTokens,
                    publicUrl, clock);
            this.deliveryProgress = new io.herald.delivery.DeliveryProgress(db, eventLog, clock);
            // In-app deliveries recorded sent reach the person's open pages through their feed (in-process fan-out).
            this.inAppFeed = new io.herald.inapp.InAppFeed(db, new io.herald.inapp.LocalLiveFeed(), clock);
            this.dispatcher = new Dispatcher(db, eventLog, Channels.of(new InAppChannel(), webhooks, push, email, sms,
                    whatsapp), new Gate(settings),
                    new Renderer(clock), links, clock, meters, DispatchOptions.defaults(), Dispatcher.Probe.NONE,
                    inAppFeed);
            // New deliveries are taken at once, not at the next poll (in-app latency: event → open page).
            campaigns.onDeliveriesQueued(dispatcher::wake);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        Ingest ingest = new Ingest(eventLog, clock, meters);
        Topics topics = new Topics(db, segments, clock);
        Preferences preferences = new Preferences(db, ingest, clock);
        Simulations simulations = new Simulations(campaigns, segments, topics, clock, simulator);
        PreferenceCenter preferenceCenter = new PreferenceCenter(db, topics, preferences, linkTokens);
        this.http = HttpApi.create(new HttpApi.Services(workspaces, ingest, people, segments, topics, preferences,
                campaigns, new Deliveries(db), simulations, db, meters, credentials, preferenceCenter, settings,
                new TestSends(db, dispatcher, clock), webhookSecrets, emailTracking,
                deliveryProgress, new io.herald.sms.StatusCallbacks(statusTokens, deliveryProgress),
                new io.herald.inapp.InApp(db, inAppFeed, deliveryProgress, ingest, clock)));
    }

    /**
     * Starts Herald on the configured port.
     *
     * @param background whether to run the processors and timers on their own threads; tests that step through
     *                   processing themselves pass false and call {@link #processor()}{@code .drain()}
     */
    public static Herald start(Config config, InstantSource clock, boolean background) {
        Herald h = new Herald(config, clock);
        try {
            if (background) {
                h.processor.start();
                h.timers.start(Timers.POLL_MILLIS);
                h.segments.computations().start();
                h.campaigns.launches().start();
                h.dispatcher.start(200);
                h.inAppFeed.start(1000);
            }
            h.http.start(config.host(), config.port());
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        log.atInfo().addKeyValue("port", h.port()).addKeyValue("engine", h.db.engine())
                .addKeyValue("partitions", config.partitions()).log("Herald is up");
        return h;
    }

    public int port() {
        return http.port();
    }

    public Optional<Workspaces.Created> bootstrapped() {
        return bootstrapped;
    }

    public Workspaces workspaces() {
        return workspaces;
    }

    public PersonProcessor processor() {
        return processor;
    }

    public Campaigns campaigns() {
        return campaigns;
    }

    public Segments segments() {
        return segments;
    }

    /** The workspace settings (policies, styles) the policy gate applies. */
    public Settings settings() {
        return settings;
    }

    /** The delivery pipeline (tests that step through it call {@code dispatchDue()}). */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** The in-app feed: expiry sweeps ({@code withdrawExpired()}) and the stream heartbeat interval. */
    public io.herald.inapp.InAppFeed inAppFeed() {
        return inAppFeed;
    }

    public Timers timers() {
        return timers;
    }

    /** The workspaces' channel credentials, decrypted for the channel providers. */
    public Credentials credentials() {
        return credentials;
    }

    /** Unsubscribe and preference-center links for deliveries, at HERALD_PUBLIC_URL (else http://localhost:port). */
    public Links links() {
        return links;
    }

    public Database database() {
        return db;
    }

    /** The database of the event log: on SQLite a file of its own, on PostgreSQL the same as {@link #database()}. */
    public Database logDatabase() {
        return eventLog.database();
    }

    @Override
    public void close() {
        timers.close(); // first: it appends to the log
        dispatcher.close(); // finishes its round (it appends outcome events to the log), then stops
        inAppFeed.close();
        webhooks.close();
        push.close();
        email.close();
        sms.close();
        whatsapp.close();
        apns.close();
        fcm.close();
        webpush.close();
        campaigns.launches().close();
        segments.close();
        if (http != null) {
            http.stop();
            http = null;
        }
        eventLog.close();
        processor.close();
        eventLog.closeStore();
        db.close();
        simulator.close();
        log.info("Herald stopped");
    }
}
