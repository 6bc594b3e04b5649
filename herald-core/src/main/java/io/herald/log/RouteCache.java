package io.herald.log;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The routes the log writer used lately: a least-recently-used map from route key to route, bounded so that memory
 * stays flat however many people there are, plus an index by group so that moving a group updates every cached id
 * of it. The table stays the truth; an id evicted here is simply read from it again. Used by the writer thread only.
 */
final class RouteCache {
    private final int capacity;
    private final LinkedHashMap<String, Routes.Route> byKey;
    private final Map<Long, Set<String>> byGroup = new HashMap<>();

    RouteCache(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("route cache capacity must be at least 1, was " + capacity);
        this.capacity = capacity;
        this.byKey = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Routes.Route> eldest) {
                if (size() <= RouteCache.this.capacity) return false;
                unindex(eldest.getKey(), eldest.getValue());
                return true;
            }
        };
    }

    Routes.Route get(String key) {
        return byKey.get(key);
    }

    void put(String key, Routes.Route route) {
        Routes.Route old = byKey.put(key, route);
        if (old != null) unindex(key, old);
        byGroup.computeIfAbsent(route.group(), g -> new HashSet<>()).add(key);
    }

    void remove(String key) {
        Routes.Route old = byKey.remove(key);
        if (old != null) unindex(key, old);
    }

    /** Every cached id of {@code group} now routes as {@code to}. */
    void moveGroup(long group, Routes.Route to) {
        Set<String> keys = byGroup.remove(group);
        if (keys == null) return;
        for (String k : keys) byKey.replace(k, to);
        byGroup.computeIfAbsent(to.group(), g -> new HashSet<>()).addAll(keys);
    }

    int size() {
        return byKey.size();
    }

    private void unindex(String key, Routes.Route route) {
        Set<String> keys = byGroup.get(route.group());
        if (keys != null && keys.remove(key) && keys.isEmpty()) byGroup.remove(route.group());
    }
}
