package io.herald.message;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A message rendered for one person: its content with every template filled in, the variables the templates
 * used that had no value (rendered empty), and the variant chosen (null when the message has none).
 */
public record Rendered(ObjectNode content, List<String> undefined, Integer variant) {
}
