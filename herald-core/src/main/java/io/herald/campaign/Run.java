package io.herald.campaign;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** One person's run through one campaign version, as a batch changes it; written back when the batch flushes. */
final class Run {
    static final String ACTIVE = "active";
    static final String HELD = "held";
    static final String COMPLETED = "completed";
    static final String EXITED = "exited";

    final String id;
    final String workspaceId;
    final String campaignId;
    final int version;
    String personId;
    String status;
    String step;
    /** What the run waits for at its step: {kind: delay|event|condition, timerId?, timeoutTimer?, matched?}; null. */
    ObjectNode waiting;
    /** The trigger's event and data, {event, data}: set at entry, never changed; parsed from the store on first use. */
    private ObjectNode journey;
    private String storedJourney;
    Integer variant;
    boolean holdout;
    final long enteredAt;
    Long finishedAt;
    String exitReason;
    Long goalDeadline;
    Long convertedAt;
    Long lastMessageAt;
    int pathLength;

    boolean isNew;
    boolean dirty;
    /** Path entries not yet written: {step, outcome, detail, at}. */
    final List<Object[]> path = new ArrayList<>();

    Run(String id, String workspaceId, String campaignId, int version, String personId, String status, String step,
        ObjectNode waiting, ObjectNode journey, Integer variant, boolean holdout, long enteredAt, Long finishedAt,
        String exitReason, Long goalDeadline, Long convertedAt, Long lastMessageAt, int pathLength) {
        this.id = id;
        this.workspaceId = workspaceId;
        this.campaignId = campaignId;
        this.version = version;
        this.personId = personId;
        this.status = status;
        this.step = step;
        this.waiting = waiting;
        this.journey = journey;
        this.variant = variant;
        this.holdout = holdout;
        this.enteredAt = enteredAt;
        this.finishedAt = finishedAt;
        this.exitReason = exitReason;
        this.goalDeadline = goalDeadline;
        this.convertedAt = convertedAt;
        this.lastMessageAt = lastMessageAt;
        this.pathLength = pathLength;
    }

    /** A run read from the store: its journey JSON is parsed only if a step needs it (most wake-ups do not). */
    Run withStoredJourney(String json) {
        this.storedJourney = json;
        return this;
    }

    ObjectNode journey() {
        if (journey == null) journey = CampaignBatch.object(storedJourney);
        return journey;
    }

    boolean open() {
        return ACTIVE.equals(status) || HELD.equals(status);
    }

    /** Records what happened at a step (the run's path, shown by the runs API). */
    void note(long at, String step, String outcome, String detail) {
        path.add(new Object[] {step, outcome, detail, at});
        dirty = true;
    }

    void finish(long at, String status, String reason) {
        this.status = status;
        this.exitReason = reason;
        this.finishedAt = at;
        this.waiting = null;
        dirty = true;
    }
}
