package io.herald.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.person.Device;
import java.util.concurrent.CompletableFuture;

/**
 * One push service (APNs, FCM, Web Push): sends a rendered push message to one device. The push channel fans a
 * delivery out to the person's devices, picks the provider by {@link Device#provider()}, and turns the results into
 * the delivery's outcome (disabling devices whose token is gone).
 */
public interface PushProvider {
    /** The device provider this serves: {@code apns}, {@code fcm} or {@code webpush}. */
    String name();

    /**
     * Sends {@code content} (the rendered push message: title, body, imageUrl, deepLink, buttons, sound, badge, data,
     * collapseKey, ttl, priority) to one device, with the workspace's credentials for this provider.
     * A future completing exceptionally counts as {@link PushResult.Unknown}.
     */
    CompletableFuture<PushResult> send(PushTarget target, ObjectNode content);

    /** Whom to send to, on whose behalf: the delivery's ids, the device, and the provider's decrypted credentials. */
    record PushTarget(String workspaceId, String deliveryId, String idempotencyKey, Device device, JsonNode credentials) {
    }
}
