package io.herald.message;

import io.herald.error.ClientError;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import liqp.RenderTransformer;
import liqp.Template;
import liqp.TemplateContext;
import liqp.TemplateParser;
import liqp.exceptions.ExceededMaxIterationsException;
import liqp.exceptions.LiquidException;
import liqp.nodes.LNode;
import liqp.parser.v4.NodeVisitor;

/**
 * Herald's Liquid: Liqp with Herald's filters, sandboxed, with a bounded cache of parsed templates.
 *
 * <p>Design: Liqp turns its parse tree into a node tree on every {@code Template.render}, guards time with a new
 * executor thread per render, and keeps the last render's context in a field of the shared Template. None of that
 * suits a hot path shared by many threads, so this class parses each distinct source once, keeps a small pool of
 * node trees per source (a node tree holds per-render scratch state, so one tree serves one render at a time), and
 * renders them on the caller's thread with its own {@link RenderState}: a deadline and an output budget checked on
 * every append, Liqp's iteration limit, and the record of undefined variables. There is no include/render tag (they
 * are refused when a message is saved), and Herald's filters read no files and open no connections.
 */
final class Liquid {
    /** The longest template source Herald accepts (an email's HTML is the longest field). */
    static final int MAX_TEMPLATE_CHARS = 200_000;
    static final int MAX_ITERATIONS = 10_000;
    /** Output of one template; {@link RenderState} also bounds a whole message's output. */
    static final int MAX_OUTPUT_CHARS = 400_000;
    /** Distinct sources kept parsed; past it the cache starts over (rare: messages are few, people many). */
    static final int CACHE_ENTRIES = 20_000;
    static final long CACHE_CHARS = 64L * 1024 * 1024;
    private static final int POOL = 8;
    /** The key of the render state in Liqp's environment map. */
    static final String STATE = "\u0000herald";

    private final TemplateParser parser;
    private final Map<String, Compiled> cache = new ConcurrentHashMap<>();
    private final AtomicLong cachedChars = new AtomicLong();
    private final AtomicInteger parses = new AtomicInteger();

    Liquid() {
        TemplateParser.Builder b = new TemplateParser.Builder()
                .withMaxTemplateSizeBytes(MAX_TEMPLATE_CHARS * 4L)
                .withMaxIterations(MAX_ITERATIONS)
                .withMaxSizeRenderedString(MAX_OUTPUT_CHARS)
                .withErrorMode(TemplateParser.ErrorMode.STRICT)
                .withRenderTransformer(new Guard(TemplateParser.DEFAULT.getRenderTransformer()));
        for (liqp.filters.Filter f : HeraldFilters.all()) b.withFilter(f);
        this.parser = b.build();
    }

    /** How many sources were parsed since start (the cache test reads it). */
    int parses() {
        return parses.get();
    }

    /** True when the text has Liquid in it; plain text needs no parse and renders as itself. */
    static boolean isTemplate(String s) {
        return s.indexOf('{') >= 0 && (s.contains("{{") || s.contains("{%"));
    }

    /**
     * Refuses a source that does not parse (naming line and column), that includes or renders other templates,
     * or that is too long.
     */
    void check(String source, String field) {
        if (source.length() > MAX_TEMPLATE_CHARS) {
            throw ClientError.invalid(field, field + " must be at most " + MAX_TEMPLATE_CHARS + " characters");
        }
        if (!isTemplate(source)) return;
        compiled(source, field);
    }

    private Compiled compiled(String source, String field) {
        Compiled c = cache.get(source);
        if (c != null) return c;
        Template t;
        try {
            t = parser.parse(source);
        } catch (LiquidException e) {
            throw ClientError.invalid(field, field + ": Liquid syntax error at line " + e.line + ", column "
                    + (e.charPositionInLine + 1) + ": " + clean(e.getMessage()));
        } catch (RuntimeException e) {
            throw ClientError.invalid(field, field + ": Liquid syntax error: " + clean(e.getMessage()));
        }
        // Tags Liqp knows but a message must not use: they read other templates from files.
        if (includes(t.getParseTree())) {
            throw ClientError.invalid(field, field + ": include and render tags are not allowed in messages");
        }
        c = new Compiled(t);
        parses.incrementAndGet();
        if (cache.size() >= CACHE_ENTRIES || cachedChars.addAndGet(source.length()) > CACHE_CHARS) {
            cache.clear();
            cachedChars.set(source.length());
        }
        Compiled raced = cache.putIfAbsent(source, c);
        return raced != null ? raced : c;
    }

    private static boolean includes(liqp.org.antlr.v4.runtime.tree.ParseTree n) {
        if (n instanceof liquid.parser.v4.LiquidParser.Include_tagContext
                || n instanceof liquid.parser.v4.LiquidParser.Include_relative_tagContext) {
            return true;
        }
        for (int i = 0; i < n.getChildCount(); i++) {
            if (includes(n.getChild(i))) return true;
        }
        return false;
    }

