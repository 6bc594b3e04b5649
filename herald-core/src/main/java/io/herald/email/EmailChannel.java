package io.herald.email;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.delivery.Channel;
import io.herald.delivery.Channels;
import io.herald.delivery.Outbound;
import io.herald.delivery.Outcome;
import io.herald.event.EventCodec;
import io.herald.preference.Links;
import io.herald.store.Database;
import io.herald.store.Sql;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.util.MailConnectException;

/**
 * The {@code email} channel: one message over SMTP with the workspace's {@code smtp} credentials, as
 * multipart/alternative (a text part — the message's, else derived from the HTML — and the HTML), with one-click
 * List-Unsubscribe headers, a Message-ID made from the delivery id, and open/click tracking ({@link Tracking}).
 *
 * <p>Outcomes: a person without an {@code email} attribute fails with {@code no_email}; a workspace without smtp
 * credentials with {@code no_provider}. Before the message is handed over (connecting, greeting, STARTTLS) every failure
 * but a refused login is transient: a retry. A 4xx reply is a retry and a 5xx reply a rejection with the server's
 * text, refused logins too ({@code smtp_auth_failed: ...}). A connection lost while the message was being handed over
 * is {@code unknown}: the server may have accepted it, and a second copy is worse than none.
 *
 * <p>JavaMail blocks, so sends run on a bounded pool of their own; a full pool answers a retry rather than hold the
 * dispatcher.
 */
public final class EmailChannel implements Channel, AutoCloseable {
    /** The reason a delivery fails with when the person has no {@code email} attribute. */
    public static final String NO_EMAIL = "no_email";
    /** How long a workspace's credentials (and their mail session) are reused before being read again. */
    public static final Duration CREDENTIALS_TTL = Duration.ofSeconds(10);

    /** Pool size and SMTP socket timeouts. */
    public record Options(int threads, int queue, Duration connectTimeout, Duration ioTimeout) {
        public static Options defaults() {
            return new Options(8, 1000, Duration.ofSeconds(10), Duration.ofSeconds(30));
        }
    }

    private final Database db;
    private final BiFunction<String, String, Optional<JsonNode>> credentials;
    private final Links links;
    private final Tracking tracking;
    private final Options options;
    private final ThreadPoolExecutor pool;
    private final Map<String, Cached> sessions = new ConcurrentHashMap<>();

    private record Cached(Optional<Smtp> smtp, long until) {
    }

    private record Smtp(Session session, String username, String password, String from) {
    }

    /** @param credentials the workspace's decrypted credentials per channel name ({@code Credentials::get}) */
    public EmailChannel(Database db, BiFunction<String, String, Optional<JsonNode>> credentials, Links links,
                        Tracking tracking, Options options) {
        this.db = db;
        this.credentials = credentials;
        this.links = links;
        this.tracking = tracking;
        this.options = options;
        this.pool = new ThreadPoolExecutor(options.threads(), options.threads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(options.queue()), Thread.ofPlatform().name("herald-smtp-", 0).daemon().factory());
        this.pool.allowCoreThreadTimeOut(true);
    }

    @Override
    public String name() {
        return "email";
    }

    @Override
    public CompletableFuture<Outcome> send(Outbound d) {
        try {
            return CompletableFuture.supplyAsync(() -> deliver(d), pool);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(new Outcome.Retry("email_busy", null));
        }
    }

