package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A journey's or campaign's context reaches templates as the same Java values Jackson's conversion gave them. */
class DispatcherPlainValuesTest {
    @ParameterizedTest
    @ValueSource(strings = {
            "{}",
            "{\"a\":1,\"b\":2147483648,\"c\":92233720368547758070,\"d\":1.5,\"e\":1e300,\"f\":-0.0,\"g\":0}",
            "{\"s\":\"text\",\"t\":true,\"u\":false,\"n\":null,\"empty\":\"\"}",
            "{\"list\":[1,\"two\",[3,[4]],{\"five\":5},null,true],\"nested\":{\"deeper\":{\"deepest\":[]}}}",
            "{\"order\":{\"z\":1,\"a\":2,\"m\":3},\"unicode\":\"caf\\u00e9 \\ud83d\\ude00\"}"})
    void plainValuesAreTheValuesJacksonConvertsTheTreeTo(String json) throws Exception {
        JsonNode tree = EventCodec.mapper().readTree(json);
        Object jackson = EventCodec.mapper().convertValue(tree, java.util.Map.class);
        Object plain = RenderInputs.plain(tree);
        assertThat(plain).isEqualTo(jackson);
        assertThat(types(plain)).isEqualTo(types(jackson));
    }

    /** The values' classes, in the same shape: equal numbers of different types must not pass. */
    private static Object types(Object v) {
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<Object, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, types(x)));
            return java.util.List.of(v.getClass().getName(), out.toString());
        }
        if (v instanceof java.util.List<?> l) {
            return java.util.List.of(v.getClass().getName(), l.stream().map(DispatcherPlainValuesTest::types).toList().toString());
        }
        return v == null ? "null" : v.getClass().getName();
    }
}
