package io.herald.testing;

import io.herald.store.Engine;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.opentest4j.TestAbortedException;

/**
 * Skips a jqwik property on PostgreSQL when no server is reachable, as {@link TestDatabase} skips Jupiter tests
 * (and, like it, fails under CI). Why a hook: a property whose every try aborts fails as "exhausted" instead of
 * being skipped. Use with {@code @AddLifecycleHook(RequiresPostgresql.class)}.
 */
public final class RequiresPostgresql implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        try {
            TestDatabase.freshConfig(Engine.POSTGRESQL, null); // checks the server; creates nothing
            return SkipResult.doNotSkip();
        } catch (TestAbortedException e) {
            return SkipResult.skip(e.getMessage());
        }
    }
}
