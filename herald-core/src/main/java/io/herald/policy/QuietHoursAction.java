package io.herald.policy;

/** What happens to a delivery that falls in the person's quiet hours. */
public enum QuietHoursAction {
    /** Wait: send at the end of the quiet hours. */
    DEFER,
    /** Drop it, recorded as suppressed with reason {@code quiet_hours}. */
    SKIP;

    /** {@code defer} or {@code skip} (as the API spells them); null for anything else. */
    public static QuietHoursAction parse(String s) {
        if (s == null) return null;
        return switch (s) {
            case "defer" -> DEFER;
            case "skip" -> SKIP;
            default -> null;
        };
    }

    /** The API's spelling. */
    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
