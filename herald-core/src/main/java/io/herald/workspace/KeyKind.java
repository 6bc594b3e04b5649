package io.herald.workspace;

/** What a key may do: write keys feed the tracking and client APIs; admin keys the admin API. */
public enum KeyKind {
    WRITE("hw_"),
    ADMIN("ha_");

    private final String prefix;

    KeyKind(String prefix) {
        this.prefix = prefix;
    }

    /** Readable prefix of generated keys, so a leaked key's kind is recognisable in logs and scanners. */
    public String prefix() {
        return prefix;
    }

    public static KeyKind parse(String s) {
        return switch (s == null ? "" : s.toLowerCase()) {
            case "write" -> WRITE;
            case "admin" -> ADMIN;
            default -> throw new IllegalArgumentException("key kind must be 'write' or 'admin', was '" + s + "'");
        };
    }
}
