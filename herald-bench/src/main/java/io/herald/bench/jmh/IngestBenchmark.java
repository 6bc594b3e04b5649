package io.herald.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.bench.Workload;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.InstantSource;
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
 * The CPU cost of the tracking API's work per request, without HTTP or storage: parsing a realistic Segment batch
 * body with Jackson and validating it into events through {@link Ingest} (over {@link NoopEventLog}, which
 * confirms at once). Scores are per batch; divide by {@code calls} for the cost per event.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar jmh IngestBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2}
 * (add {@code -prof gc} for allocation per batch).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IngestBenchmark {
    @Param({"100"})
    public int calls;

    private byte[] body;
    private JsonNode parsed;
    private Ingest ingest;
    private Ingest encodingIngest;
    private long encodedChars;

    @Setup
    public void setUp() throws IOException {
        body = new Workload(100_000, "jmh", 42).nextBatch(calls);
        parsed = EventCodec.mapper().readTree(body);
        ingest = new Ingest(new NoopEventLog(), InstantSource.system(), new SimpleMeterRegistry());
        // Encodes every event as JdbcEventLog.append does on the request thread, before anything reaches the database.
        encodingIngest = new Ingest(new NoopEventLog(events -> {
            for (Event e : events) encodedChars += EventCodec.encode(e).length();
        }), InstantSource.system(), new SimpleMeterRegistry());
    }

    /** What a {@code /v1/batch} request costs after HTTP: JSON parse, then validation into events. */
    @Benchmark
    public Ingest.Result parseAndValidate() throws IOException {
        JsonNode node = EventCodec.mapper().readTree(body);
        return ingest.accept("ws", CallKind.BATCH, node, body.length);
    }

    /**
     * All the CPU a {@code /v1/batch} request costs on its thread outside HTTP and the database: parse, validation,
     * and encoding each event to its stored JSON.
     */
    @Benchmark
    public long parseValidateAndEncode() throws IOException {
        JsonNode node = EventCodec.mapper().readTree(body);
        encodingIngest.accept("ws", CallKind.BATCH, node, body.length);
        return encodedChars;
    }

    /** Validation into events alone, of an already parsed body. */
    @Benchmark
    public Ingest.Result validateOnly() {
        return ingest.accept("ws", CallKind.BATCH, parsed, body.length);
    }

    /** JSON parse alone: the floor every JSON endpoint pays, the no-op baseline included. */
    @Benchmark
    public JsonNode parseOnly() throws IOException {
        return EventCodec.mapper().readTree(body);
    }
}
