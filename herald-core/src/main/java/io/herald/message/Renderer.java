package io.herald.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Renders a message of a channel for one person. (Placeholder: returns the message as written; issue 5's
 * rendering replaces the body, keeping this signature.)
 */
public final class Renderer {
    public Renderer() {
    }

    /**
     * @param channel push, in_app, email, sms, whatsapp or webhook
     * @param message the message as saved (validated when it was saved)
     */
    public Rendered render(String channel, JsonNode message, RenderContext context) throws RenderFailure {
        return new Rendered((ObjectNode) message.deepCopy(), List.of(), null);
    }
}
