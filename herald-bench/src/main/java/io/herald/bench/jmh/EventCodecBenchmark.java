package io.herald.bench.jmh;

import io.herald.bench.Workload;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
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
 * The event log's serialisation of one event: {@link EventCodec#encode} (every append) and
 * {@link EventCodec#decode} (every read by a person processor), for each kind of call the workload sends.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar jmh EventCodecBenchmark -f 1 -wi 3 -i 5}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventCodecBenchmark {
    @Param({"track", "identify", "page"})
    public String type;

    private Event event;
    private String json;

    @Setup
    public void setUp() throws IOException {
        List<Event> events = new ArrayList<>();
        Ingest ingest = new Ingest(new NoopEventLog(events::addAll), InstantSource.system(), new SimpleMeterRegistry());
        byte[] body = new Workload(100_000, "jmh", 42).nextBatch(100);
        ingest.accept("ws", CallKind.BATCH, EventCodec.mapper().readTree(body), body.length);
        event = events.stream().filter(e -> e.payload().typeName().equals(type)).findFirst().orElseThrow();
        json = EventCodec.encode(event);
    }

    @Benchmark
    public String encode() {
        return EventCodec.encode(event);
    }

    @Benchmark
    public Event decode() {
        return EventCodec.decode("ws", 0, 1, json);
    }
}
