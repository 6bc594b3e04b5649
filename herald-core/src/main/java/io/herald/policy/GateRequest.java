package io.herald.policy;

/**
 * One delivery as the policy gate weighs it. {@code topic} may be null; {@code transactional} messages bypass
 * subscriptions; {@code quietHours}/{@code frequencyCap}/{@code priority} are the campaign's policies (test sends
 * and transactional messages pass false/false); {@code expiresAt} (epoch ms) may be null; {@code now} is the
 * dispatcher's clock.
 */
public record GateRequest(String workspaceId, String personId, String deliveryId, String channel, String topic,
                          boolean transactional, String campaignId, boolean quietHours, boolean frequencyCap,
                          int priority, Long expiresAt, long now) {
}
