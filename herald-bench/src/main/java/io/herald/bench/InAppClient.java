package io.herald.bench;

import io.herald.workspace.Secrets;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * The client side of {@code herald-bench inapp}, run by it as a child JVM ({@code inapp-client}, not meant to be
 * typed): it plays the browsers (the SSE streams) and the server that sends the pings, so that its file descriptors
 * and its CPU are its own, not the server's.
 *
 * <p>It talks to its parent in lines: on standard output {@code open <seconds>} once every stream got its styles
 * event, then after the parent answers {@code go} on standard input, the pings (open loop, {@code --rate} a second,
 * round robin over the people, each its own {@code track} call that triggers its own message, over {@code --pool}
 * persistent connections), {@code stat …} / {@code pings …} / {@code cpu …} lines, {@code pinged}; after {@code list}
 * the closed-loop endpoint comparison and {@code rate …} lines; then {@code done}. Progress goes to standard error.
 *
 * <p>A ping's latency runs from the moment the open-loop schedule meant to send it (a ping that waits for a free
 * connection waits on the clock) to its message event read on the person's stream.
 */
final class InAppClient {
    static final Set<String> FLAGS = Set.of();
    static final Set<String> OPTIONS = Set.of("port", "connections", "rate", "seconds", "list-seconds", "clients", "pool",
            "warmup", "write-key", "identity-secret");

    private record Ping(int person, long due) {
    }

    private InAppClient() {
    }

