package io.herald.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.message.RenderContext;
import io.herald.message.RenderFailure;
import io.herald.message.Rendered;
import io.herald.message.Renderer;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rendering a typical push message for one person ({@link Renderer#render}): a title and a body with
 * {@code person.first_name | default}, event properties, a number and a date filter in the person's timezone, over
 * 1,000 people (a tenth without a first name) cycling. {@code plain} renders the same message without Liquid: the
 * baseline of copying the message and choosing translation and variant. One thread: the figure is per core.
 * {@code herald-bench/liquidjs/render.mjs} renders the same template over the same people with LiquidJS.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar jmh RenderBenchmark -f 1 -wi 2 -w 2 -i 3 -r 2}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class RenderBenchmark {
    /** The template both engines render (LiquidJS reads the same text from its script). */
    public static final String TITLE = "Hi {{ person.first_name | default: \"there\" }}, you hit your {{ event.resource }} limit";
    public static final String BODY = "You used {{ event.used | number_with_delimiter }} of {{ event.limit }} {{ event.resource }}."
            + " Upgrade before {{ event.resets_at | date: \"%b %-d\" }} to keep going.";

    @Param({"typical", "plain"})
    public String message;

    private final Renderer renderer = new Renderer(InstantSource.fixed(Instant.parse("2026-11-22T10:00:00Z")));
    private JsonNode push;
    private final List<RenderContext> people = new ArrayList<>();
    private int next;

    @Setup
    public void setUp() throws IOException {
        String title = message.equals("plain") ? "Hi there, you hit your contacts limit" : TITLE;
        String body = message.equals("plain") ? "You used 1,000 of 1000 contacts. Upgrade before Nov 30 to keep going." : BODY;
        push = EventCodec.mapper().createObjectNode().put("title", title).put("body", body).put("deepLink", "app://billing");
        for (int i = 0; i < 1000; i++) people.add(person(i));
    }

    static RenderContext person(int i) {
        Map<String, Object> person = new LinkedHashMap<>();
        person.put("userId", "user-" + i);
        if (i % 10 != 0) person.put("first_name", "Person" + i);
        person.put("plan", "free");
        person.put("email", "user" + i + "@example.com");
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("resource", "contacts");
        event.put("used", 1000 + i);
        event.put("limit", 1000);
        event.put("resets_at", "2026-11-30T00:00:00Z");
        String[] zones = {"Europe/Lisbon", "America/New_York", "Asia/Tokyo", "UTC"};
        return new RenderContext(person, event, Map.of(), Map.of("id", "c1", "name", "Upgrade"),
                Map.of("id", "d" + i), "en", zones[i % zones.length], "user-" + i);
    }

    @Benchmark
    public Rendered render() throws RenderFailure {
        RenderContext c = people.get(next);
        next = next + 1 == people.size() ? 0 : next + 1;
        return renderer.render("push", push, c);
    }
}
