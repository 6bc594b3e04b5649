import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { duration, glob, pageOk } from "../src/inapp/rules";
import { button, cleanup, memoryStore, message, shown, start, types } from "./inapp-helpers";

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse("2026-11-23T10:00:00Z") });
});
afterEach(cleanup);

const close = (id: string) => shown(id)!.querySelector<HTMLButtonElement>(".x")!.click();
const ids = (h: ReturnType<typeof start>) => h.reports.filter((r) => r.type == "shown").map((r) => r.deliveryId);

describe("page globs", () => {
  it("match * within a segment and ** across segments", () => {
    expect(glob("/pricing", "/pricing")).toBe(true);
    expect(glob("/pricing", "/pricing/")).toBe(true);
    expect(glob("/docs/*", "/docs/setup")).toBe(true);
    expect(glob("/docs/*", "/docs/setup/web")).toBe(false);
    expect(glob("/docs/**", "/docs/setup/web")).toBe(true);
    expect(glob("/**/edit", "/projects/7/edit")).toBe(true);
    expect(glob("/a.b", "/aXb")).toBe(false);
    expect(glob("Settings", "Settings")).toBe(true);
  });

  it("ignore query and hash, and let excludePages win", () => {
    expect(pageOk({ pages: ["/app/**"], excludePages: ["/app/checkout/*"] }, "/app/home?x=1#top")).toBe(true);
    expect(pageOk({ pages: ["/app/**"], excludePages: ["/app/checkout/*"] }, "/app/checkout/pay")).toBe(false);
    expect(pageOk({ excludePages: ["/login"] }, "/home")).toBe(true);
    expect(pageOk({ pages: ["/pricing"] }, "/home")).toBe(false);
  });

  it("read ISO durations as the server does", () => {
    expect(duration("P1D")).toBe(864e5);
    expect(duration("PT12H")).toBe(432e5);
    expect(duration("P1W")).toBe(7 * 864e5);
    expect(duration("pt30m")).toBe(18e5);
    expect(duration("P1DT1H")).toBe(864e5 + 36e5);
    expect(duration("1D")).toBeNaN();
    expect(duration("P")).toBeNaN();
  });
});

describe("display rules", () => {
  it("show a message only on its pages, not on excluded ones, and re-check on page change", () => {
    const h = start();
    h.inapp.page("/home");
    const m = message({ format: "banner", display: { pages: ["/reports/*"], excludePages: ["/reports/secret"] } });
    h.inapp.add(m);
    expect(ids(h)).toEqual([]);
    h.inapp.page("/reports/secret");
    expect(ids(h)).toEqual([]);
    h.inapp.page("/reports/q3");
    expect(ids(h)).toEqual([m.deliveryId]);
    // Leaving its pages takes a non-blocking message away, without a dismissal.
    h.inapp.page("/home");
    expect(shown(m.deliveryId)).toBeNull();
    expect(types(h)).toEqual(["shown"]);
  });

  it("wait afterSeconds on the page, the timer starting over on a page change", () => {
    const h = start();
    h.inapp.page("/a");
    const m = message({ display: { afterSeconds: 10 } });
    h.inapp.add(m);
    vi.advanceTimersByTime(9_000);
    h.inapp.page("/b");
    vi.advanceTimersByTime(9_000);
    expect(ids(h)).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(ids(h)).toEqual([m.deliveryId]);
  });

  it("show onEvent messages when the client-side event happens on a matching page", () => {
    const h = start();
    h.inapp.page("/settings");
    const m = message({ format: "slide_in", display: { onEvent: "export_clicked", pages: ["/reports"], frequency: "always" } });
    h.inapp.add(m);
    h.inapp.event("other");
    h.inapp.event("export_clicked"); // wrong page: does not count
    h.inapp.page("/reports");
    expect(ids(h)).toEqual([]);
    h.inapp.event("export_clicked");
    expect(ids(h)).toEqual([m.deliveryId]);
    close(m.deliveryId);
    h.inapp.event("export_clicked");
    expect(ids(h)).toEqual([m.deliveryId, m.deliveryId]);
  });

  it("never show an expired message, and take one off the screen when it expires", () => {
    const h = start();
    const old = message({ format: "banner", expiresAt: "2026-11-23T09:59:59Z" });
    const soon = message({ format: "slide_in", expiresAt: "2026-11-23T10:01:00Z" });
    h.inapp.replace([old, soon]);
    expect(ids(h)).toEqual([soon.deliveryId]);
    vi.advanceTimersByTime(60_000);
    expect(shown(soon.deliveryId)).toBeNull();
    expect(types(h)).toEqual(["shown"]);
  });
});

