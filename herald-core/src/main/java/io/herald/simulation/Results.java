package io.herald.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.campaign.Campaigns;
import io.herald.event.EventCodec;
import io.herald.person.Person;
import io.herald.store.Sql;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads what happened to each person out of the scratch store once a simulation has run. */
final class Results {
    private Results() {
    }

    static void failOnDeadLetters(Scratch s) {
        List<String> errors = s.db.read(c -> Sql.query(c, "SELECT error FROM dead_letters ORDER BY id",
                rs -> rs.getString(1)));
        if (!errors.isEmpty()) {
            throw new IllegalStateException("the engine failed on " + errors.size() + " event(s) of the simulation: "
                    + errors.get(0));
        }
    }

    static List<String> userIds(Simulation sim) {
        Set<String> out = new LinkedHashSet<>();
        sim.people().forEach(p -> out.add(p.userId()));
        sim.timeline().stream().sorted(Comparator.comparingInt(Simulation.Entry::index))
                .forEach(e -> out.add(e.userId()));
        return List.copyOf(out);
    }

    static SimulationResult.PersonResult person(Scratch s, String userId) {
        Optional<Person> found = s.people.byUserId(Scratch.WORKSPACE, userId);
        if (found.isEmpty()) {
            return new SimulationResult.PersonResult(userId, EventCodec.mapper().createObjectNode(), List.of(), List.of(),
                    List.of(), List.of());
        }
        Person p = found.get();
        List<SimulationResult.Membership> segments = s.segments.ofPerson(Scratch.WORKSPACE, p.id()).stream()
                .map(m -> new SimulationResult.Membership(m.id(), m.name(), Instant.ofEpochMilli(m.enteredAt()))).toList();
        List<SimulationResult.RunResult> runs = s.campaigns.runsOfPerson(Scratch.WORKSPACE, userId, 1000, null).data().stream()
                .map(Results::run).toList();
        List<SimulationResult.Delivery> deliveries = s.db.read(c -> Sql.query(c, "SELECT id, created_at, run_id, step, "
                + "channel, message FROM deliveries WHERE person_id = ? ORDER BY created_at, id", rs ->
                new SimulationResult.Delivery(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                        rs.getString(4), rs.getString(5), json(rs.getString(6))), p.id()));
        return new SimulationResult.PersonResult(userId, p.attributes(), segments, runs, s.refusalsOf(p.id()), deliveries);
    }

    private static SimulationResult.RunResult run(Campaigns.RunView r) {
        return new SimulationResult.RunResult(r.id(), r.version(), r.variant(), r.holdout(), r.status(), r.step(),
                Instant.ofEpochMilli(r.enteredAt()), instant(r.finishedAt()), r.exitReason(), instant(r.convertedAt()),
                r.path().stream().map(e -> new SimulationResult.PathStep(Instant.ofEpochMilli(e.at()), e.step(),
                        e.outcome(), e.detail())).toList());
    }

    private static Instant instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }

    private static JsonNode json(String stored) {
        try {
            return EventCodec.mapper().readTree(stored);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt delivery message in the scratch store", e);
        }
    }
}
