package io.herald.person;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProfileTest {
    @TempDir
    Path dir;

    private static long millis(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    private static void track(Pipeline p, String at) {
        p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"clicked\",\"timestamp\":\"" + at + "\"}");
        p.process();
    }

    private static Person person(Pipeline p) {
        return p.people().byUserId(Pipeline.WORKSPACE, "u1").orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void lastSeenIsStoredToTheMinuteAndExactlyWithAnyOtherChange(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            track(p, "2026-11-22T10:00:00Z");
            assertThat(person(p).lastSeenAt()).isEqualTo(millis("2026-11-22T10:00:00Z"));

            track(p, "2026-11-22T10:00:40Z");
            assertThat(person(p).lastSeenAt()).as("less than a minute later: not rewritten for that alone")
                    .isEqualTo(millis("2026-11-22T10:00:00Z"));

            track(p, "2026-11-22T10:01:05Z");
            assertThat(person(p).lastSeenAt()).isEqualTo(millis("2026-11-22T10:01:05Z"));

            p.send(CallKind.IDENTIFY, """
                    {"userId":"u1","traits":{"plan":"pro"},"timestamp":"2026-11-22T10:01:07Z"}""");
            p.process();
            assertThat(person(p).lastSeenAt()).as("the row is written anyway: exact").isEqualTo(
                    millis("2026-11-22T10:01:07Z"));
            assertThat(person(p).attributes().path("plan").asText()).isEqualTo("pro");

            track(p, "2026-11-22T10:00:30Z");
            assertThat(person(p).lastSeenAt()).as("an older event does not move it back")
                    .isEqualTo(millis("2026-11-22T10:01:07Z"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void timezoneAndLocaleFollowTheNewestValidContext(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            p.send(CallKind.TRACK, """
                    {"userId":"u1","event":"a","context":{"timezone":"Europe/Berlin","locale":"de-DE"}}""");
            p.send(CallKind.TRACK, """
                    {"userId":"u1","event":"b","context":{"timezone":"Not/AZone","locale":"not a locale!"}}""");
            p.process();
            assertThat(person(p).timezone()).isEqualTo("Europe/Berlin");
            assertThat(person(p).locale()).isEqualTo("de-DE");

            p.send(CallKind.TRACK, """
                    {"userId":"u1","event":"c","context":{"timezone":"Asia/Tokyo","locale":"ja_JP"}}""");
            p.process();
            assertThat(person(p).timezone()).isEqualTo("Asia/Tokyo");
            assertThat(person(p).locale()).isEqualTo("ja_JP");
        }
    }
}
