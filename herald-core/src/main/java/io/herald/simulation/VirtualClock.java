package io.herald.simulation;

import java.time.Instant;
import java.time.InstantSource;

/** The simulation's time: it stands still until the simulator moves it, and only forward. */
final class VirtualClock implements InstantSource {
    private volatile long now;

    VirtualClock(long start) {
        this.now = start;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(now);
    }

    @Override
    public long millis() {
        return now;
    }

    /** Moves to {@code at}; a time already past leaves the clock where it is. */
    void moveTo(long at) {
        if (at > now) now = at;
    }
}
