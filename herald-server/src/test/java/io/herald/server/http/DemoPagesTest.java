package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo site's pages: served without a key, each loading the SDK and the demo script; nothing else is served. */
class DemoPagesTest {
    @TempDir
    Path dir;

    @Test
    void everyDemoPageLoadsTheSdkAndTheDemoScript() {
        try (TestHerald h = TestHerald.start(Engine.SQLITE, dir, InstantSource.system())) {
            for (String path : new String[] {"/demo", "/demo/", "/demo/pricing", "/demo/checkout", "/demo/settings"}) {
                TestHerald.Answer a = Api.request(h, "GET", path, Map.of(), null);
                assertThat(a.status()).as(path).isEqualTo(200);
                assertThat(a.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
                assertThat(a.body()).as(path).contains("<script src=\"/sdk/herald.js\"></script>")
                        .contains("<script src=\"/demo/demo.js\"></script>");
            }
            assertThat(Api.request(h, "GET", "/demo", Map.of(), null).body())
                    .contains("data-herald-slot=\"dashboard-tips\"").contains("id=\"reports-button\"");
            TestHerald.Answer js = Api.request(h, "GET", "/demo/demo.js", Map.of(), null);
            assertThat(js.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
            assertThat(js.body()).contains("Herald.init");
        }
    }

    @Test
    void anythingElseUnderDemoIsAnHtmlNotFound() {
        try (TestHerald h = TestHerald.start(Engine.SQLITE, dir, InstantSource.system())) {
            for (String path : new String[] {"/demo/campaigns.json", "/demo/..%2Fdemo.js", "/demo/index.html",
                    "/demo/nope"}) {
                TestHerald.Answer a = Api.request(h, "GET", path, Map.of(), null);
                assertThat(a.status()).as(path).isEqualTo(404);
                assertThat(a.body()).as(path).contains("No such demo page");
            }
        }
    }
}