    private static String clean(String m) {
        if (m == null) return "cannot parse";
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }

    /** Renders one source for one person; the source was checked when its message was saved. */
    String render(String source, Map<String, Object> variables, RenderState state) throws RenderFailure {
        if (!isTemplate(source)) return source;
        Compiled c;
        try {
            c = compiled(source, "template");
        } catch (ClientError e) {
            throw new RenderFailure("invalid_template", e.getMessage());
        }
        LNode root = c.borrow(parser);
        try {
            // One context serves every template of a message: variables a template assigns are seen by the ones
            // after it, and the iteration limit counts for the whole message.
            TemplateContext ctx = state.context;
            if (ctx == null) {
                ctx = new Root(parser, variables, state);
                ctx.getEnvironmentMap().put(STATE, state);
                state.context = ctx;
            }
            Object out = root.render(ctx);
            out = parser.getRenderTransformer().transformObject(ctx, out);
            String s = out == null ? "" : out.toString();
            state.output(s.length());
            return s;
        } catch (RenderState.Limit e) {
            throw new RenderFailure("render_limit", e.getMessage());
        } catch (ExceededMaxIterationsException e) {
            throw new RenderFailure("render_limit", "a template ran more than " + MAX_ITERATIONS + " loop iterations");
        } catch (RuntimeException e) {
            Throwable t = e;
            while (t != null) {
                if (t instanceof RenderState.Limit l) throw new RenderFailure("render_limit", l.getMessage());
                if (t instanceof ExceededMaxIterationsException) {
                    throw new RenderFailure("render_limit", "a template ran more than " + MAX_ITERATIONS + " loop iterations");
                }
                t = t.getCause();
            }
            String m = String.valueOf(e.getMessage());
            if (m.contains("rendered string exceeds")) throw new RenderFailure("render_limit", "a template rendered more than " + MAX_OUTPUT_CHARS + " characters");
            throw new RenderFailure("render_error", "the template failed to render: " + clean(m));
        } finally {
            c.giveBack(root);
        }
    }

    /** One parsed source and a few node trees ready to render it. */
    private static final class Compiled {
        private final Template template;
        private final ConcurrentLinkedQueue<LNode> pool = new ConcurrentLinkedQueue<>();
        private final AtomicInteger pooled = new AtomicInteger();

        Compiled(Template template) {
            this.template = template;
        }

        LNode borrow(TemplateParser parser) {
            LNode n = pool.poll();
            if (n != null) {
                pooled.decrementAndGet();
                return n;
            }
            return new Visitor(parser).visit(template.getParseTree());
        }

        void giveBack(LNode n) {
            if (pooled.incrementAndGet() <= POOL) pool.offer(n);
            else pooled.decrementAndGet();
        }
    }

    /** Builds Liqp's node tree with each output tag marked, so that undefined variables count only in output. */
    private static final class Visitor extends NodeVisitor {
        Visitor(TemplateParser p) {
            super(p.insertions, p.filters, p.liquidStyleInclude);
        }

        @Override
        public LNode visitOutput(liquid.parser.v4.LiquidParser.OutputContext ctx) {
            LNode inner = super.visitOutput(ctx);
            return context -> {
                RenderState s = (RenderState) context.getEnvironmentMap().get(STATE);
                int mark = s.enterOutput();
                try {
                    return inner.render(context);
                } finally {
                    s.leaveOutput(mark);
                }
            };
        }
    }

    /** The root context: notes a top-level name an output reads that does not exist. */
    private static final class Root extends TemplateContext {
        private final RenderState state;

        Root(TemplateParser parser, Map<String, Object> variables, RenderState state) {
            super(parser, variables);
            this.state = state;
        }

        @Override
        public boolean containsKey(String key) {
            boolean has = super.containsKey(key);
            if (!has) state.missing(key);
            return has;
        }
    }

    /** Liqp's appender, with Herald's time and size budget checked on every piece of output. */
    private record Guard(RenderTransformer inner) implements RenderTransformer {
        @Override
        public ObjectAppender.Controller newObjectAppender(TemplateContext context, int estimatedNumberOfAppends) {
            ObjectAppender.Controller c = inner.newObjectAppender(context, estimatedNumberOfAppends);
            RenderState s = (RenderState) context.getEnvironmentMap().get(STATE);
            return new ObjectAppender.Controller() {
                @Override
                public Object getResult() {
                    return c.getResult();
                }

                @Override
                public void append(Object o) {
                    if (s != null) s.tick(o);
                    c.append(o);
                }
            };
        }

        @Override
        public Object transformObject(TemplateContext context, Object o) {
            return inner.transformObject(context, o);
        }
    }
}
