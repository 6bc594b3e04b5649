package io.herald.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.simulation.Simulation;
import io.herald.simulation.SimulationResult;
import io.herald.simulation.Simulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code herald simulate}: runs a campaign over a timeline on this machine, with no server, and prints what each
 * person would go through. The same simulator as {@code POST /api/v1/campaigns/simulate}.
 */
@Command(name = "simulate", description = "Simulate a campaign over a timeline of events on a virtual clock and "
        + "print each person's path and deliveries. Nothing is sent; no server or store is needed.")
final class Simulate implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "CAMPAIGN.json",
            description = "The campaign, as POST /api/v1/campaigns takes it.")
    Path campaign;

    @Option(names = "--timeline", required = true, paramLabel = "TIMELINE.json",
            description = "The timeline: an array of entries [{at, userId, type, ...}], or an object "
                    + "{timeline, people?, segments?, start?, until?}.")
    Path timeline;

    @Option(names = "--segments", paramLabel = "SEGMENTS.json",
            description = "Segments the campaign uses: an array [{id, name?, condition}], or what GET /api/v1/segments answers.")
    Path segments;

    @Option(names = "--start", paramLabel = "INSTANT", description = "When the simulation starts (default: now).")
    String start;

    @Option(names = "--until", paramLabel = "INSTANT|DURATION",
            description = "When it stops: an instant, or a duration after the start such as P30D (default: long "
                    + "enough for the journey's waits after the last entry).")
    String until;

    @Option(names = "--json", description = "Print the result as the HTTP API answers it.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        ObjectNode body = EventCodec.mapper().createObjectNode();
        JsonNode t = read(timeline, "--timeline");
        if (t.isArray()) {
            body.set("timeline", t);
        } else if (t.isObject()) {
            body.setAll((ObjectNode) t);
        } else {
            throw new IllegalArgumentException(timeline + " must hold an array of entries or an object {timeline, …}");
        }
        body.set("campaign", read(campaign, "-f"));
        if (segments != null) {
            JsonNode s = read(segments, "--segments");
            body.set("segments", s.isObject() && s.has("data") ? s.get("data") : s);
        }
        if (start != null) body.put("start", start);
        if (until != null) body.put("until", until);
        SimulationResult result;
        try (Simulator simulator = Simulator.standard()) {
            result = simulator.run(Simulation.parse(body, Instant.now(), simulator.limits()));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(EventCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(result.toJson()));
            out.flush();
        } else {
            SimulationReport.print(result, out);
        }
        return 0;
    }

    private static JsonNode read(Path file, String option) throws IOException {
        try {
            return EventCodec.mapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(option + ": no such file " + file);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(option + ": " + file + " is not valid JSON (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }
}
