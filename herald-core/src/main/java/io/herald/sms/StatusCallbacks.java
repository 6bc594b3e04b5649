package io.herald.sms;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.delivery.DeliveryProgress;
import io.herald.event.EventCodec;
import java.util.Map;
import java.util.Optional;

/**
 * Delivery reports a Messages-API provider posts to the status callback URL of a message: {@code MessageStatus}
 * {@code delivered} moves the delivery to delivered, {@code undelivered} and {@code failed} to failed (reason
 * {@code provider_error_<ErrorCode>}), WhatsApp's {@code read} to opened; the interim statuses (queued, sending,
 * sent, accepted) change nothing, as the dispatcher recorded "sent" already.
 */
public final class StatusCallbacks {
    /** What a callback did. */
    public enum Result { UNKNOWN_TOKEN, IGNORED, RECORDED }

    private final StatusTokens tokens;
    private final DeliveryProgress progress;

    public StatusCallbacks(StatusTokens tokens, DeliveryProgress progress) {
        this.tokens = tokens;
        this.progress = progress;
    }

    public Result handle(String token, Map<String, String> form) {
        Optional<StatusTokens.Claim> claim = tokens.verify(token);
        if (claim.isEmpty()) return Result.UNKNOWN_TOKEN;
        Optional<DeliveryProgress.Row> row = progress.find(claim.get().workspaceId(), claim.get().deliveryId());
        if (row.isEmpty() || !(row.get().channel().equals("sms") || row.get().channel().equals("whatsapp"))) {
            return Result.UNKNOWN_TOKEN; // signed by us, but the delivery is gone (erased person)
        }
        String status = form.getOrDefault("MessageStatus", form.getOrDefault("SmsStatus", ""));
        String errorCode = form.get("ErrorCode");
        String to;
        String reason = null;
        switch (status) {
            case "delivered" -> to = "delivered";
            case "undelivered", "failed" -> {
                to = "failed";
                reason = "provider_error_" + (errorCode == null || errorCode.isBlank() ? "unknown" : errorCode.strip());
            }
            case "read" -> to = "opened";
            default -> {
                return Result.IGNORED;
            }
        }
        ObjectNode extra = null;
        if (errorCode != null && !errorCode.isBlank()) {
            extra = EventCodec.mapper().createObjectNode();
            extra.put("errorCode", errorCode.strip());
        }
        progress.report(claim.get().workspaceId(), claim.get().deliveryId(), to, reason, extra);
        return Result.RECORDED;
    }
}