    private Outcome deliver(Outbound d) {
        record Target(String email, String topic) {
        }
        Optional<Target> target = db.read(c -> Sql.queryOne(c, "SELECT p.attributes, d.topic, d.message FROM persons p "
                + "LEFT JOIN deliveries d ON d.id = ? WHERE p.id = ?", rs -> {
            String email = null;
            try {
                JsonNode a = EventCodec.mapper().readTree(rs.getString(1));
                if (a.path("email").isTextual() && !a.get("email").textValue().isBlank()) email = a.get("email").textValue();
            } catch (Exception e) {
                email = null; // unreadable attributes: as good as none
            }
            String topic = rs.getString(2);
            if (topic == null && rs.getString(3) != null) {
                try {
                    JsonNode m = EventCodec.mapper().readTree(rs.getString(3));
                    if (m.path("topic").isTextual()) topic = m.get("topic").textValue();
                } catch (Exception e) {
                    topic = null;
                }
            }
            return new Target(email, topic);
        }, d.deliveryId(), d.personId()));
        if (target.isEmpty() || target.get().email() == null) return new Outcome.Rejected(NO_EMAIL);
        Optional<Smtp> smtp;
        try {
            smtp = smtp(d.workspaceId());
        } catch (RuntimeException e) { // unreadable under this master key: an operator can fix it, so not final
            return new Outcome.Retry("credentials_unreadable", null);
        }
        if (smtp.isEmpty()) return new Outcome.Rejected(Channels.NO_PROVIDER);
        MimeMessage message;
        try {
            message = compose(d, smtp.get(), target.get().email(), target.get().topic());
        } catch (AddressException e) {
            return new Outcome.Rejected("invalid_address: " + e.getMessage());
        } catch (MessagingException e) {
            return new Outcome.Rejected("invalid_message: " + e.getMessage());
        }
        return transmit(smtp.get(), message);
    }

