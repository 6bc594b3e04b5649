package io.herald.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Herald's {@code /metrics} the way an operator's Prometheus would: log lag, processed events, and the
 * percentiles of timers (processing latency, segment freshness).
 */
final class HeraldMetrics {
    private static final Pattern LAG = Pattern.compile("(?m)^herald_log_lag(?:\\{[^}]*})? ([0-9.eE+-]+)$");
    private static final Pattern PROCESSED = Pattern.compile(
            "(?m)^herald_processor_events_total\\{[^}]*result=\"processed\"[^}]*} ([0-9.eE+-]+)$");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI uri;

    /** One scrape: events in the log not yet processed, and events processed since start. */
    record Sample(long nanos, long lag, long processed) {
    }

    HeraldMetrics(int port) {
        this.uri = URI.create("http://127.0.0.1:" + port + "/metrics");
    }

    Sample sample() throws IOException, InterruptedException {
        String text = scrape();
        return new Sample(System.nanoTime(), (long) value(LAG, text), (long) value(PROCESSED, text));
    }

    /**
     * A timer's median and 99th percentile as published (Micrometer computes them over a sliding window of two
     * minutes) and how many it timed since start.
     */
    record Timing(double p50Millis, double p99Millis, long count) {
        String summary() {
            return String.format("%.1f / %.1f ms", p50Millis, p99Millis);
        }
    }

    /** {@code prefix}: the timer's name in Prometheus form, e.g. {@code herald_segment_freshness_seconds}. */
    Timing timing(String prefix) throws IOException, InterruptedException {
        String text = scrape();
        String name = Pattern.quote(prefix);
        return new Timing(1000 * value(Pattern.compile("(?m)^" + name + "\\{quantile=\"0\\.5\"} ([0-9.eE+-]+)$"), text),
                1000 * value(Pattern.compile("(?m)^" + name + "\\{quantile=\"0\\.99\"} ([0-9.eE+-]+)$"), text),
                (long) value(Pattern.compile("(?m)^" + name + "_count ([0-9.eE+-]+)$"), text));
    }

    private String scrape() throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Polls until the log lag is 0 and returns that sample's time.
     *
     * @throws IllegalStateException when it is not reached within the timeout
     */
    Sample awaitDrained(Duration timeout, Duration poll) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Sample s = sample();
            if (s.lag() == 0) return s;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the log lag is still " + s.lag() + " after " + timeout);
            }
            Thread.sleep(poll.toMillis());
        }
    }

    private static double value(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) throw new IllegalStateException("metric " + p.pattern() + " missing from /metrics");
        return Double.parseDouble(m.group(1));
    }
}
