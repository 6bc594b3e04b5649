package io.herald.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Command-line options of the form {@code --name value} or {@code --flag}, checked against the names allowed. */
final class Options {
    private final Map<String, String> values = new HashMap<>();

    private Options() {
    }

    /**
     * @param flags names that take no value
     * @param named names that take a value
     */
    static Options parse(String[] args, int from, Set<String> flags, Set<String> named) {
        Options o = new Options();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("expected an option like --seconds, got '" + a + "'");
            String name = a.substring(2);
            if (flags.contains(name)) {
                o.values.put(name, "true");
            } else if (named.contains(name)) {
                if (i + 1 >= args.length) throw new IllegalArgumentException("--" + name + " needs a value");
                o.values.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option --" + name + "; known: "
                        + String.join(", ", named.stream().sorted().map(n -> "--" + n).toList()) + ", "
                        + String.join(", ", flags.stream().sorted().map(n -> "--" + n).toList()));
            }
        }
        return o;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    long number(String name, long fallback, long min) {
        String v = values.get(name);
        if (v == null) return fallback;
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + v + "'");
        }
        if (n < min) throw new IllegalArgumentException("--" + name + " must be at least " + min + ", was " + n);
        return n;
    }

    int integer(String name, int fallback, int min) {
        long n = number(name, fallback, min);
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("--" + name + " is too large: " + n);
        return (int) n;
    }
}