describe("frequency", () => {
  it("once: never again, across a reload", () => {
    const store = memoryStore();
    const m = message({ format: "banner", display: { frequency: "once" } });
    const a = start({ store });
    a.inapp.add(m);
    close(m.deliveryId);
    a.inapp.page("/next");
    expect(ids(a)).toEqual([m.deliveryId]);
    a.inapp.destroy();
    const b = start({ store }); // the reload
    b.inapp.replace([m]);
    expect(ids(b)).toEqual([]);
  });

  it("once per session: again after a reload only when the session ended (30 minutes idle)", () => {
    const store = memoryStore();
    const m = message({ format: "banner", display: { frequency: "once_per_session" } });
    const a = start({ store });
    a.inapp.add(m);
    a.inapp.destroy();
    vi.advanceTimersByTime(29 * 60e3);
    const b = start({ store });
    b.inapp.add(m);
    expect(ids(b)).toEqual([]);
    b.inapp.destroy();
    vi.advanceTimersByTime(31 * 60e3);
    const c = start({ store });
    c.inapp.add(m);
    expect(ids(c)).toEqual([m.deliveryId]);
  });

  it("always: once per page view", () => {
    const h = start();
    const m = message({ format: "banner", display: { frequency: "always" } });
    h.inapp.add(m);
    close(m.deliveryId);
    expect(ids(h)).toHaveLength(1);
    h.inapp.page("/other");
    expect(ids(h)).toHaveLength(2);
  });

  it("max N per period: counted across reloads, freed as the period passes", () => {
    const store = memoryStore();
    const m = message({ format: "banner", display: { frequency: { max: 2, per: "P1D" } } });
    const a = start({ store });
    a.inapp.add(m);
    close(m.deliveryId);
    vi.advanceTimersByTime(60e3);
    a.inapp.page("/2");
    close(m.deliveryId);
    a.inapp.page("/3");
    expect(ids(a)).toHaveLength(2);
    a.inapp.destroy();
    const b = start({ store });
    b.inapp.add(m);
    expect(ids(b)).toHaveLength(0);
    vi.advanceTimersByTime(864e5 - 60e3);
    b.inapp.page("/4");
    expect(ids(b)).toHaveLength(1);
  });

  it("clears every message on sign-out, shown or queued, without reporting a dismissal", () => {
    const a = start();
    const onScreen = message({ format: "banner" });
    const queued = message({ format: "slide_in", display: { onEvent: "later" } });
    a.inapp.add(onScreen);
    a.inapp.add(queued);
    expect(shown(onScreen.deliveryId)).not.toBeNull();
    a.inapp.clear();
    expect(shown(onScreen.deliveryId)).toBeNull();
    a.inapp.event("later");
    expect(shown(queued.deliveryId)).toBeNull();
    expect(types(a)).toEqual(["shown"]);
  });

  it("survives an empty list (a logout) and remembers the 200 deliveries shown last", () => {
    const store = memoryStore();
    const first = message({ format: "banner" });
    const a = start({ store });
    a.inapp.add(first);
    a.inapp.replace([]);
    a.inapp.destroy();
    const b = start({ store });
    b.inapp.replace([first]);
    expect(ids(b)).toEqual([]);
    b.inapp.withdraw(first.deliveryId);
    for (let i = 0; i < 200; i++) {
      vi.advanceTimersByTime(1);
      const m = message({ format: "banner" });
      b.inapp.add(m);
      close(m.deliveryId);
    }
    const seen = JSON.parse(store.data.get("herald:inapp:seen")!);
    expect(Object.keys(seen)).toHaveLength(200);
    expect(seen[first.deliveryId]).toBeUndefined();
  });
});

