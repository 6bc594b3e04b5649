package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.segment.Condition;
import io.herald.segment.ConditionParser;
import io.herald.segment.EventMatcher;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parsing of one step of a journey, by type, with errors naming {@code steps.<id>.<field>}. */
final class Steps {
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

    private Steps() {
    }

    static Journey.Step parse(JsonNode n, String f) {
        if (n == null || !n.isObject()) throw ClientError.invalid(f, f + " must be a step object with a type");
        String type = JourneyParser.text(n, f, "type", 20, true);
        Condition when = n.has("when") ? ConditionParser.parse(n.get("when"), f + ".when") : null;
        return switch (type) {
            case "message" -> {
                JourneyParser.only(n, f, Set.of("type", "when", "channel", "message", "next"));
                String channel = JourneyParser.text(n, f, "channel", 20, true);
                if (!JourneyParser.CHANNELS.contains(channel)) {
                    throw ClientError.invalid(f + ".channel", f + ".channel must be one of email, in_app, push, sms, whatsapp");
                }
                yield new Journey.Step.Message(when, channel, JourneyParser.object(n, f, "message"), next(n, f, "next"));
            }
            case "delay" -> delay(n, f, when);
            case "wait_until" -> waitUntil(n, f, when);
            case "branch" -> {
                JourneyParser.only(n, f, Set.of("type", "when", "condition", "yes", "no"));
                if (!n.has("condition")) throw ClientError.missing(f + ".condition");
                yield new Journey.Step.Branch(when, ConditionParser.parse(n.get("condition"), f + ".condition"),
                        next(n, f, "yes"), next(n, f, "no"));
            }
            case "split" -> split(n, f, when);
            case "update" -> {
                JourneyParser.only(n, f, Set.of("type", "when", "set", "next"));
                ObjectNode set = JourneyParser.object(n, f, "set");
                if (set.isEmpty() || set.size() > 50) throw ClientError.invalid(f + ".set", f + ".set must set 1 to 50 attributes");
                Map<String, JsonNode> values = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = set.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getKey().isBlank() || e.getKey().length() > 200) {
                        throw ClientError.invalid(f + ".set", "attribute names are 1 to 200 characters");
                    }
                    if (e.getValue().isTextual() && e.getValue().textValue().contains("{{")) {
                        Templates.check(e.getValue().textValue(), f + ".set." + e.getKey());
                    }
                    values.put(e.getKey(), e.getValue());
                }
                yield new Journey.Step.Update(when, values, next(n, f, "next"));
            }
            case "webhook" -> webhook(n, f, when);
            case "exit" -> {
                // Skipping an exit would leave the run nowhere to go.
                if (n.has("when")) throw ClientError.invalid(f + ".when", f + ".when: an exit step cannot be skipped");
                JourneyParser.only(n, f, Set.of("type"));
                yield new Journey.Step.Exit(null);
            }
            default -> throw ClientError.invalid(f + ".type", f + ".type must be one of message, delay, wait_until, "
                    + "branch, split, update, webhook, exit");
        };
    }

    private static Journey.Step delay(JsonNode n, String f, Condition when) {
        JourneyParser.only(n, f, Set.of("type", "when", "duration", "until", "timezone", "bestTime", "next"));
        int forms = (n.has("duration") ? 1 : 0) + (n.has("until") ? 1 : 0) + (n.has("bestTime") ? 1 : 0);
        if (forms != 1) throw ClientError.invalid(f, f + " must have exactly one of duration, until, bestTime");
        String next = next(n, f, "next");
        if (n.has("duration")) {
            return new Journey.Step.Delay(when, JourneyParser.duration(n.get("duration"), f + ".duration", false), null,
                    null, next);
        }
        if (n.has("until")) {
            LocalTime until = JourneyParser.timeOfDay(n.get("until"), f + ".until");
            return new Journey.Step.Delay(when, null, until, JourneyParser.zone(n.get("timezone"), f + ".timezone"), next);
        }
        // bestTime: within the window, at the hour of day the person is usually active (see Runner)
        Duration window = JourneyParser.duration(n.get("bestTime"), f + ".bestTime", false);
        if (window.compareTo(Duration.ofDays(7)) > 0) throw ClientError.invalid(f + ".bestTime", f + ".bestTime must be at most P7D");
        return new Journey.Step.Delay(when, window, null, "best", next);
    }

    private static Journey.Step waitUntil(JsonNode n, String f, Condition when) {
        JourneyParser.only(n, f, Set.of("type", "when", "event", "where", "condition", "timeout", "next", "onTimeout"));
        if (n.has("event") == n.has("condition")) throw ClientError.invalid(f, f + " must wait for an event or a condition");
        EventMatcher event = n.has("event") ? EventMatcher.parse(n, f) : null;
        if (n.has("where") && event == null) throw ClientError.invalid(f + ".where", f + ".where filters an event");
        Condition condition = n.has("condition") ? ConditionParser.parse(n.get("condition"), f + ".condition") : null;
        Duration timeout = n.has("timeout") ? JourneyParser.duration(n.get("timeout"), f + ".timeout", false) : null;
        String onTimeout = null;
        if (timeout != null) onTimeout = next(n, f, "onTimeout");
        else if (n.has("onTimeout")) throw ClientError.invalid(f + ".onTimeout", f + ".onTimeout needs a timeout");
        return new Journey.Step.WaitUntil(when, event, condition, timeout, next(n, f, "next"), onTimeout);
    }

    private static Journey.Step split(JsonNode n, String f, Condition when) {
        JourneyParser.only(n, f, Set.of("type", "when", "paths", "holdout"));
        JsonNode p = n.get("paths");
        if (p == null) throw ClientError.missing(f + ".paths");
        if (!p.isArray() || p.isEmpty() || p.size() > 10) throw ClientError.invalid(f + ".paths", f + ".paths must list 1 to 10 paths");
        int holdout = 0;
        if (n.has("holdout")) {
            JsonNode h = n.get("holdout");
            if (!JourneyParser.wholeNumber(h) || h.intValue() < 0 || h.intValue() > 99) {
                throw ClientError.invalid(f + ".holdout", f + ".holdout must be a whole percentage from 0 to 99");
            }
            holdout = h.intValue();
        }
        List<Journey.Step.Path> paths = new ArrayList<>();
        int sum = holdout;
        for (int i = 0; i < p.size(); i++) {
            JsonNode path = p.get(i);
            String pf = f + ".paths[" + i + "]";
            if (!path.isObject()) throw ClientError.invalid(pf, pf + " must be an object {weight, next}");
            JourneyParser.only(path, pf, Set.of("weight", "next"));
            JsonNode w = path.get("weight");
            if (w == null) throw ClientError.missing(pf + ".weight");
            if (!JourneyParser.wholeNumber(w) || w.intValue() < 1 || w.intValue() > 100) {
                throw ClientError.invalid(pf + ".weight", pf + ".weight must be a whole percentage from 1 to 100");
            }
            sum += w.intValue();
            paths.add(new Journey.Step.Path(w.intValue(), next(path, pf, "next")));
        }
        if (sum != 100) {
            throw ClientError.invalid(f + ".paths", f + ": path weights and holdout must add up to 100, they add up to " + sum);
        }
        return new Journey.Step.Split(when, paths, holdout);
    }

    private static Journey.Step webhook(JsonNode n, String f, Condition when) {
        JourneyParser.only(n, f, Set.of("type", "when", "method", "url", "headers", "body", "next"));
        String method = n.has("method") ? JourneyParser.text(n, f, "method", 10, true) : "POST";
        if (!METHODS.contains(method)) throw ClientError.invalid(f + ".method", f + ".method must be GET, POST, PUT, PATCH or DELETE");
        String url = JourneyParser.text(n, f, "url", 2000, true);
        if (!url.contains("{{")) {
            try {
                URI u = new URI(url);
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    throw new URISyntaxException(url, "not http(s)");
                }
            } catch (URISyntaxException e) {
                throw ClientError.invalid(f + ".url", f + ".url must be an http or https URL");
            }
        }
        if (n.has("headers") && !n.get("headers").isObject()) throw ClientError.invalid(f + ".headers", f + ".headers must be an object");
        ObjectNode request = io.herald.event.EventCodec.mapper().createObjectNode();
        request.put("method", method);
        request.put("url", url);
        if (n.has("headers")) request.set("headers", n.get("headers"));
        if (n.has("body")) request.set("body", n.get("body"));
        return new Journey.Step.Webhook(when, request, next(n, f, "next"));
    }

    private static String next(JsonNode n, String f, String key) {
        return JourneyParser.text(n, f, key, 64, true);
    }

    /** The field names of a step's {@link Journey.Step#nexts()}, in the same order, for error paths. */
    static List<String> nextFields(Journey.Step s) {
        return switch (s) {
            case Journey.Step.Branch b -> List.of("yes", "no");
            case Journey.Step.WaitUntil w -> w.onTimeout() == null ? List.of("next") : List.of("next", "onTimeout");
            case Journey.Step.Split sp -> {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < sp.paths().size(); i++) out.add("paths[" + i + "].next");
                yield out;
            }
            case Journey.Step.Exit x -> List.of();
            default -> List.of("next");
        };
    }

}
