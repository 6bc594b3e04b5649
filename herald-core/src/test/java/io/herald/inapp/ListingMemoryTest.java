package io.herald.inapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the list memory gives out and what it forgets; that it stays true to the store is InAppApiTest's part. */
class ListingMemoryTest {
    private static final ListingMemory.Key ADA = new ListingMemory.Key("ws", "user", "ada", false);

    private static InApp.Found list(String... messages) {
        return new InApp.Found(true, new InApp.Listing(7, List.of(messages)));
    }

    @Test
    void aListIsGivenOutOnlyForItsPersonAtItsVersionBeforeItsFirstExpiry() {
        ListingMemory memory = new ListingMemory();
        InApp.Found found = list("{\"deliveryId\":\"d1\"}");
        memory.put(ADA, "per_1", 3, 1_000, found);

        assertThat(memory.get(ADA, "per_1", 3, 999)).isSameAs(found);
        assertThat(memory.get(ADA, "per_1", 3, 1_000)).isNull();
        assertThat(memory.get(ADA, "per_1", 4, 999)).isNull();
        assertThat(memory.get(ADA, "per_2", 3, 999)).isNull();
        assertThat(memory.get(new ListingMemory.Key("ws", "user", "ada", true), "per_1", 3, 999)).isNull();
    }

    @Test
    void theLeastRecentlyAskedForListIsForgottenFirstWhenTheTextOutgrowsTheBound() {
        // Room for sixteen lists of one 1,000-character message each (the longest list kept is a sixteenth).
        ListingMemory memory = new ListingMemory(16 * (1_000 + ListingMemory.OVERHEAD));
        String text = "x".repeat(1_000);
        for (int i = 0; i < 16; i++) memory.put(key(i), "per_" + i, 1, Long.MAX_VALUE, list(text));
        assertThat(memory.get(key(0), "per_0", 1, 0)).isNotNull();

        memory.put(key(16), "per_16", 1, Long.MAX_VALUE, list(text));
        assertThat(memory.size()).isEqualTo(16);
        assertThat(memory.get(key(1), "per_1", 1, 0)).isNull();
        assertThat(memory.get(key(0), "per_0", 1, 0)).isNotNull();
        assertThat(memory.get(key(16), "per_16", 1, 0)).isNotNull();
    }

    private static ListingMemory.Key key(int i) {
        return new ListingMemory.Key("ws", "user", "user-" + i, false);
    }

    @Test
    void aListTooLongToKeepIsNotKeptAndTakesItsOlderCopyWithIt() {
        ListingMemory memory = new ListingMemory(16 * 2_000);
        memory.put(ADA, "per_1", 1, Long.MAX_VALUE, list("short"));
        memory.put(ADA, "per_1", 2, Long.MAX_VALUE, list("y".repeat(2_000)));

        assertThat(memory.size()).isZero();
        assertThat(memory.get(ADA, "per_1", 1, 0)).isNull();
    }

    @Test
    void anErasedPersonsListsAreForgottenAndNobodyElses() {
        ListingMemory memory = new ListingMemory();
        memory.put(ADA, "per_1", 1, Long.MAX_VALUE, list("ada's"));
        ListingMemory.Key adaAnonymous = new ListingMemory.Key("ws", "anon", "anon-1", true);
        memory.put(adaAnonymous, "per_1", 1, Long.MAX_VALUE, list());
        memory.put(key(2), "per_2", 1, Long.MAX_VALUE, list("bob's"));

        memory.forget("per_1");
        assertThat(memory.size()).isEqualTo(1);
        assertThat(memory.get(ADA, "per_1", 1, 0)).isNull();
        assertThat(memory.get(key(2), "per_2", 1, 0)).isNotNull();
    }
}
