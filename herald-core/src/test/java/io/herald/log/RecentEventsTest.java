package io.herald.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.event.Event;
import io.herald.event.Payload;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentEventsTest {
    private static Event at(int partition, long position) {
        return new Event("ws", partition, position, "m" + position, "u", null, 0, 0, null, new Payload.Alias("x"));
    }

    @Test
    void answersOnlyReadsThatStartWhereMemoryIsComplete() {
        RecentEvents recent = new RecentEvents(1, 3, 10);
        assertThat(recent.after(0, 9, 10)).as("position 10 was committed before memory started").isNull();
        recent.add(List.of(at(0, 11), at(0, 12)));
        assertThat(recent.after(0, 10, 10)).extracting(Event::position).containsExactly(11L, 12L);
        assertThat(recent.after(0, 11, 1)).extracting(Event::position).containsExactly(12L);
    }

    @Test
    void aFullTailDropsItsOldestAndStopsAnsweringForIt() {
        RecentEvents recent = new RecentEvents(1, 2, 0);
        recent.add(List.of(at(0, 1), at(0, 2), at(0, 3)));
        assertThat(recent.after(0, 0, 10)).as("event 1 was dropped").isNull();
        assertThat(recent.after(0, 1, 10)).extracting(Event::position).containsExactly(2L, 3L);
    }

    @Test
    void keepsEachPartitionApart() {
        RecentEvents recent = new RecentEvents(2, 10, 0);
        recent.add(List.of(at(0, 1), at(1, 2), at(0, 3)));
        assertThat(recent.after(0, 0, 10)).extracting(Event::position).containsExactly(1L, 3L);
        assertThat(recent.after(1, 0, 10)).extracting(Event::position).containsExactly(2L);
        assertThat(recent.after(1, 2, 10)).isEmpty();
    }

    @Test
    void countsTheLagItHoldsAndDeclinesWhatItDoesNot() {
        RecentEvents recent = new RecentEvents(1, 10, 5);
        recent.add(List.of(at(0, 6), at(0, 7), at(0, 9)));
        assertThat(recent.countAfter(0, 5)).isEqualTo(3);
        assertThat(recent.countAfter(0, 7)).isEqualTo(1);
        assertThat(recent.countAfter(0, 9)).isZero();
        assertThat(recent.countAfter(0, 4)).as("before memory started").isEqualTo(-1);
    }
}
