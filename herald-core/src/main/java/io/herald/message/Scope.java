package io.herald.message;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A read-only view of one part of the render context ({@code person}, {@code event.items[0]}…) as Liquid sees it:
 * JSON values turn into plain Java values as they are read, and a name that is not there (or is null) is noted as
 * undefined with its full path ({@code person.first_name}). Views are made as Liquid walks into them, so a render
 * copies nothing it does not read.
 */
final class Scope extends AbstractMap<String, Object> {
    private final Object data; // Map<String, ?> or an object JsonNode
    private final Scope parent;
    private final String name;
    private final RenderState state;

    Scope(Object data, Scope parent, String name, RenderState state) {
        this.data = data;
        this.parent = parent;
        this.name = name;
        this.state = state;
    }

    static Scope root(String name, Map<String, Object> data, RenderState state) {
        return new Scope(data == null ? Map.of() : data, null, name, state);
    }

    private String path() {
        return parent == null ? name : parent.path() + (name.startsWith("[") ? name : "." + name);
    }

    private Object raw(Object key) {
        if (data instanceof Map<?, ?> m) return m.get(key);
        JsonNode v = ((JsonNode) data).get(String.valueOf(key));
        return v == null || v.isNull() || v.isMissingNode() ? null : v;
    }

    @Override
    public boolean containsKey(Object key) {
        return raw(key) != null;
    }

    /** Liquid reads {@code person.first_name} with get; a miss is where an undefined variable is noticed. */
    @Override
    public Object get(Object key) {
        Object v = raw(key);
        if (v == null) {
            state.missing(path() + "." + key);
            return null;
        }
        return value(v, this, String.valueOf(key), state);
    }

    @Override
    public int size() {
        return data instanceof Map<?, ?> m ? m.size() : ((JsonNode) data).size();
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (data instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                out.put(k, value(e.getValue(), this, k, state));
            }
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = ((JsonNode) data).fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), value(e.getValue(), this, e.getKey(), state));
            }
        }
        return out.entrySet();
    }

    /** A value as Liquid should see it: text, a number, a boolean, a view of an object, a list. */
    static Object value(Object v, Scope parent, String name, RenderState state) {
        if (v == null) return null;
        if (v instanceof String || v instanceof Number || v instanceof Boolean) return v;
        if (v instanceof JsonNode j) {
            if (j.isTextual()) return j.textValue();
            if (j.isIntegralNumber()) return j.canConvertToLong() ? (Object) j.longValue() : j.bigIntegerValue();
            if (j.isNumber()) return j.decimalValue();
            if (j.isBoolean()) return j.booleanValue();
            if (j.isObject()) return new Scope(j, parent, name, state);
            if (j.isArray()) return new Items(j, parent, name, state);
            return null;
        }
        if (v instanceof Map<?, ?>) return new Scope(v, parent, name, state);
        if (v instanceof List<?> l) return new Items(l, parent, name, state);
        return v;
    }

    /** A list (or JSON array) whose elements are converted as they are read. */
    private static final class Items extends AbstractList<Object> {
        private final Object data;
        private final Scope parent;
        private final String name;
        private final RenderState state;

        Items(Object data, Scope parent, String name, RenderState state) {
            this.data = data;
            this.parent = parent;
            this.name = name;
            this.state = state;
        }

        @Override
        public Object get(int i) {
            Object v = data instanceof List<?> l ? l.get(i) : ((JsonNode) data).get(i);
            String at = name + "[" + i + "]";
            return value(v, parent, at, state);
        }

        @Override
        public int size() {
            return data instanceof List<?> l ? l.size() : ((JsonNode) data).size();
        }
    }
}
