import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeEventSource, fakeFetch, ok, recordingInApp, settle } from "./fakes";
import pkg from "../package.json";

const rec = vi.hoisted(() => ({
  current: null as null | ReturnType<typeof import("./fakes").recordingInApp>,
  deps: null as null | import("../src/types").InAppDeps,
}));
vi.mock("../src/inapp/index", () => ({
  createInApp: (deps: import("../src/types").InAppDeps) => {
    rec.deps = deps;
    return rec.current!.inapp;
  },
}));
import { init, type Client } from "../src/index";

const HOST = "https://herald.test";
let client: Client | undefined;
const start = (o: Partial<Parameters<typeof init>[0]> = {}) =>
  (client = init({ writeKey: "wk_1", host: HOST + "/", ...o }));

describe("tracking", () => {
  let net: ReturnType<typeof fakeFetch>;
  beforeEach(() => {
    vi.useFakeTimers();
    localStorage.clear();
    rec.current = recordingInApp();
    net = fakeFetch((s) => (s.url.includes("/v1/inapp/messages") ? ok({ data: [] }) : ok()));
    vi.stubGlobal("EventSource", FakeEventSource);
    history.replaceState(null, "", "/start?x=1");
    document.title = "Start";
  });
  afterEach(() => {
    client?.destroy();
    client = undefined;
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("sends Segment-shaped calls with library, page, locale and timezone context", async () => {
    const h = start({ autoPage: false });
    h.track("export_clicked", { format: "csv" });
    await vi.advanceTimersByTimeAsync(1000);
    const [c] = net.calls();
    expect(c).toMatchObject({
      type: "track",
      event: "export_clicked",
      properties: { format: "csv" },
      anonymousId: h.anonymousId(),
      context: {
        library: { name: "herald-web", version: pkg.version },
        page: { path: "/start", search: "?x=1", title: "Start", url: location.origin + "/start?x=1" },
        userAgent: navigator.userAgent,
        locale: navigator.language,
      },
    });
    expect(c.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Date(c.timestamp).toISOString()).toBe(c.timestamp);
    expect(c.sentAt).toBeTruthy();
    expect(typeof c.context.timezone).toBe("string");
    expect(c.userId).toBeUndefined();
    expect(rec.current!.calls("event")).toEqual([["export_clicked", { format: "csv" }]]);
  });

  it("tracks a page view on load with Segment's page properties", async () => {
    start();
    await vi.advanceTimersByTimeAsync(1000);
    const [c] = net.calls();
    expect(c.type).toBe("page");
    expect(c.properties).toMatchObject({ path: "/start", search: "?x=1", title: "Start" });
    expect(rec.current!.calls("page")).toEqual([["/start"]]);
  });

  it("tracks SPA navigation through pushState, replaceState and popstate, once per URL", async () => {
    start();
    history.pushState(null, "", "/pricing");
    history.replaceState({ scroll: 1 }, "", "/pricing"); // same URL: no page view
    history.pushState(null, "", "/pricing#faq"); // hash only: none either
    history.replaceState(null, "", "/pricing?plan=pro");
    history.pushState(null, "", "/start?x=1");
    dispatchEvent(new PopStateEvent("popstate"));
    await vi.advanceTimersByTimeAsync(1000);
    const pages = net.calls().filter((c: any) => c.type == "page");
    expect(pages.map((c: any) => c.properties.path + c.properties.search)).toEqual([
      "/start?x=1",
      "/pricing",
      "/pricing?plan=pro",
      "/start?x=1",
    ]);
    expect(pages[1].properties.referrer).toBe(location.origin + "/start?x=1");
    expect(rec.current!.calls("page").map((a) => a[0])).toEqual(["/start", "/pricing", "/pricing", "/start"]);
  });

  it("tells the in-app part about navigation even without automatic page views", async () => {
    start({ autoPage: false });
    history.pushState(null, "", "/checkout");
    await vi.advanceTimersByTimeAsync(1000);
    expect(net.calls().filter((c: any) => c.type == "page")).toEqual([]);
    expect(rec.current!.calls("page").map((a) => a[0])).toEqual(["/start", "/checkout"]);
  });

  it("acts as the anonymous id on the client API while the userId has no hash", async () => {
    const h = start({ autoPage: false });
    h.identify("u_7");
    expect(FakeEventSource.latest().param("userId")).toBeNull();
    expect(FakeEventSource.latest().param("anonymousId")).toBe(h.anonymousId());
  });

  it("keeps the anonymous id across page loads and links it on identify", async () => {
    const first = start({ autoPage: false }).anonymousId();
    client!.destroy();
    const h = start({ autoPage: false });
    expect(h.anonymousId()).toBe(first);
    h.identify("u_42", { plan: "trial" }, { userHash: "abc" });
    h.track("after");
    await vi.advanceTimersByTimeAsync(1000);
    const [identify, after] = net.calls();
    expect(identify).toMatchObject({ type: "identify", userId: "u_42", anonymousId: first, traits: { plan: "trial" } });
    expect(after).toMatchObject({ userId: "u_42", anonymousId: first });
    client!.destroy();
    expect(start({ autoPage: false }).userId()).toBe("u_42"); // remembered on the next load
  });

  it("starts a fresh anonymous id when another user identifies, and on reset", async () => {
    const h = start({ autoPage: false });
    const a0 = h.anonymousId();
    h.identify("ada", {}, { userHash: "h1" });
    h.identify("bob", {}, { userHash: "h2" });
    const a1 = h.anonymousId();
    expect(a1).not.toBe(a0);
    h.reset();
    expect(h.userId()).toBeNull();
    expect(h.anonymousId()).not.toBe(a1);
    expect(localStorage.getItem("herald.uid")).toBeNull();
    expect(rec.current!.calls("clear")).toHaveLength(1); // nothing of the previous person stays on screen
  });

  it("aliases the current identity to a new userId", async () => {
    const h = start({ autoPage: false });
    h.alias("u_9");
    await vi.advanceTimersByTimeAsync(1000);
    expect(net.calls()[0]).toMatchObject({ type: "alias", userId: "u_9", previousId: h.anonymousId() });
  });

  it("reconnects the live stream as the new identity on identify and reset", async () => {
    const h = start({ autoPage: false });
    await settle();
    expect(FakeEventSource.latest().param("anonymousId")).toBe(h.anonymousId());
    h.identify("u_42", {}, { userHash: "hash42" });
    const s = FakeEventSource.latest();
    expect(s.param("userId")).toBe("u_42");
    expect(s.param("userHash")).toBe("hash42");
    expect(s.param("anonymousId")).toBeNull();
    h.reset();
    expect(s.closed).toBe(true);
    expect(FakeEventSource.latest().param("anonymousId")).toBe(h.anonymousId());
  });

  it("sends in-app reports with the identity and the page load's session id, and emits callbacks", async () => {
    const h = start({ autoPage: false });
    h.identify("u_42", {}, { userHash: "hash42" });
    const sessionId = FakeEventSource.latest().param("sessionId");
    expect(sessionId).toBeTruthy();
    rec.deps!.report({ deliveryId: "d1", type: "clicked", buttonId: "go" });
    await settle();
    const report = net.sent.find((s) => s.url.startsWith(HOST + "/v1/inapp/events"))!;
    expect(report.url).toBe(HOST + "/v1/inapp/events?writeKey=wk_1");
    expect(report.body).toEqual({ deliveryId: "d1", type: "clicked", buttonId: "go", userId: "u_42",
      userHash: "hash42", sessionId, writeKey: "wk_1" });

    const shown: unknown[] = [];
    const l = (p: unknown) => shown.push(p);
    h.inapp.on("show", l);
    rec.deps!.emit("show", { message: { deliveryId: "d1" } as any });
    h.inapp.off("show", l);
    rec.deps!.emit("show", { message: { deliveryId: "d2" } as any });
    expect(shown).toEqual([{ message: { deliveryId: "d1" } }]);
    h.inapp.pause();
    h.inapp.resume();
    expect(rec.current!.calls("pause")).toHaveLength(1);
    expect(rec.current!.calls("resume")).toHaveLength(1);
  });

  it("flushes with keepalive when the page is hidden or closed", async () => {
    const h = start({ autoPage: false });
    h.track("one");
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
    h.track("two");
    dispatchEvent(new Event("pagehide"));
    await settle();
    Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
    const kept = net.sent.filter((s) => s.keepalive);
    expect(kept.map((s) => s.body.batch.map((c: any) => c.event))).toEqual([["one"], ["two"]]);
  });

  it("never throws into the page, even when fetch itself throws", async () => {
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.stubGlobal("fetch", () => {
      throw new Error("blocked by an extension");
    });
    const h = start();
    expect(() => {
      h.track("x");
      h.track(undefined as unknown as string);
      h.identify(undefined);
      h.page({ custom: true });
      h.alias("");
      h.inapp.on("show", () => {
        throw new Error("host callback");
      });
    }).not.toThrow();
    await expect(h.flush()).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(5000);
    expect(warned).toHaveBeenCalledWith("[herald]", "track needs an event name");
    warned.mockRestore();
  });
});
