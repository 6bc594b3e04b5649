package io.herald.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code herald segments create|watch}: segments through a running Herald's admin API (not the store directly, so
 * they work against a remote server and go through the same validation as any client).
 */
@Command(name = "segments", mixinStandardHelpOptions = true, description = "Create segments and watch their computation, through the admin API.",
        subcommands = {SegmentsCommand.Create.class, SegmentsCommand.Watch.class})
final class SegmentsCommand {

    /** Where Herald is and the admin key to call it with. */
    static final class Connection {
        @Option(names = "--url", defaultValue = "http://localhost:8080", description = "Herald's base URL (default: ${DEFAULT-VALUE}).")
        String url;

        @Option(names = "--key", description = "An admin key (default: the HERALD_ADMIN_KEY environment variable).")
        String key;

        AdminClient client() {
            String k = key != null ? key : Main.environment.get().get("HERALD_ADMIN_KEY");
            if (k == null || k.isBlank()) throw new AdminClient.Failure("no admin key: pass --key or set HERALD_ADMIN_KEY", 2);
            return new AdminClient(url, k);
        }
    }

    /** How often {@code watch} and {@code --wait} ask for progress. */
    static final class Polling {
        @Option(names = "--interval", defaultValue = "1", paramLabel = "SECONDS",
                description = "Seconds between progress checks (default: ${DEFAULT-VALUE}).")
        double seconds;
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a segment and print its id; with --wait, show its computation "
            + "until it is ready and print how many people it holds.")
    static final class Create implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Connection connection;

        @Mixin
        Polling polling;

        @Option(names = "--name", required = true, description = "The segment's name.")
        String name;

        @Option(names = "--description", description = "What the segment is for.")
        String description;

        @Option(names = "--condition", required = true, paramLabel = "FILE|-",
                description = "A JSON file holding the condition (API.md \"Segment condition\"), or - for standard input.")
        String condition;

        @Option(names = "--wait", description = "Show the computation over existing people until the segment is ready.")
        boolean wait;

        @Override
        public Integer call() throws InterruptedException {
            AdminClient client = connection.client();
            ObjectNode body = EventCodec.mapper().createObjectNode();
            body.put("name", name);
            if (description != null) body.put("description", description);
            body.set("condition", readCondition());
            JsonNode created = client.post("/api/v1/segments", body);
            PrintWriter out = spec.commandLine().getOut();
            out.println(created.path("id").asText());
            out.flush();
            if (wait) watch(client, created.path("id").asText(), polling.seconds, out);
            return 0;
        }

        private JsonNode readCondition() {
            String text;
            try {
                if (condition.equals("-")) {
                    InputStream in = Main.stdin.get();
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } else {
                    text = Files.readString(Path.of(condition), StandardCharsets.UTF_8);
                }
            } catch (NoSuchFileException e) {
                throw new AdminClient.Failure("--condition: no file " + condition, 2);
            } catch (IOException e) {
                throw new AdminClient.Failure("--condition: cannot read " + condition + ": " + e.getMessage(), 2);
            }
            try {
                JsonNode json = EventCodec.mapper().readTree(text);
                if (json == null || json.isMissingNode()) throw new AdminClient.Failure("--condition: " + source() + " is empty", 2);
                return json;
            } catch (IOException e) {
                throw new AdminClient.Failure("--condition: " + source() + " is not JSON: "
                        + e.getMessage().lines().findFirst().orElse(""), 2);
            }
        }

        private String source() {
            return condition.equals("-") ? "standard input" : condition;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true, description = "Show a segment's computation until it is ready, then how many people it holds.")
    static final class Watch implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Connection connection;

        @Mixin
        Polling polling;

        @Parameters(index = "0", paramLabel = "ID", description = "The segment's id.")
        String id;

        @Override
        public Integer call() throws InterruptedException {
            watch(connection.client(), id, polling.seconds, spec.commandLine().getOut());
            return 0;
        }
    }

    /** Polls the segment, drawing its progress, until it is ready; then prints its count. */
    static void watch(AdminClient client, String id, double intervalSeconds, PrintWriter out) throws InterruptedException {
        if (!(intervalSeconds > 0) || intervalSeconds > 3600) {
            throw new AdminClient.Failure("--interval must be more than 0 and at most 3600 seconds", 2);
        }
        String path = "/api/v1/segments/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        ProgressBar bar = new ProgressBar(out, Main.terminal.getAsBoolean());
        JsonNode segment = client.get(path);
        while (!bar.show(segment)) {
            Thread.sleep((long) (intervalSeconds * 1000));
            segment = client.get(path);
        }
        long count = segment.path("count").asLong();
        out.println("ready: " + count + (count == 1 ? " person" : " people") + " in " + segment.path("name").asText()
                + " (" + segment.path("id").asText() + ")");
        out.flush();
    }
}
