package io.herald.delivery;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A way of reaching people (in_app, push, email, sms, whatsapp, webhook): what a provider implements. The dispatcher
 * hands it one rendered delivery at a time and records the {@link Outcome}.
 *
 * <p>Asynchronous so that a slow provider (a webhook that takes seconds) holds no thread while many deliveries are in
 * flight. A future that completes exceptionally is recorded as {@link Outcome.Unknown}: the channel could not say
 * whether the provider got it, so it is not sent again; a channel that knows nothing left (connection refused) answers
 * {@link Outcome.Retry} instead.
 */
public interface Channel {
    /** The channel name deliveries carry, e.g. {@code webhook}. */
    String name();

    CompletableFuture<Outcome> send(Outbound delivery);

    /**
     * The channel as it sends one dispatcher round: the dispatcher calls it with the round's deliveries for this
     * channel, then {@link #send} on what it returns for each of them. A channel that reads something per person
     * (the push channel: the person's devices) reads it here once for the whole round, instead of one statement per
     * delivery. By default the channel itself.
     */
    default Channel forRound(List<Outbound> round) {
        return this;
    }
}
