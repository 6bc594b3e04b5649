package io.herald.campaign;

import io.herald.error.ClientError;
import java.util.Map;
import liqp.Template;
import liqp.TemplateParser;

/**
 * Liquid in journey steps (values an {@code update} step sets). Sandboxed: bounded size, time and loop count; no
 * {@code include}/{@code render} of files.
 */
final class Templates {
    private static final TemplateParser PARSER = new TemplateParser.Builder()
            .withMaxTemplateSizeBytes(10_000)
            .withMaxRenderTimeMillis(100)
            .withMaxIterations(10_000)
            .withMaxSizeRenderedString(10_000)
            .build();

    private Templates() {
    }

    /** Refuses a template that does not parse, or that would read files. */
    static void check(String source, String field) {
        if (source.contains("{% include") || source.contains("{%include") || source.contains("{% render")
                || source.contains("{%render")) {
            throw ClientError.invalid(field, field + ": include and render tags are not allowed");
        }
        try {
            PARSER.parse(source);
        } catch (RuntimeException e) {
            throw ClientError.invalid(field, field + " is not a valid Liquid template: " + e.getMessage());
        }
    }

    static String render(String source, Map<String, Object> context) {
        Template t = PARSER.parse(source);
        return t.render(context);
    }
}
