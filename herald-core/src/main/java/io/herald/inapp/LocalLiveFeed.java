package io.herald.inapp;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The in-process {@link LiveFeed}: streams of this node, by identity key. */
public final class LocalLiveFeed implements LiveFeed {
    private final Map<String, Set<Runnable>> listeners = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public void poke(String key) {
        Set<Runnable> set = listeners.get(key);
        if (set == null) return;
        for (Runnable r : set) r.run();
    }

    @Override
    public AutoCloseable subscribe(String key, Runnable listener) {
        listeners.compute(key, (k, set) -> {
            Set<Runnable> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(listener);
            return s;
        });
        count.incrementAndGet();
        return () -> listeners.computeIfPresent(key, (k, set) -> {
            if (set.remove(listener)) count.decrementAndGet();
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public int subscribers() {
        return count.get();
    }
}
