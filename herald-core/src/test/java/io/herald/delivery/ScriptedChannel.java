package io.herald.delivery;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A channel that answers what the test scripted (Sent once the script runs out) and remembers what it was handed. */
final class ScriptedChannel implements Channel {
    private final String name;
    private final Deque<Outcome> script = new ArrayDeque<>();
    final List<Outbound> received = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> perDelivery = new ConcurrentHashMap<>();

    ScriptedChannel(String name, Outcome... outcomes) {
        this.name = name;
        script.addAll(List.of(outcomes));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletableFuture<Outcome> send(Outbound d) {
        received.add(d);
        perDelivery.computeIfAbsent(d.deliveryId(), k -> new AtomicInteger()).incrementAndGet();
        Outcome o;
        synchronized (script) {
            o = script.isEmpty() ? new Outcome.Sent("p-" + d.deliveryId()) : script.poll();
        }
        return CompletableFuture.completedFuture(o);
    }
}
