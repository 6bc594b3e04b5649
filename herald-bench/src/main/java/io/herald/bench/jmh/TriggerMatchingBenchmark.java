package io.herald.bench.jmh;

import io.herald.campaign.TriggerMatching;
import io.herald.event.Event;
import io.herald.event.EventCodec;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Trigger matching: what the campaign stage does on every event to find the campaigns it starts (event-name look-up,
 * {@code where} filters, segment and attribute triggers, the active check), through {@link TriggerMatching}, which
 * runs the stage's own code over {@code campaigns} campaigns of {@link CampaignMix}. Target (issue 4): median ≤ 10 µs
 * per event with 1,000 campaigns.
 *
 * <p>Sample-time mode: each invocation is one event, so JMH's {@code p0.50} is the median per event. Baselines in
 * the same run: {@link #unknownEvent} (an event no campaign listens for: the look-up's floor) and {@link #decode} (the
 * JSON decode of a track event of the mix, which a processor pays for every event it reads back from the log).
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar jmh TriggerMatchingBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2}
 * (add {@code -p campaigns=1000} for the target's size only, {@code -prof gc} for allocation).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TriggerMatchingBenchmark {
    /** Events cycled through; a power of two. */
    private static final int EVENTS = 4096;

    @Param({"100", "1000", "10000"})
    public int campaigns;

    private TriggerMatching matching;
    private CampaignMix.Sample[] mix;
    private Event unknown;
    private String trackJson;
    private int next;

    @Setup
    public void setUp() {
        CampaignMix campaignMix = new CampaignMix(42);
        matching = TriggerMatching.of(campaignMix.campaigns(campaigns));
        mix = campaignMix.events(EVENTS).toArray(new CampaignMix.Sample[0]);
        unknown = campaignMix.track(0, "not_listened_for");
        trackJson = EventCodec.encode(campaignMix.track(1, CampaignMix.eventName(7)));
        int triggered = 0;
        for (CampaignMix.Sample s : mix) triggered += matching.triggered(s.event(), s.changed()).size();
        if (triggered == 0) throw new IllegalStateException("the mix triggers nothing: the benchmark would measure misses only");
        System.out.printf("%n%,d campaigns: %.2f campaigns triggered per event of the mix%n", campaigns,
                (double) triggered / EVENTS);
    }

    /** One event of the mix (track, identify, segment timer), cycling through {@value #EVENTS}. */
    @Benchmark
    public List<String> mixedEvents() {
        CampaignMix.Sample s = mix[next++ & (EVENTS - 1)];
        return matching.triggered(s.event(), s.changed());
    }

    /** Baseline: a track event whose name no campaign listens for. */
    @Benchmark
    public List<String> unknownEvent() {
        return matching.triggered(unknown, Map.of());
    }

    /** Baseline: decoding one track event of the mix from its stored JSON. */
    @Benchmark
    public Event decode() {
        return EventCodec.decode("ws", 0, 1, trackJson);
    }
}
