package io.herald.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Posts {@link Workload} batches to one URL over HTTP/1.1 keep-alive connections, the way Segment SDKs do.
 *
 * <p>Two modes. <b>Closed loop</b>: N client threads each send, wait for the answer and send again, which finds
 * the maximum rate. <b>Open loop</b>: requests are scheduled by the clock at a fixed rate and each is sent on its
 * own virtual thread at its scheduled time, whether or not earlier ones have been answered; latency is measured
 * from the <i>scheduled</i> time. So a stall of the server shows up in the latencies of every request that should
 * have been sent during it, instead of being hidden by a client that waited (coordinated omission).
 */
final class HttpDriver {
    private final HttpClient client;
    private final URI target;
    private final String authorization;
    private final int batch;
    private final int people;
    private final String runId;
    private final Workload.Traits traits;
    private int phase;
    private final AtomicLong accepted = new AtomicLong();

    /** What one phase achieved. Events count only calls in batches answered 200. */
    record Result(long events, long requests, long failures, double seconds, Latencies latencies,
                  String firstFailure, int maxInFlight) {
        double eventsPerSecond() {
            return events / seconds;
        }
    }

    HttpDriver(URI target, String authorization, int batch, int people, String runId) {
        this(target, authorization, batch, people, runId, Workload.Traits.RANDOM);
    }

    HttpDriver(URI target, String authorization, int batch, int people, String runId, Workload.Traits traits) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.target = target;
        this.authorization = authorization;
        this.batch = batch;
        this.people = people;
        this.runId = runId;
        this.traits = traits;
    }

    /** Events accepted (HTTP 200) so far, over every phase: for watching a phase while it runs. */
    long acceptedSoFar() {
        return accepted.get();
    }

    /** N threads sending back to back for {@code duration}. */
    Result closedLoop(int clients, Duration duration) throws InterruptedException {
        String prefix = runId + "-p" + (phase++);
        Tally tally = new Tally();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Workload workload = new Workload(people, prefix + "-c" + i, prefix.hashCode() * 31L + i, traits);
            threads.add(Thread.ofPlatform().name("bench-client-" + i).start(() -> {
                while (System.nanoTime() < deadline) {
                    byte[] body = workload.nextBatch(batch);
                    long sent = System.nanoTime();
                    send(body, sent, tally);
                }
            }));
        }
        for (Thread t : threads) t.join();
        return tally.result((System.nanoTime() - start) / 1e9, clients);
    }

    /** Requests of {@code batch} calls scheduled to make {@code eventsPerSecond}, for {@code duration}. */
    Result openLoop(int eventsPerSecond, Duration duration) {
        return openLoop(eventsPerSecond, duration, () -> false);
    }

    /** As {@link #openLoop(int, Duration)}, ending early once {@code stop} says so (checked before each request). */
    Result openLoop(int eventsPerSecond, Duration duration, java.util.function.BooleanSupplier stop) {
        String prefix = runId + "-p" + (phase++);
        Workload workload = new Workload(people, prefix, prefix.hashCode(), traits);
        Tally tally = new Tally();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        double intervalNanos = batch * 1e9 / eventsPerSecond;
        long start = System.nanoTime();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long k = 0; ; k++) {
                long scheduled = start + (long) (k * intervalNanos);
                if (scheduled - start >= duration.toNanos() || stop.getAsBoolean()) break;
                byte[] body = workload.nextBatch(batch); // built ahead of its time, so it costs no latency
                long wait;
                while ((wait = scheduled - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
                senders.execute(() -> {
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    send(body, scheduled, tally);
                    inFlight.decrementAndGet();
                });
            }
        } // close() waits for every request still in flight
        return tally.result((System.nanoTime() - start) / 1e9, maxInFlight.get());
    }

    private void send(byte[] body, long measuredFrom, Tally tally) {
        HttpRequest request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            long latency = System.nanoTime() - measuredFrom;
            tally.requests.incrementAndGet();
            if (response.statusCode() == 200) {
                tally.events.addAndGet(batch);
                accepted.addAndGet(batch);
                tally.latencies.record(latency);
            } else {
                tally.fail(response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            tally.requests.incrementAndGet();
            tally.fail(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Tally {
        final AtomicLong events = new AtomicLong();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicReference<String> firstFailure = new AtomicReference<>();
        final Latencies latencies = new Latencies();

        void fail(String what) {
            failures.incrementAndGet();
            firstFailure.compareAndSet(null, what.length() > 300 ? what.substring(0, 300) : what);
        }

        Result result(double seconds, int maxInFlight) {
            return new Result(events.get(), requests.get(), failures.get(), seconds, latencies, firstFailure.get(),
                    maxInFlight);
        }
    }
}
