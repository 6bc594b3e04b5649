package io.herald.policy;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One delivery as the policy gate weighs it. {@code topic} may be null; {@code transactional} messages bypass
 * subscriptions and frequency caps; {@code quietHours}/{@code frequencyCap}/{@code priority} are the campaign's
 * policies (test sends and transactional messages pass false/false); {@code expiresAt} (epoch ms) may be null;
 * {@code now} is the dispatcher's clock. {@code quietHoursAction} is the campaign's own choice of what quiet hours
 * do to it ({@code policies.quietHours: "defer"|"skip"}), null to follow the workspace's action.
 */
public record GateRequest(String workspaceId, String personId, String deliveryId, String channel, String topic,
                          boolean transactional, String campaignId, boolean quietHours, boolean frequencyCap,
                          int priority, Long expiresAt, long now, QuietHoursAction quietHoursAction) {

    /** A request that follows the workspace's quiet-hours action (the form the dispatcher has always built). */
    public GateRequest(String workspaceId, String personId, String deliveryId, String channel, String topic,
                       boolean transactional, String campaignId, boolean quietHours, boolean frequencyCap,
                       int priority, Long expiresAt, long now) {
        this(workspaceId, personId, deliveryId, channel, topic, transactional, campaignId, quietHours, frequencyCap,
                priority, expiresAt, now, null);
    }

    /** The same request with the campaign's quiet-hours action. */
    public GateRequest withQuietHoursAction(QuietHoursAction action) {
        return new GateRequest(workspaceId, personId, deliveryId, channel, topic, transactional, campaignId, quietHours,
                frequencyCap, priority, expiresAt, now, action);
    }

    /**
     * The campaign's quiet-hours action as a delivery's {@code context} carries it
     * ({@code policies.quietHoursAction}), or null when the campaign left it to the workspace.
     */
    public static QuietHoursAction quietHoursActionOf(JsonNode deliveryContext) {
        if (deliveryContext == null) return null;
        return QuietHoursAction.parse(deliveryContext.path("policies").path("quietHoursAction").asText(null));
    }
}
