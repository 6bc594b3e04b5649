import { afterEach, describe, expect, it, vi } from "vitest";
import { init } from "../src/index";
import { fakeFetch, FakeEventSource } from "./fakes";

describe("init", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("returns the client API.md's Web SDK shows", () => {
    fakeFetch();
    vi.stubGlobal("EventSource", FakeEventSource);
    const herald = init({ writeKey: "wk_test_0123456789", host: "http://localhost:8080" });
    for (const f of [herald.identify, herald.track, herald.page, herald.alias, herald.reset, herald.flush,
      herald.inapp.on, herald.inapp.off, herald.inapp.pause, herald.inapp.resume, herald.push.subscribe,
      herald.push.unsubscribe]) {
      expect(typeof f).toBe("function");
    }
    expect(herald.push.permission).toBe("unsupported");
    herald.destroy();
  });
});
