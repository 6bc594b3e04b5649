package io.herald.delivery;

import java.util.concurrent.CompletableFuture;

/**
 * In-app messages need no provider: "sent" means made available to the person's own client, which fetches (or is
 * streamed) its eligible in-app deliveries from Herald. The delivery id is the provider id.
 */
public final class InAppChannel implements Channel {
    @Override
    public String name() {
        return "in_app";
    }

    @Override
    public CompletableFuture<Outcome> send(Outbound delivery) {
        return CompletableFuture.completedFuture(new Outcome.Sent(delivery.deliveryId()));
    }
}
