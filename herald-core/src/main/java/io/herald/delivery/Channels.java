package io.herald.delivery;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The channels Herald can deliver through, by name. A delivery on a channel no provider is configured for fails with
 * reason {@code no_provider}.
 */
public final class Channels {
    /** Every channel a message can be on (API.md "Message"). */
    public static final List<String> NAMES = List.of("push", "in_app", "email", "sms", "whatsapp", "webhook");
    /** The reason a delivery fails with when its channel has no provider. */
    public static final String NO_PROVIDER = "no_provider";

    private final Map<String, Channel> byName = new LinkedHashMap<>();

    public Channels(Collection<? extends Channel> channels) {
        for (Channel c : channels) {
            if (!NAMES.contains(c.name())) {
                throw new IllegalArgumentException("unknown channel " + c.name() + "; channels are " + String.join(", ", NAMES));
            }
            if (byName.putIfAbsent(c.name(), c) != null) {
                throw new IllegalArgumentException("two providers for channel " + c.name());
            }
        }
    }

    public static Channels of(Channel... channels) {
        return new Channels(List.of(channels));
    }

    public Optional<Channel> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }
}
