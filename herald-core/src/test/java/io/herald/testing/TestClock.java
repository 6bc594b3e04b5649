package io.herald.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A clock tests move by hand, so time-based behavior is tested without waiting. */
public final class TestClock implements InstantSource {
    private volatile Instant now;

    public TestClock(Instant start) {
        this.now = start;
    }

    public static TestClock at(String isoInstant) {
        return new TestClock(Instant.parse(isoInstant));
    }

    @Override
    public Instant instant() {
        return now;
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }

    public void set(Instant instant) {
        now = instant;
    }
}
