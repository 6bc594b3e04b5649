package io.herald.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.bench.SegmentMix;
import io.herald.bench.Workload;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.herald.segment.InMemorySegments;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What keeping segments current costs the person processor per event, in memory (no store): the event feeds the
 * tallies that match it and the segments reading what it changed are re-evaluated, by the processor's own code
 * through {@link InMemorySegments}. Segments: {@link SegmentMix} (attributes, counts in windows with filters,
 * aggregates, last occurrence, nested and/or/not, segments using segments); events: {@link Workload}'s track and
 * identify calls, applied to 4,096 people, each of whom does about four events a simulated day (every event moves
 * the clock 5 s) and starts with 30 simulated days of history.
 *
 * <p>{@code segments}: {@code 500-wide} is 500 segments over a workspace's vocabulary (64 event names, 19
 * attributes, the workload's being the most popular), the realistic case; {@code 500-workload} is 500 segments over
 * the workload's 8 event names and traits alone, so every event concerns dozens of segments: the worst case.
 * {@code mixed} interleaves track, identify and page calls as the load test sends them (60/15/25%), for the per-event
 * figure over a stream; each kind is also measured alone.
 * Baselines in the same run: the same calls with no segments ({@code 0}: the stage's fixed cost), and {@code decode},
 * the event log's decoding of the same track event, which the processor pays for every event it reads back.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar jmh SegmentEvaluationBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2}
 * (SampleTime: median and tail per call, in µs; add {@code -prof gc} for allocation per call).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SegmentEvaluationBenchmark {
    private static final int PEOPLE = 4096;
    private static final long STEP = Duration.ofSeconds(5).toMillis();
    private static final long HISTORY = Duration.ofDays(30).toMillis();

    @Param({"0", "500-wide", "500-workload"})
    public String segments;

    private InMemorySegments engine;
    private InMemorySegments.Person[] people;
    private final List<Payload.Track> tracks = new ArrayList<>();
    private final List<Payload.Identify> identifies = new ArrayList<>();
    private final List<Payload.Page> pages = new ArrayList<>();
    private String trackJson;
    private final SplittableRandom random = new SplittableRandom(7);
    private long now = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private int nextTrack;
    private int nextIdentify;
    private int nextPage;
    private int nextKind;

    @Setup
    public void setUp() throws IOException {
        List<JsonNode> conditions = new ArrayList<>();
        if (!segments.equals("0")) {
            String[] countAndVocabulary = segments.split("-");
            conditions.addAll(SegmentMix.conditions(Integer.parseInt(countAndVocabulary[0]), 42,
                    SegmentMix.Vocabulary.valueOf(countAndVocabulary[1].toUpperCase(java.util.Locale.ROOT)),
                    InMemorySegments::id));
        }
        engine = InMemorySegments.compile(conditions);
        List<Event> events = new ArrayList<>();
        Ingest ingest = new Ingest(new NoopEventLog(events::addAll), InstantSource.system(), new SimpleMeterRegistry());
        Workload workload = new Workload(100_000, "jmh", 42);
        for (int b = 0; b < 40; b++) {
            byte[] body = workload.nextBatch(100);
            ingest.accept("ws", CallKind.BATCH, EventCodec.mapper().readTree(body), body.length);
        }
        for (Event e : events) {
            switch (e.payload()) {
                case Payload.Track t -> {
                    tracks.add(t);
                    if (trackJson == null) trackJson = EventCodec.encode(e);
                }
                case Payload.Identify id -> identifies.add(id);
                case Payload.Page pg -> pages.add(pg);
                default -> { }
            }
        }
        people = new InMemorySegments.Person[PEOPLE];
        for (int i = 0; i < PEOPLE; i++) {
            people[i] = engine.person(identifies.get(i % identifies.size()).traits(), now);
        }
        // 30 simulated days of the same traffic, so tallies hold what their windows would
        long until = now + HISTORY;
        while (now < until) {
            if (random.nextInt(100) < 80) track();
            else identify();
        }
    }

    /** A workload {@code track} call (3–5 properties) for one person. */
    @Benchmark
    public List<InMemorySegments.Change> track() {
        Payload.Track t = tracks.get(nextTrack++ % tracks.size());
        now += STEP;
        return engine.track(people[random.nextInt(PEOPLE)], t.event(), t.properties(), now, now);
    }

    /** A workload {@code identify} call (4–6 traits, among them plan and logins) for one person. */
    @Benchmark
    public List<InMemorySegments.Change> identify() {
        ObjectNode traits = identifies.get(nextIdentify++ % identifies.size()).traits();
        now += STEP;
        return engine.identify(people[random.nextInt(PEOPLE)], traits, now, now);
    }

    /** A workload {@code page} call: no segment reads page views, so this is the stage's fixed cost for one. */
    @Benchmark
    public List<InMemorySegments.Change> page() {
        Payload.Page pg = pages.get(nextPage++ % pages.size());
        now += STEP;
        return engine.page(people[random.nextInt(PEOPLE)], pg.name(), pg.properties(), now, now);
    }

    /**
     * The calls in the proportions the load test sends them ({@link Workload}: 60% track, 15% identify, 25% page),
     * one per invocation, in a fixed interleaving: the per-event figure over a stream of events.
     */
    @Benchmark
    public List<InMemorySegments.Change> mixed() {
        int k = MIX[nextKind++ % MIX.length];
        return k == 0 ? track() : k == 1 ? identify() : page();
    }

    /** 12 of 20 track, 3 identify, 5 page, spread out (0 = track, 1 = identify, 2 = page). */
    private static final int[] MIX = {0, 2, 0, 1, 0, 2, 0, 0, 2, 1, 0, 0, 2, 0, 0, 1, 0, 2, 0, 0};

    /** Baseline: the event log's decoding of one stored track event. */
    @Benchmark
    public Event decode() {
        return EventCodec.decode("ws", 0, 1, trackJson);
    }
}