    static void run(Options o) throws Exception {
        int port = o.integer("port", 0, 1);
        int connections = o.integer("connections", 10_000, 1);
        int rate = o.integer("rate", 1000, 1);
        int seconds = o.integer("seconds", 15, 1);
        int listSeconds = o.integer("list-seconds", 10, 1);
        int clients = o.integer("clients", 8, 1);
        int pool = o.integer("pool", 32, 1);
        int warmup = o.integer("warmup", 5, 0);
        String writeKey = o.get("write-key", "");
        String identitySecret = o.get("identity-secret", "");
        PrintStream out = System.out;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

        long t0 = System.nanoTime();
        try (SseStreams streams = new SseStreams(port, connections, writeKey, identitySecret,
                // the parent runs Herald on the system clock: its createdAt and our arrivals share one wall clock
                InstantSource.system())) {
            Thread reader = Thread.ofPlatform().name("bench-sse-reader").daemon(true).start(streams::loop);
            while (streams.connected.get() < connections) {
                if (System.nanoTime() - t0 > Duration.ofMinutes(3).toNanos()) {
                    throw new IllegalStateException("only " + streams.connected.get() + " of " + connections
                            + " streams got their styles event within 3 minutes");
                }
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
            out.printf("open %.2f%n", (System.nanoTime() - t0) / 1e9);
            out.flush();
            expect(in, "go");

            String basic = "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
            if (warmup > 0) {
                Pinged w = ping(streams, port, basic, rate, warmup, connections, pool);
                LoadGenerator.log("warm-up: %,d of %,d messages arrived; ping p99 %.0f ms", streams.received.get(),
                        w.total() - w.failed().get(), streams.latencies.percentileMillis(0.99));
                streams.latencies.clear();
                streams.fromQueued.clear();
                streams.received.set(0);
                for (var q : streams.sent) q.clear();
            }
            out.println("measure");
            out.flush();
            long cpu0 = Cpu.now();
            Pinged p = ping(streams, port, basic, rate, seconds, connections, pool);
            int total = p.total();
            AtomicInteger failed = p.failed();
            long cpu = Cpu.now() - cpu0;
            out.printf("pings %d %d %d %.2f %s%n", total, failed.get(), streams.received.get(), p.sendSeconds(),
                    p.refusals().toString().replace(' ', '_'));
            stat(out, "latency", streams.latencies);
            stat(out, "queued", streams.fromQueued);
            stat(out, "ack", p.acks());
            out.printf("cpu %d%n", cpu);
            out.println("pinged");
            out.flush();
            expect(in, "list");

            // Built before the clock starts, as a page has its userHash from its server: the client's own HMAC per
            // request would take CPU from the server on this machine, and only in this loop.
            Secrets.KeyedMac proof = new Secrets.KeyedMac(identitySecret.getBytes(StandardCharsets.UTF_8));
            byte[][] lists = new byte[connections][];
            for (int i = 0; i < connections; i++) {
                lists[i] = KeepAlive.get("/v1/inapp/messages?writeKey=" + writeKey + "&userId=u" + i + "&userHash="
                        + proof.hex("u" + i));
            }
            byte[] health = KeepAlive.get("/health");
            // The eligible-messages endpoint against the no-op endpoint, same server, same client threads, in
            // alternating one-second slices: this machine's speed drifts by a third from one minute to the next, and
            // two back-to-back ten-second runs compared that drift as much as the endpoints.
            // Untimed first: the list's code is compiled while it runs, and the slices should compare the two
            // endpoints, not the JIT's progress on one of them.
            closedLoop(port, clients, Duration.ofSeconds(2), i -> health, 1);
            closedLoop(port, clients, Duration.ofSeconds(2), i -> lists[i], connections);
            long[] healthRate = new long[2];
            long[] listRate = new long[2];
            List<Double> ratios = new ArrayList<>();
            for (int s = 0; s < listSeconds; s++) {
                long[] h = closedLoop(port, clients, Duration.ofSeconds(1), i -> health, 1);
                long[] l = closedLoop(port, clients, Duration.ofSeconds(1), i -> lists[i], connections);
                healthRate[0] += h[0];
                healthRate[1] += h[1];
                listRate[0] += l[0];
                listRate[1] += l[1];
                ratios.add(((double) l[0] / l[1]) / ((double) h[0] / h[1]));
            }
            ratios.sort(null);
            out.printf("rate health %.1f%n", healthRate[0] / (healthRate[1] / 1e9));
            out.printf("rate list %.1f%n", listRate[0] / (listRate[1] / 1e9));
            out.printf("rate slices %.2f %.2f %.2f%n", ratios.get(0), ratios.get(ratios.size() / 2),
                    ratios.get(ratios.size() - 1));
            out.println("done");
            out.flush();
            reader.interrupt();
            reader.join(5000);
        }
    }

    /** What a ping phase did; its messages' latencies are in the streams. */
    private record Pinged(int total, AtomicInteger failed, double sendSeconds, Map<Integer, AtomicInteger> refusals,
                          Latencies acks) {
    }

    /**
     * Sends {@code rate} pings a second for {@code seconds} (open loop) over {@code pool} persistent connections and
     * waits up to 30 s for their messages.
     */
    private static Pinged ping(SseStreams streams, int port, String basic, int rate, int seconds, int connections,
                               int pool) throws InterruptedException {
        int total = rate * seconds;
        BlockingQueue<Ping> queue = new ArrayBlockingQueue<>(total + pool);
        Latencies acks = new Latencies();
        AtomicInteger failed = new AtomicInteger();
        Map<Integer, AtomicInteger> refusals = new ConcurrentHashMap<>();
        List<Thread> senders = new ArrayList<>();
        Ping stop = new Ping(-1, 0);
        for (int s = 0; s < pool; s++) {
            senders.add(Thread.ofPlatform().name("bench-ping-" + s).daemon(true).start(() -> {
                try (KeepAlive http = new KeepAlive("127.0.0.1", port)) {
                    while (true) {
                        Ping p = queue.take();
                        if (p == stop) return;
                        int status = http.exchange(KeepAlive.post("/v1/track", basic,
                                "{\"userId\":\"u" + p.person() + "\",\"event\":\"ping\"}"));
                        if (status == 200) {
                            acks.record(System.nanoTime() - p.due());
                        } else {
                            // No message will come for it: its send time must not be matched with a later one.
                            streams.sent[p.person()].remove(p.due());
                            failed.incrementAndGet();
                            refusals.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            int person = i % connections;
            // Before the POST: the message may arrive before the POST's answer.
            streams.sent[person].add(due);
            queue.add(new Ping(person, due));
        }
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        for (int s = 0; s < pool; s++) queue.add(stop);
        for (Thread t : senders) t.join();
        long drainStart = System.nanoTime();
        while (streams.received.get() < total - failed.get()
                && System.nanoTime() - drainStart < Duration.ofSeconds(30).toNanos()) {
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return new Pinged(total, failed, sendSeconds, refusals, acks);
    }

    private static void expect(BufferedReader in, String word) throws Exception {
        String line = in.readLine();
        if (!word.equals(line)) throw new IllegalStateException("expected '" + word + "' from the parent, got " + line);
    }

    /** {@code stat <name> <count> <p50 ms> <p99 ms> <max ms>}. */
    private static void stat(PrintStream out, String name, Latencies l) {
        out.printf("stat %s %d %.1f %.1f %.1f%n", name, l.count(), l.percentileMillis(0.5), l.percentileMillis(0.99),
                l.percentileMillis(1.0));
    }

    /**
     * {answered 200, nanoseconds taken} by {@code threads} keep-alive clients sending back to back for {@code d};
     * request(i) (prepared bytes), random i < people.
     */
    private static long[] closedLoop(int port, int threads, Duration d, IntFunction<byte[]> request, int people)
            throws InterruptedException {
        AtomicLong ok = new AtomicLong();
        long deadline = System.nanoTime() + d.toNanos();
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try (KeepAlive http = new KeepAlive("127.0.0.1", port)) {
                    while (System.nanoTime() < deadline) {
                        if (http.exchange(request.apply(ThreadLocalRandom.current().nextInt(people))) == 200) {
                            ok.incrementAndGet();
                        }
                    }
                }
            }));
        }
        for (Thread t : ts) t.join();
        return new long[] {ok.get(), System.nanoTime() - t0};
    }
}
