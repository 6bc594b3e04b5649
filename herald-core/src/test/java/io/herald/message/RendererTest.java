package io.herald.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rendering corpus: filters, translations and their fallback, variants, strict mode, sandbox limits. */
class RendererTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Renderer renderer = new Renderer(InstantSource.fixed(Instant.parse("2026-11-22T23:30:00Z")));

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static RenderContext ctx(Map<String, Object> person, Map<String, Object> event, String locale, String tz,
                                     String bucket) {
        return new RenderContext(person, event, Map.of("plan", "pro"), Map.of("id", "c1", "name", "Upgrade"),
                Map.of("id", "d1", "unsubscribeUrl", "https://h.example/u/abc"), locale, tz, bucket);
    }

    private static RenderContext ada() {
        Map<String, Object> person = new LinkedHashMap<>();
        person.put("userId", "u1");
        person.put("first_name", "Ada");
        person.put("projects", 3);
        person.put("credit", 1234567.891);
        person.put("address", Map.of("city", "Lisbon"));
        return ctx(person, Map.of("resource", "contacts", "limit", 1, "at", "2026-11-22T23:30:00Z",
                "items", List.of(Map.of("name", "A"), Map.of("name", "B"))), "en", "Europe/Lisbon", "u1");
    }

    private String push(String title, RenderContext c) throws RenderFailure {
        return renderer.render("push", json("{\"title\":" + JSON.valueToTree(title) + "}"), c).content().get("title").textValue();
    }

    @Test
    void fillsPersonEventJourneyCampaignAndDelivery() throws Exception {
        assertThat(push("Hi {{ person.first_name }}, {{ event.resource }} on {{ journey.plan }} ({{ campaign.name }}) {{ delivery.unsubscribeUrl }}", ada()))
                .isEqualTo("Hi Ada, contacts on pro (Upgrade) https://h.example/u/abc");
        assertThat(push("{% for i in event.items %}{{ i.name }}{% endfor %} in {{ person.address.city }}", ada())).isEqualTo("AB in Lisbon");
    }

    @Test
    void readsJsonValuesAsLiquidValues() throws Exception {
        Map<String, Object> person = new HashMap<>();
        person.put("profile", json("{\"name\":\"Bo\",\"n\":2,\"tags\":[\"a\",\"b\"],\"vip\":true}"));
        RenderContext c = ctx(person, Map.of(), "en", "UTC", "k");
        assertThat(push("{{ person.profile.name }} {{ person.profile.n | plus: 1 }} {{ person.profile.tags | join: '+' }}{% if person.profile.vip %} VIP{% endif %}", c))
                .isEqualTo("Bo 3 a+b VIP");
    }

    @Test
    void datesAreInThePersonsTimezoneAndLanguage() throws Exception {
        // 23:30 UTC on the 22nd is already the 23rd in Tokyo, still the 22nd in Lisbon (UTC+0 in November).
        assertThat(push("{{ event.at | date: '%Y-%m-%d %H:%M' }}", ada())).isEqualTo("2026-11-22 23:30");
        RenderContext tokyo = ctx(Map.of(), Map.of("at", "2026-11-22T23:30:00Z"), "de", "Asia/Tokyo", "k");
        assertThat(push("{{ event.at | date: '%A %-d. %B %Y, %H:%M %Z' }}", tokyo)).isEqualTo("Montag 23. November 2026, 08:30 JST");
        assertThat(push("{{ 'now' | date: '%b %e %I:%M %p' }}", ctx(Map.of(), Map.of(), "en", "America/New_York", "k")))
                .isEqualTo("Nov 22 06:30 PM");
        assertThat(push("{{ 1700000000 | date: '%F %T' }}", ctx(Map.of(), Map.of(), "en", "UTC", "k"))).isEqualTo("2023-11-14 22:13:20");
        assertThat(push("{{ 'not a date' | date: '%F' }}", ada())).isEqualTo("not a date");
    }

    @Test
    void defaultFillsInAndForgivesTheMissingVariable() throws Exception {
        Rendered r = renderer.render("push", json("{\"title\":\"Hi {{ person.nickname | default: 'there' }}\"}"), ada());
        assertThat(r.content().get("title").textValue()).isEqualTo("Hi there");
        assertThat(r.undefined()).isEmpty();
    }

    @Test
    void pluralizeNumbersAndMoney() throws Exception {
        assertThat(push("{{ person.projects }} {{ person.projects | pluralize: 'project', 'projects' }}, {{ event.limit | pluralize: 'seat', 'seats' }}", ada()))
                .isEqualTo("3 projects, seat");
        assertThat(push("{{ person.credit | number }}|{{ person.credit | number: 2 }}|{{ 1234567 | number_with_delimiter }}|{{ 1234567.5 | number_with_delimiter: '.' }}|{{ 3.14159 | number_with_precision: 2 }}", ada()))
                .isEqualTo("1,234,567.891|1,234,567.89|1,234,567|1.234.567.5|3.14");
        assertThat(push("{{ 12.5 | money: 'EUR' }} {{ 1234.5 | money: 'USD' }} {{ 500 | money: 'JPY' }}", ada())).isEqualTo("€12.50 $1,234.50 ¥500");
        RenderContext de = ctx(Map.of(), Map.of(), "de-DE", "Europe/Berlin", "k");
        assertThat(push("{{ 12.5 | money: 'EUR' }} {{ 1234.5 | number: 1 }}", de)).isEqualTo("12,50\u00a0€ 1.234,5");
        assertThat(push("{{ 'x' | money: 'EUR' }}", de)).isEqualTo("x");
    }

    @Test
    void urlEncodes() throws Exception {
        assertThat(push("https://x.example/?q={{ 'Ada Lovelace & co' | url_encode }}", ada()))
                .isEqualTo("https://x.example/?q=Ada+Lovelace+%26+co");
    }

    @Test
    void translationsFollowTheLocaleWithFallback() throws Exception {
        JsonNode m = json("""
                {"title": "Hello", "body": "Body", "translations": {
                  "pt": {"title": "Olá"}, "pt_BR": {"title": "Oi"}, "DE": {"title": "Hallo", "body": "Text"}}}""");
        Map<String, String> want = Map.of("pt-BR", "Oi", "pt-br", "Oi", "pt_BR", "Oi", "pt-PT", "Olá", "pt", "Olá",
                "de-AT", "Hallo", "fr", "Hello", "", "Hello");
        for (Map.Entry<String, String> e : want.entrySet()) {
            Rendered r = renderer.render("push", m, ctx(Map.of(), Map.of(), e.getKey(), "UTC", "k"));
            assertThat(r.content().get("title").textValue()).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(r.content().has("translations")).isFalse();
        }
        Rendered german = renderer.render("push", m, ctx(Map.of(), Map.of(), "de", "UTC", "k"));
        assertThat(german.content().get("body").textValue()).isEqualTo("Text");
        Rendered nullLocale = renderer.render("push", m, ctx(Map.of(), Map.of(), null, null, "k"));
        assertThat(nullLocale.content().get("title").textValue()).isEqualTo("Hello");
    }

    @Test
    void variantsAreChosenByWeightAndTheSameKeyAlwaysGetsTheSameOne() throws Exception {
        JsonNode m = json("""
                {"title": "A", "variants": [{"weight": 20, "title": "B"}, {"weight": 80, "title": "C",
                  "translations": {"de": {"title": "C-de"}}}]}""");
        int[] counts = new int[2];
        for (int i = 0; i < 5000; i++) {
            Rendered r = renderer.render("push", m, ctx(Map.of(), Map.of(), "en", "UTC", "person-" + i));
            counts[r.variant()]++;
            assertThat(r.content().get("title").textValue()).isEqualTo(r.variant() == 0 ? "B" : "C");
            Rendered again = renderer.render("push", m, ctx(Map.of(), Map.of(), "en", "UTC", "person-" + i));
            assertThat(again.variant()).isEqualTo(r.variant());
        }
        assertThat(counts[0]).isBetween(850, 1150);
        Rendered de = null;
        for (int i = 0; de == null || de.variant() != 1; i++) de = renderer.render("push", m, ctx(Map.of(), Map.of(), "de", "UTC", "p" + i));
        assertThat(de.content().get("title").textValue()).isEqualTo("C-de");
        assertThat(renderer.render("push", json("{\"title\":\"x\"}"), ada()).variant()).isNull();
    }

    @Test
    void undefinedVariablesRenderEmptyAndAreReportedByPath() throws Exception {
        Rendered r = renderer.render("push", json("""
                {"title": "Hi {{ person.first_name }}{{ person.last_name }}", "body": "{{ event.missing }} {{ nothing }} {{ person.address.zip }}{{ person.company.name }}"}"""), ada());
        assertThat(r.content().get("title").textValue()).isEqualTo("Hi Ada");
        assertThat(r.content().get("body").textValue()).isEqualTo("  ");
        assertThat(r.undefined()).containsExactly("person.last_name", "event.missing", "nothing", "person.address.zip", "person.company");
    }

    @Test
    void aConditionOnAMissingVariableIsNotAnUndefinedOne() throws Exception {
        Rendered r = renderer.render("push", json("""
                {"title": "{% if person.plan %}{{ person.plan }}{% else %}free{% endif %}{% unless event.x %}!{% endunless %}"}"""), ada());
        assertThat(r.content().get("title").textValue()).isEqualTo("free!");
        assertThat(r.undefined()).isEmpty();
    }

    @Test
    void strictMessageFailsOnAnUndefinedVariable() {
        assertThatThrownBy(() -> renderer.render("push", json("{\"strict\": true, \"title\": \"Hi {{ person.nickname }}\"}"), ada()))
                .isInstanceOf(RenderFailure.class)
                .satisfies(e -> {
                    assertThat(((RenderFailure) e).reason()).isEqualTo("undefined_variable");
                    assertThat(e.getMessage()).contains("person.nickname");
                });
    }

    @Test
    void strictMessageRendersWhenEverythingIsDefined() throws Exception {
        Rendered r = renderer.render("push", json("{\"strict\": true, \"title\": \"Hi {{ person.first_name }} {{ person.x | default: 'y' }}\"}"), ada());
        assertThat(r.content().get("title").textValue()).isEqualTo("Hi Ada y");
    }

    @Test
    void loopsOverTheIterationLimitFail() {
        assertThatThrownBy(() -> renderer.render("push", json(
                "{\"title\": \"{% for i in (1..200) %}{% for j in (1..200) %}x{% endfor %}{% endfor %}\"}"), ada()))
                .isInstanceOf(RenderFailure.class)
                .satisfies(e -> assertThat(((RenderFailure) e).reason()).isEqualTo("render_limit"));
    }

    @Test
    void outputOverTheSizeLimitFails() {
        String grow = "{% assign s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' %}"
                + "{% for i in (1..5000) %}{{ s }}{{ s }}{% endfor %}";
        assertThatThrownBy(() -> renderer.render("push", json("{\"title\": " + JSON.valueToTree(grow) + "}"), ada()))
                .isInstanceOf(RenderFailure.class)
                .satisfies(e -> assertThat(((RenderFailure) e).reason()).isEqualTo("render_limit"));
    }

    @Test
    void aWholeMessageOverTheOutputBudgetFails() {
        StringBuilder m = new StringBuilder("{\"title\":\"t\",\"data\":{");
        String big = "{% for i in (1..3000) %}" + "y".repeat(100) + "{% endfor %}"; // 300,000 characters each
        for (int i = 0; i < 4; i++) m.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"").append(big).append("\"");
        m.append("}}");
        assertThatThrownBy(() -> renderer.render("push", json(m.toString()), ada()))
                .isInstanceOf(RenderFailure.class)
                .satisfies(e -> assertThat(((RenderFailure) e).reason()).isEqualTo("render_limit"));
    }

    @Test
    void aRenderOverItsTimeBudgetFails() {
        // A zero budget: the first check of the clock, after some output, is already late.
        RenderState late = new RenderState(java.time.ZoneOffset.UTC, java.util.Locale.ENGLISH, Instant.EPOCH, 0, 1_000_000);
        assertThatThrownBy(() -> MessageParser.LIQUID.render("{% for i in (1..500) %}{{ i }}{% endfor %}", Map.of(), late))
                .isInstanceOf(RenderFailure.class)
                .satisfies(e -> assertThat(((RenderFailure) e).reason()).isEqualTo("render_limit"))
                .hasMessageContaining("ms to render");
    }

    @Test
    void htmlInAnEmailIsKeptAsWritten() throws Exception {
        Rendered r = renderer.render("email", json("""
                {"subject": "Hi {{ person.first_name }}", "html": "<p style=\\"color:red\\">Hi <b>{{ person.first_name }}</b> &amp; <a href=\\"{{ delivery.unsubscribeUrl }}\\">bye</a></p>", "text": "Hi"}"""), ada());
        assertThat(r.content().get("html").textValue())
                .isEqualTo("<p style=\"color:red\">Hi <b>Ada</b> &amp; <a href=\"https://h.example/u/abc\">bye</a></p>");
        assertThat(r.content().get("subject").textValue()).isEqualTo("Hi Ada");
    }

    @Test
    void everyTextFieldIsRendered() throws Exception {
        Rendered inApp = renderer.render("in_app", json("""
                {"format": "modal", "steps": [{"blocks": [{"type": "text", "text": "Hi {{ person.first_name }}"},
                  {"type": "button", "id": "go", "label": "See {{ event.resource }}", "action": "url", "url": "https://x.example/{{ person.userId }}"}]}]}"""), ada());
        JsonNode blocks = inApp.content().get("steps").get(0).get("blocks");
        assertThat(blocks.get(0).get("text").textValue()).isEqualTo("Hi Ada");
        assertThat(blocks.get(1).get("label").textValue()).isEqualTo("See contacts");
        assertThat(blocks.get(1).get("url").textValue()).isEqualTo("https://x.example/u1");
        Rendered hook = renderer.render("webhook", json("""
                {"url": "https://hooks.example/{{ person.userId }}", "headers": {"X-Plan": "{{ journey.plan }}"},
                 "body": {"user": "{{ person.userId }}", "n": 3, "nested": ["{{ event.resource }}"]}}"""), ada());
        assertThat(hook.content().toString()).isEqualTo(
                "{\"url\":\"https://hooks.example/u1\",\"headers\":{\"X-Plan\":\"pro\"},\"body\":{\"user\":\"u1\",\"n\":3,\"nested\":[\"contacts\"]}}");
        Rendered push = renderer.render("push", json("""
                {"title": "t", "buttons": [{"id": "b", "label": "Open {{ event.resource }}", "deepLink": "app://r/{{ event.resource }}"}]}"""), ada());
        assertThat(push.content().get("buttons").get(0).get("deepLink").textValue()).isEqualTo("app://r/contacts");
    }

    @Test
    void eachDistinctSourceIsParsedOnce() throws Exception {
        String unique = "Hi {{ person.first_name }} " + System.nanoTime();
        int before = MessageParser.LIQUID.parses();
        for (int i = 0; i < 100; i++) push(unique, ada());
        assertThat(MessageParser.LIQUID.parses() - before).isEqualTo(1);
    }

    @Test
    void rendersConcurrentlyWithoutMixingPeople() throws Exception {
        JsonNode m = json("{\"title\": \"{% for i in event.items %}{{ event.items[forloop.index0].name }}{% endfor %}-{{ person.first_name }}\"}");
        Set<String> bad = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            String name = "P" + t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 2000; i++) {
                    try {
                        String out = renderer.render("push", m, ctx(Map.of("first_name", name),
                                Map.of("items", List.of(Map.of("name", name), Map.of("name", "z"))), "en", "UTC", "k"))
                                .content().get("title").textValue();
                        if (!out.equals(name + "z-" + name)) bad.add(out);
                    } catch (RenderFailure e) {
                        bad.add(e.getMessage());
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        assertThat(bad).isEmpty();
    }

    @Test
    void bucketsSpreadEvenly() {
        int[] b = new int[100];
        for (int i = 0; i < 100_000; i++) b[Renderer.bucket("user-" + i)]++;
        for (int n : b) assertThat(n).isBetween(850, 1150);
        Set<Integer> same = new HashSet<>();
        for (int i = 0; i < 10; i++) same.add(Renderer.bucket("stable"));
        assertThat(same).hasSize(1);
    }
}
