package io.herald.server.http;

import io.herald.error.ClientError;
import io.herald.inapp.InAppFeed;
import io.herald.inapp.LiveFeed;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open {@code GET /v1/inapp/stream} connections of this node.
 *
 * <p>No stream holds a thread: the response stays open as an asynchronous servlet request (Javalin's SSE support),
 * and work happens only when there is something to write: a nudge from the {@link LiveFeed} starts a virtual thread
 * that reads the person's feed after the last entry this stream sent and writes what it finds; a heartbeat comment
 * goes out on a virtual thread per stream every interval, each stream on its own phase. A stream's writes are
 * serialised on the stream.
 */
final class InAppStreams implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InAppStreams.class);
    private static final int PAGE = 200;
    /**
     * Streams reading the store at once. A dispatcher round nudges every stream of the people it sent to, and each
     * nudged stream reads its identity and its feed: unbounded, those reads took every pooled connection (63 waiting
     * for one of PostgreSQL's 16 at 300 messages/s and 10,000 streams), and the processor and the dispatcher, whose
     * work the streams wait for, queued behind them. Nudges that find no permit wait their turn, in order. Six
     * permits did worse than four on PostgreSQL here (the event log's writer, in the same pool, slowed: POSTs were
     * answered p50 2.2 s instead of 52 ms at 300/s); SQLite's reads take microseconds either way.
     */
    private static final int CONCURRENT_READS = 4;

    private final InAppFeed feed;
    private final ClientIdentity identity;
    private final Set<Stream> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong opened = new AtomicLong();
    private final Semaphore reads = new Semaphore(CONCURRENT_READS, true);
    private final Thread heartbeats;
    private volatile boolean stopping;

    InAppStreams(InAppFeed feed, ClientIdentity identity) {
        this.feed = feed;
        this.identity = identity;
        this.heartbeats = Thread.ofPlatform().name("herald-inapp-heartbeat").daemon(true).start(this::beat);
    }

    int size() {
        return open.size();
    }

    /**
     * Answers the request with a stream for {@code who}, resuming after {@code lastEventId} (null: from now on).
     * The first event is {@code styles}, with the id the stream resumes after.
     */
    void open(Context ctx, ClientIdentity.Who who, Long lastEventId, String sessionId, String styles) {
        long start = lastEventId != null ? lastEventId
                : who.personId() == null ? 0 : feed.lastSeq(who.workspaceId(), who.personId());
        new SseHandler(client -> {
            Stream s = new Stream(client, who, start, sessionId);
            client.onClose(s::close);
            client.keepAlive();
            if (stopping) {
                client.close();
                return;
            }
            open.add(s);
            // Styles first, before any nudge can start a read; the read after subscribing catches up on anything
            // appended before the subscription.
            s.write("styles", styles, start);
            s.subscription = feed.live().subscribe(LiveFeed.key(who.workspaceId(), who.kind(), who.value()), s::nudge);
            if (client.terminated()) {
                s.close();
                return;
            }
            s.nudge();
        }).handle(ctx);
    }

    /**
     * Each stream beats on its own schedule, {@code every} after its previous beat, and its first beat comes after a
     * phase spread over the second half of the interval (from how many streams opened before it): 10,000 streams
     * that opened together (a server restart, a benchmark) then beat across seven seconds instead of all in one tick,
     * a burst of writes that stalled every other thread of a 2-core machine for a moment each interval.
     */
    private void beat() {
        while (!stopping) {
            // Short ticks, so a changed interval applies at once.
            long every = feed.heartbeat().toNanos();
            LockSupport.parkNanos(Math.min(every, TimeUnit.MILLISECONDS.toNanos(250)));
            if (stopping) return;
            long now = System.nanoTime();
            for (Stream s : open) {
                if (s.nextBeat - now > every) s.nextBeat = now + every; // the interval was shortened
                if (s.nextBeat - now <= 0) {
                    s.nextBeat = now + every;
                    Thread.ofVirtual().start(s::heartbeat);
                }
            }
        }
    }

    /** When the {@code n}th stream to open beats first: half an interval, plus a well-spread fraction of one half. */
    private long firstBeat(long n) {
        long every = feed.heartbeat().toNanos();
        double phase = (n * 0.6180339887498949) % 1.0; // golden-ratio sequence: consecutive streams land far apart
        return System.nanoTime() + every / 2 + (long) (phase * (every / 2));
    }

    /** Ends every open stream (the server is stopping; pages reconnect elsewhere with their Last-Event-ID). */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(heartbeats);
        for (Stream s : open) s.client.close();
    }

    private final class Stream {
        final SseClient client;
        final ClientIdentity.Who who;
        final String sessionId;
        final AtomicBoolean dirty = new AtomicBoolean();
        final AtomicBoolean running = new AtomicBoolean();
        volatile AutoCloseable subscription;
        /** System.nanoTime of the next heartbeat; only the heartbeat thread reads and writes it after construction. */
        long nextBeat = firstBeat(opened.getAndIncrement());
        /** The last feed entry read; only the running drain uses it (one at a time, handed over through running). */
        long last;

        Stream(SseClient client, ClientIdentity.Who who, long start, String sessionId) {
            this.client = client;
            this.who = who;
            this.last = start;
            this.sessionId = sessionId;
        }

        void nudge() {
            dirty.set(true);
            if (running.compareAndSet(false, true)) Thread.ofVirtual().start(this::drain);
        }

        private void drain() {
            try {
                while (true) {
                    dirty.set(false);
                    send();
                    running.set(false);
                    // A nudge that came while running found it busy: read again unless another drain took over.
                    if (!dirty.get() || !running.compareAndSet(false, true)) return;
                }
            } catch (ClientError e) {
                // The identity is no longer valid as it connected (an anonymous visitor was identified): the page
                // reconnects with its userId.
                running.set(false);
                client.close();
            } catch (RuntimeException e) {
                running.set(false);
                log.atWarn().setCause(e).log("an in-app stream could not read its feed; closing it (the page resumes)");
                client.close();
            }
        }

        /**
         * Reads and writes what the feed has after {@code last}. Not synchronized: it may wait for a read permit, and
         * a heartbeat must not wait behind that; only the writes hold the stream.
         */
        private void send() {
            if (client.terminated()) return;
            boolean first = true;
            Optional<String> person = Optional.empty();
            while (true) {
                InAppFeed.Page page;
                reads.acquireUninterruptibly();
                try {
                    if (first) {
                        person = identity.current(who);
                        if (person.isEmpty()) return;
                        first = false;
                    }
                    page = feed.after(who.workspaceId(), person.get(), last, who.anonymousOnly(), sessionId, PAGE);
                } finally {
                    reads.release();
                }
                // Written without the permit: a slow page must not hold up other streams' reads.
                synchronized (this) {
                    for (InAppFeed.Entry e : page.entries()) write(e.event(), e.data(), e.seq());
                }
                last = page.last();
                if (page.read() < PAGE || client.terminated()) return;
            }
        }

        synchronized void write(String event, String data, long id) {
            client.sendEvent(event, data, Long.toString(id));
        }

        synchronized void heartbeat() {
            if (!client.terminated()) client.sendComment("hb");
        }

        void close() {
            open.remove(this);
            AutoCloseable sub = subscription;
            if (sub != null) {
                try {
                    sub.close();
                } catch (Exception e) {
                    log.atWarn().setCause(e).log("could not unsubscribe a closed in-app stream");
                }
            }
        }
    }
}