describe("priority queue", () => {
  it("shows one blocking message at a time, highest priority first, oldest first among equals", () => {
    const h = start({ minGapMs: 0 });
    const low = message({ priority: 10 });
    const high = message({ priority: 90 });
    const older = message({ priority: 10, createdAt: "2026-11-22T00:00:00Z" });
    h.inapp.replace([low, high, older]);
    expect(ids(h)).toEqual([high.deliveryId]);
    close(high.deliveryId);
    expect(ids(h)).toEqual([high.deliveryId, older.deliveryId]);
    close(older.deliveryId);
    expect(ids(h)).toEqual([high.deliveryId, older.deliveryId, low.deliveryId]);
  });

  it("keeps the default 30 s gap between blocking messages, counted from the close", () => {
    const h = start();
    const a = message({ priority: 90 });
    const b = message({ format: "fullscreen" });
    h.inapp.replace([a, b]);
    vi.advanceTimersByTime(60_000);
    close(a.deliveryId);
    vi.advanceTimersByTime(29_999);
    expect(ids(h)).toEqual([a.deliveryId]);
    vi.advanceTimersByTime(1);
    expect(ids(h)).toEqual([a.deliveryId, b.deliveryId]);
  });

  it("takes the gap from minGapMs and keeps it across a reload", () => {
    const store = memoryStore();
    const a = start({ store, minGapMs: 5_000 });
    const m1 = message();
    a.inapp.add(m1);
    close(m1.deliveryId);
    a.inapp.destroy();
    const b = start({ store, minGapMs: 5_000 });
    const m2 = message();
    b.inapp.add(m2);
    expect(ids(b)).toEqual([]);
    vi.advanceTimersByTime(5_000);
    expect(ids(b)).toEqual([m2.deliveryId]);
  });

  it("lets non-blocking messages show together with a modal, one per place", () => {
    document.body.innerHTML = '<div data-herald-slot="s"></div><button id="a"></button>';
    const h = start();
    const list = [
      message(),
      message({ format: "banner" }),
      message({ format: "banner", position: "top" }),
      message({ format: "banner", position: "bottom" }),
      message({ format: "slide_in" }),
      message({ format: "tooltip", anchor: "#a" }),
      message({ format: "inline", placement: "s" }),
      message({ format: "inline", placement: "s" }),
      message({ format: "slide_in", position: "bottom_right" }),
    ];
    h.inapp.replace(list);
    expect(ids(h).map((id) => list.findIndex((m) => m.deliveryId == id)).sort()).toEqual([0, 1, 3, 4, 5, 6]);
  });
});

describe("pause, resume, withdraw, replace", () => {
  it("pause holds new messages and keeps what is on screen; resume shows them", () => {
    const h = start();
    const a = message({ format: "banner" });
    h.inapp.add(a);
    h.inapp.pause();
    const b = message({ format: "slide_in" });
    h.inapp.add(b);
    h.inapp.page("/checkout");
    h.inapp.event("x");
    expect(shown(a.deliveryId)).not.toBeNull();
    expect(ids(h)).toEqual([a.deliveryId]);
    h.inapp.resume();
    expect(ids(h)).toEqual([a.deliveryId, b.deliveryId]);
  });

  it("withdraw removes a message on screen (nothing reported) and one still queued", () => {
    const h = start({ minGapMs: 0 });
    const a = message({ priority: 90 });
    const b = message();
    h.inapp.replace([a, b]);
    h.inapp.withdraw(b.deliveryId);
    h.inapp.withdraw(a.deliveryId);
    expect(shown(a.deliveryId)).toBeNull();
    expect(ids(h)).toEqual([a.deliveryId]);
    expect(types(h)).toEqual(["shown"]);
  });

  it("replace drops queued messages no longer eligible but keeps the ones on screen", () => {
    const h = start();
    const on = message();
    const queued = message({ display: { afterSeconds: 5 } });
    const kept = message({ format: "banner", display: { afterSeconds: 5 } });
    h.inapp.replace([on, queued, kept]);
    h.inapp.replace([kept]);
    expect(shown(on.deliveryId)).not.toBeNull();
    vi.advanceTimersByTime(60_000);
    close(on.deliveryId);
    vi.advanceTimersByTime(60_000);
    expect(ids(h)).toEqual([on.deliveryId, kept.deliveryId]);
  });

  it("destroy removes everything it rendered", () => {
    document.body.innerHTML = '<div data-herald-slot="s"></div>';
    const h = start();
    h.inapp.replace([message(), message({ format: "inline", placement: "s" })]);
    h.inapp.destroy();
    expect(document.getElementById("herald-root")).toBeNull();
    expect(document.querySelector("[data-herald-slot]")!.shadowRoot!.querySelector("[data-herald-delivery]")).toBeNull();
    expect(button).toBeTypeOf("function");
  });
});
