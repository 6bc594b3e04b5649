package io.herald.email;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * An SMTP peer that answers as scripted, for the replies GreenMail does not give: a command's verb (MAIL, RCPT,
 * DATA, or "." for the end of the message) maps to the reply line, or to {@code CLOSE} to drop the connection there.
 */
final class ScriptedSmtp implements AutoCloseable {
    static final String CLOSE = "CLOSE";

    private final ServerSocket server;
    private final Thread thread;

    ScriptedSmtp(Map<String, String> script) throws IOException {
        server = new ServerSocket(0);
        thread = Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    converse(s, script);
                } catch (IOException e) {
                    // closed, or the client went away: next connection
                }
            }
        });
    }

    int port() {
        return server.getLocalPort();
    }

    private static void converse(Socket s, Map<String, String> script) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = s.getOutputStream();
        say(out, "220 scripted ESMTP");
        String line;
        while ((line = in.readLine()) != null) {
            String verb = line.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
            String reply = switch (verb) {
                case "EHLO", "HELO" -> "250 scripted";
                case "QUIT" -> "221 bye";
                case "RSET", "NOOP" -> "250 ok";
                default -> script.getOrDefault(verb, verb.equals("DATA") ? "354 go ahead" : "250 ok");
            };
            if (reply.equals(CLOSE)) return;
            say(out, reply);
            if (verb.equals("QUIT")) return;
            if (verb.equals("DATA") && reply.startsWith("354")) {
                while ((line = in.readLine()) != null && !line.equals(".")) {
                    // the message itself
                }
                String end = script.getOrDefault(".", "250 queued");
                if (end.equals(CLOSE)) return;
                say(out, end);
            }
        }
    }

    private static void say(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
