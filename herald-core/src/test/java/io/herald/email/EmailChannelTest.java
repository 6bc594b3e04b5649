package io.herald.email;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.herald.credential.MasterKey;
import io.herald.delivery.Channels;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
import io.herald.delivery.DeliveryProgress;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.LinkTokens;
import io.herald.preference.Links;
import io.herald.store.Database;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Email deliveries through the dispatcher and the SMTP channel to GreenMail, on both engines. */
class EmailChannelTest {
    private static final String BASE = "https://herald.example.com";

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("mailer", "s3cret"));

    @TempDir
    Path dir;

    private record Setup(Pipeline p, Dispatcher dispatcher, EmailChannel email, Tracking tracking,
                         DeliveryProgress progress) implements AutoCloseable {
        @Override
        public void close() {
            email.close();
            p.close();
        }

        Database db() {
            return p.store().db();
        }
    }

    private Setup setup(Engine engine, String traits, JsonNode credentials) {
        Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        p.send(CallKind.IDENTIFY, "{\"userId\":\"ada\",\"traits\":" + traits + ",\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
        MasterKey key = MasterKey.generate(new SecureRandom());
        Links links = new Links(() -> BASE, new LinkTokens(key));
        Tracking tracking = new Tracking(() -> BASE, key);
        EmailChannel email = new EmailChannel(p.store().db(), (ws, ch) -> ch.equals("smtp")
                ? Optional.ofNullable(credentials) : Optional.empty(), links, tracking,
                new EmailChannel.Options(2, 10, Duration.ofSeconds(2), Duration.ofSeconds(5)));
        Dispatcher d = new Dispatcher(p.store().db(), p.log(), Channels.of(email), new Gate(), new Renderer(), links,
                p.clock(), new SimpleMeterRegistry(), DispatchOptions.defaults().withMaxAttempts(5));
        return new Setup(p, d, email, tracking, new DeliveryProgress(p.store().db(), p.log(), p.clock()));
    }

    private static JsonNode credentials(int port, String username, String password) {
        var c = EventCodec.mapper().createObjectNode();
        c.put("host", "127.0.0.1");
        c.put("port", port);
        c.put("tls", "none");
        if (username != null) c.put("username", username);
        if (password != null) c.put("password", password);
        c.put("from", "Herald <hello@herald.example.com>");
        return c;
    }

    private static JsonNode greenMail() {
        return credentials(smtp.getSmtp().getPort(), "mailer", "s3cret");
    }

    private static String queue(Setup s, String message) {
        String id = "d-" + UUID.randomUUID();
        long now = s.p().clock().millis();
        s.db().inTransaction(c -> {
            String personId = person(c);
            return Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, run_id, step, "
                    + "channel, idempotency_key, status, message, context, priority, created_at, updated_at) "
                    + "VALUES (?, ?, ?, 'c1', NULL, ?, 's1', 'email', ?, 'queued', ?, ?, 0, ?, ?)", id, Pipeline.WORKSPACE,
                    personId, "run-" + id, "run-" + id + ":s1:" + personId + ":email", message,
                    "{\"event\":{\"event\":\"signed_up\",\"properties\":{}},\"journey\":{},\"campaign\":{\"id\":\"c1\","
                            + "\"name\":\"Welcome\",\"version\":1},\"policies\":{\"quietHours\":false,"
                            + "\"frequencyCap\":false,\"priority\":0}}", now, now);
        });
        return id;
    }

    private static String person(java.sql.Connection c) throws java.sql.SQLException {
        return Sql.queryOne(c, "SELECT person_id FROM identities WHERE kind = 'user' AND value = 'ada'",
                rs -> rs.getString(1)).orElseThrow();
    }

    private static Map<String, Object> row(Setup s, String id) {
        return s.db().read(c -> Sql.queryOne(c, "SELECT status, reason, provider_id FROM deliveries WHERE id = ?", rs -> {
            Map<String, Object> m = new HashMap<>();
            m.put("status", rs.getString(1));
            m.put("reason", rs.getString(2));
            m.put("provider_id", rs.getString(3));
            return m;
        }, id)).orElseThrow();
    }

    private static List<String> told(Setup s) {
        s.p().settle();
        return s.db().read(c -> Sql.query(c, "SELECT event FROM person_events WHERE person_id = ? AND event LIKE "
                + "'message.%' ORDER BY ts, seq", rs -> rs.getString(1), person(c)));
    }

    private static final String WELCOME = "{\"subject\":\"Welcome, {{ person.name }}\",\"html\":\"<html><head><link "
            + "rel=\\\"stylesheet\\\" href=\\\"https://fonts.example.com/a.css\\\"></head><body><h1>Hi "
            + "{{ person.name }}</h1><p>See <a href=\\\"https://example.com/plans?a=1&amp;b=2\\\">plans</a> or "
            + "<a href='mailto:help@example.com'>write</a>.</p></body></html>\",\"replyTo\":\"help@example.com\"}";

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anEmailArrivesWithTextAndHtmlPartsUnsubscribeHeadersAndTrackedLinks(Engine engine) throws Exception {
        try (Setup s = setup(engine, "{\"email\":\"ada@example.com\",\"name\":\"Ada\"}", greenMail())) {
            String id = queue(s, WELCOME);
            s.dispatcher().dispatchDue();

            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "sent");
            assertThat((String) r.get("provider_id")).isEqualTo("<" + id + "@herald.example.com>");
            MimeMessage[] got = smtp.getReceivedMessages();
            assertThat(got).hasSize(1);
            MimeMessage m = got[0];
            assertThat(m.getSubject()).isEqualTo("Welcome, Ada");
            assertThat(m.getFrom()[0].toString()).isEqualTo("Herald <hello@herald.example.com>");
            assertThat(m.getReplyTo()[0].toString()).isEqualTo("help@example.com");
            assertThat(m.getAllRecipients()[0].toString()).isEqualTo("ada@example.com");
            assertThat(m.getMessageID()).isEqualTo("<" + id + "@herald.example.com>");
            assertThat(m.getHeader("List-Unsubscribe")[0]).startsWith("<" + BASE + "/u/").endsWith(">");
            assertThat(m.getHeader("List-Unsubscribe-Post")[0]).isEqualTo("List-Unsubscribe=One-Click");
            assertThat(m.getContentType()).startsWith("multipart/alternative");
            Multipart parts = (Multipart) m.getContent();
            assertThat(parts.getCount()).isEqualTo(2);
            assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain");
            assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html");
            String text = (String) parts.getBodyPart(0).getContent();
            assertThat(text).contains("Hi Ada").contains("plans (https://example.com/plans?a=1&b=2)").doesNotContain("<");
            String html = (String) parts.getBodyPart(1).getContent();
            assertThat(html).doesNotContain("https://example.com/plans").contains("href='mailto:help@example.com'")
                    .contains("href=\"https://fonts.example.com/a.css\"");

            Matcher click = Pattern.compile("href=\"" + Pattern.quote(BASE) + "/t/c/([^\"]+)\"").matcher(html);
            assertThat(click.find()).isTrue();
            Tracking.Hit hit = s.tracking().verify(click.group(1)).orElseThrow();
            assertThat(hit.url()).isEqualTo("https://example.com/plans?a=1&b=2");
            assertThat(hit.deliveryId()).isEqualTo(id);
            Matcher pixel = Pattern.compile("src=\"" + Pattern.quote(BASE) + "/t/o/([^\"]+)\\.gif\"").matcher(html);
            assertThat(pixel.find()).isTrue();
            assertThat(html.indexOf("/t/o/")).isLessThan(html.indexOf("</body>"));
            Tracking.Hit open = s.tracking().verify(pixel.group(1)).orElseThrow();
            assertThat(open.click()).isFalse();

            // Opening then clicking moves the delivery forward; a later open never moves it back.
            assertThat(s.progress().report(open.workspaceId(), open.deliveryId(), "opened", null, null)).isTrue();
            assertThat(row(s, id)).containsEntry("status", "opened");
            assertThat(s.progress().report(hit.workspaceId(), hit.deliveryId(), "clicked", null, null)).isTrue();
            assertThat(s.progress().report(open.workspaceId(), open.deliveryId(), "opened", null, null)).isFalse();
            assertThat(row(s, id)).containsEntry("status", "clicked");
            assertThat(told(s)).containsExactly("message.sent", "message.opened", "message.clicked");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPersonWithoutAnEmailAttributeFailsWithNoEmail(Engine engine) {
        try (Setup s = setup(engine, "{\"name\":\"Ada\"}", greenMail())) {
            String id = queue(s, WELCOME);
            s.dispatcher().dispatchDue();
            assertThat(row(s, id)).containsEntry("status", "failed").containsEntry("reason", EmailChannel.NO_EMAIL);
            assertThat(smtp.getReceivedMessages()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aWorkspaceWithoutSmtpCredentialsFailsWithNoProvider(Engine engine) {
        try (Setup s = setup(engine, "{\"email\":\"ada@example.com\"}", null)) {
            String id = queue(s, WELCOME);
            s.dispatcher().dispatchDue();
            assertThat(row(s, id)).containsEntry("status", "failed").containsEntry("reason", Channels.NO_PROVIDER);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anSmtpServerThatIsDownIsRetried(Engine engine) throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort(); // free once closed: nothing listens there
        }
        try (Setup s = setup(engine, "{\"email\":\"ada@example.com\"}", credentials(closed, null, null))) {
            String id = queue(s, WELCOME);
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "retrying");
            assertThat((String) r.get("reason")).startsWith("smtp_unavailable: ");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aRefusedLoginFailsWithTheServersReason(Engine engine) {
        try (Setup s = setup(engine, "{\"email\":\"ada@example.com\"}",
                credentials(smtp.getSmtp().getPort(), "mailer", "wrong"))) {
            String id = queue(s, WELCOME);
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "failed");
            assertThat((String) r.get("reason")).startsWith("smtp_auth_failed: ").contains("535");
            assertThat(smtp.getReceivedMessages()).isEmpty();
        }
    }

    private Map<String, Object> answerTo(Engine engine, Map<String, String> script) throws Exception {
        try (ScriptedSmtp server = new ScriptedSmtp(script);
             Setup s = setup(engine, "{\"email\":\"ada@example.com\"}", credentials(server.port(), null, null))) {
            String id = queue(s, WELCOME);
            s.dispatcher().dispatchDue();
            return row(s, id);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPermanentRefusalFailsWithTheServersReply(Engine engine) throws Exception {
        Map<String, Object> r = answerTo(engine, Map.of("RCPT", "550 5.1.1 <ada@example.com>: no such user"));
        assertThat(r).containsEntry("status", "failed")
                .containsEntry("reason", "smtp_550: 550 5.1.1 <ada@example.com>: no such user");
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTransientRefusalIsRetried(Engine engine) throws Exception {
        Map<String, Object> r = answerTo(engine, Map.of("MAIL", "451 4.3.0 try again later"));
        assertThat(r).containsEntry("status", "retrying");
        assertThat((String) r.get("reason")).startsWith("smtp_451: 451 4.3.0 try again later");
        assertThat(answerTo(engine, Map.of(".", "452 4.2.2 mailbox full"))).containsEntry("status", "retrying");
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aConnectionLostAfterTheMessageWasHandedOverIsUnknown(Engine engine) throws Exception {
        Map<String, Object> r = answerTo(engine, Map.of(".", ScriptedSmtp.CLOSE));
        assertThat(r).containsEntry("status", "unknown");
        assertThat((String) r.get("reason")).startsWith("smtp_connection_lost: ");
    }

    @Test
    void trackingTokensRefuseTamperingAndGarbage() {
        MasterKey key = MasterKey.generate(new SecureRandom());
        Tracking t = new Tracking(() -> BASE, key);
        String token = t.issue(new Tracking.Hit("ws", "d1", "p1", "https://example.com/x"));
        assertThat(t.verify(token)).contains(new Tracking.Hit("ws", "d1", "p1", "https://example.com/x"));
        List<String> bad = new ArrayList<>(List.of("", ".", "x", "a.b", "a.b.c", token + "x", "x" + token,
                token.substring(0, token.length() - 1), "%00", "A".repeat(Tracking.MAX_LENGTH + 1)));
        char last = token.charAt(token.length() - 1);
        bad.add(token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A'));
        bad.add(new Tracking(() -> BASE, MasterKey.generate(new SecureRandom())).issue(
                new Tracking.Hit("ws", "d1", "p1", "https://evil.example.com")));
        for (String b : bad) assertThat(t.verify(b)).as(b).isEmpty();
        assertThat(t.verify(null)).isEmpty();
    }

    @Test
    void textIsDerivedFromHtmlSimply() {
        assertThat(Text.fromHtml("<html><head><style>p{}</style></head><body><p>One &amp; two</p><p>Three<br>four"
                + " <a href=\"https://x.example\">link</a></p></body></html>"))
                .isEqualTo("One & two\nThree\nfour link (https://x.example)");
    }
}