    private MimeMessage compose(Outbound d, Smtp smtp, String to, String topic) throws MessagingException {
        ObjectNode content = d.content();
        String messageId = "<" + d.deliveryId() + "@" + domainOf(smtp.from()) + ">";
        MimeMessage m = new MimeMessage(smtp.session()) {
            @Override
            protected void updateMessageID() throws MessagingException {
                // The delivery's id: a copy sent again by an operator is recognizably the same message.
                setHeader("Message-ID", messageId);
            }
        };
        String from = content.path("from").isTextual() ? content.get("from").textValue() : smtp.from();
        m.setFrom(new InternetAddress(from, true));
        if (content.path("replyTo").isTextual()) m.setReplyTo(InternetAddress.parse(content.get("replyTo").textValue(), true));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to, true));
        m.setSubject(content.path("subject").asText(""), "UTF-8");
        Map<String, String> urls = links.forDelivery(d.workspaceId(), d.personId(), d.deliveryId(), "email", topic);
        for (Map.Entry<String, String> h : Links.emailHeaders(urls.get("unsubscribeUrl")).entrySet()) {
            m.setHeader(h.getKey(), h.getValue());
        }
        String html = content.path("html").asText("");
        String text = content.path("text").isTextual() ? content.get("text").textValue() : Text.fromHtml(html);
        MimeMultipart alternative = new MimeMultipart("alternative");
        MimeBodyPart textPart = new MimeBodyPart();
        textPart.setText(text, "UTF-8", "plain");
        MimeBodyPart htmlPart = new MimeBodyPart();
        htmlPart.setText(tracking.rewrite(html, d.workspaceId(), d.deliveryId(), d.personId()), "UTF-8", "html");
        alternative.addBodyPart(textPart); // the last part is the preferred one (RFC 2046): HTML
        alternative.addBodyPart(htmlPart);
        m.setContent(alternative);
        m.saveChanges();
        return m;
    }

    private static Outcome transmit(Smtp smtp, MimeMessage message) {
        Transport transport;
        try {
            transport = smtp.session().getTransport("smtp");
        } catch (MessagingException e) {
            return new Outcome.Rejected("smtp_unavailable: " + e.getMessage());
        }
        try {
            try {
                if (smtp.username() != null) transport.connect(smtp.username(), smtp.password());
                else transport.connect();
            } catch (AuthenticationFailedException e) {
                return new Outcome.Rejected("smtp_auth_failed: " + reply(e));
            } catch (MessagingException e) {
                return new Outcome.Retry("smtp_unavailable: " + reply(e), null); // nothing handed over yet
            }
            try {
                Address[] recipients = message.getAllRecipients();
                transport.sendMessage(message, recipients);
                return new Outcome.Sent(message.getMessageID());
            } catch (MessagingException e) {
                Coded coded = coded(e);
                // No reply (Angus says -1 when the connection dropped while it waited for one): it may have been taken.
                if (coded == null || coded.code() < 100) return new Outcome.Unknown("smtp_connection_lost: " + reply(e));
                String reason = "smtp_" + coded.code() + ": " + coded.reply();
                if (coded.code() >= 400 && coded.code() < 500) return new Outcome.Retry(reason, null);
                return new Outcome.Rejected(reason);
            }
        } finally {
            try {
                transport.close();
            } catch (MessagingException e) {
                // QUIT failed: the message's fate was decided before it
            }
        }
    }

    private record Coded(int code, String reply) {
    }

    /** The server's reply an exception carries (the first in its chain), null when the server gave none. */
    private static Coded coded(Exception e) {
        for (Exception x = e; x != null; x = x instanceof MessagingException m ? m.getNextException() : null) {
            if (x instanceof SMTPAddressFailedException a) return new Coded(a.getReturnCode(), reply(a));
            if (x instanceof SMTPSenderFailedException s) return new Coded(s.getReturnCode(), reply(s));
            if (x instanceof SMTPSendFailedException s) return new Coded(s.getReturnCode(), reply(s));
        }
        return null;
    }

    private static String reply(Exception e) {
        String s = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName()
                : e.getMessage().strip().replaceAll("\\s+", " ");
        if (e.getCause() != null && !(e instanceof MailConnectException)) s += " (" + e.getCause() + ")";
        return s.length() > 300 ? s.substring(0, 300) : s;
    }

    private Optional<Smtp> smtp(String workspaceId) {
        long now = System.nanoTime();
        Cached c = sessions.get(workspaceId);
        if (c != null && now - c.until() < 0) return c.smtp();
        Optional<Smtp> smtp = credentials.apply(workspaceId, "smtp").map(this::session);
        sessions.put(workspaceId, new Cached(smtp, now + CREDENTIALS_TTL.toNanos()));
        return smtp;
    }

    private Smtp session(JsonNode creds) {
        Properties p = new Properties();
        p.put("mail.smtp.host", creds.path("host").asText());
        p.put("mail.smtp.port", String.valueOf(creds.path("port").asInt(587)));
        p.put("mail.smtp.connectiontimeout", String.valueOf(options.connectTimeout().toMillis()));
        p.put("mail.smtp.timeout", String.valueOf(options.ioTimeout().toMillis()));
        p.put("mail.smtp.writetimeout", String.valueOf(options.ioTimeout().toMillis()));
        String username = creds.path("username").isTextual() ? creds.get("username").textValue() : null;
        String password = creds.path("password").isTextual() ? creds.get("password").textValue() : null;
        if (username != null) p.put("mail.smtp.auth", "true");
        switch (creds.path("tls").asText("starttls")) {
            case "tls" -> {
                p.put("mail.smtp.ssl.enable", "true");
                p.put("mail.smtp.ssl.checkserveridentity", "true");
            }
            case "none" -> { }
            default -> { // a server that offers no STARTTLS must not get the password in the clear
                p.put("mail.smtp.starttls.enable", "true");
                p.put("mail.smtp.starttls.required", "true");
                p.put("mail.smtp.ssl.checkserveridentity", "true");
            }
        }
        String from = creds.path("from").asText("");
        return new Smtp(Session.getInstance(p), username, password, from);
    }

    private static String domainOf(String from) {
        try {
            String address = new InternetAddress(from).getAddress();
            int at = address.lastIndexOf('@');
            if (at > 0 && at < address.length() - 1) return address.substring(at + 1);
        } catch (AddressException e) {
            // fall through
        }
        return "herald.invalid";
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) pool.shutdownNow();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
