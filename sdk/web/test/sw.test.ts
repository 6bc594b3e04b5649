import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { install, link, type Scope } from "../src/sw";
import { fakeFetch, ok } from "./fakes";

/** A service worker scope: listeners the test fires, Cache storage in memory, windows it can see. */
function fakeScope(tabs: Array<{ url: string }> = []) {
  const listeners: Record<string, (e: any) => void> = {};
  const stored = new Map<string, Response>();
  const windows = tabs.map((t) => ({ ...t, focus: vi.fn(async () => t), navigate: vi.fn(async () => null) }));
  const scope = {
    registration: { showNotification: vi.fn(async () => {}) },
    clients: { matchAll: vi.fn(async () => windows), openWindow: vi.fn(async () => null) },
    caches: {
      open: async () => ({
        match: async (k: string) => stored.get(k)?.clone(),
        put: async (k: string, r: Response) => void stored.set(k, r),
      }),
    },
    location: { origin: "https://shop.example" },
    addEventListener: (t: string, l: (e: any) => void) => (listeners[t] = l),
  };
  install(scope as unknown as Scope);
  /** Fires an event and waits for what it asked to wait for. */
  async function fire(type: string, e: Record<string, unknown>) {
    const waits: Promise<unknown>[] = [];
    listeners[type]({ ...e, waitUntil: (p: Promise<unknown>) => waits.push(p) });
    await Promise.all(waits);
  }
  return { scope, fire, windows, stored };
}

const CONFIG = { type: "herald-config", host: "https://herald.test", writeKey: "wk_1", userId: "u_42",
  userHash: "hh", anonymousId: "a-1" };
const PAYLOAD = { deliveryId: "d1", title: "Your export is ready", body: "3 files", icon: "/i.png", image: "/big.png",
  badge: "/b.png", tag: "exports", deepLink: "https://shop.example/exports",
  actions: [{ action: "open", title: "Open" }, { action: "later", title: "Later", deepLink: "/remind" }],
  data: { actions: [{ action: "open", deepLink: "https://shop.example/exports/42" }] } };
const pushData = (p: unknown) => ({ data: { json: () => p, text: () => JSON.stringify(p) } });

describe("the service worker", () => {
  let net: ReturnType<typeof fakeFetch>;
  beforeEach(() => {
    net = fakeFetch(ok());
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows the pushed notification and reports it delivered as the page's verified user", async () => {
    const w = fakeScope();
    await w.fire("message", { data: CONFIG });
    await w.fire("push", pushData(PAYLOAD));
    const [title, options] = w.scope.registration.showNotification.mock.calls[0] as unknown as [string, any];
    expect(title).toBe("Your export is ready");
    expect(options).toMatchObject({ body: "3 files", icon: "/i.png", image: "/big.png", badge: "/b.png", tag: "exports",
      actions: [{ action: "open", title: "Open" }, { action: "later", title: "Later" }] });
    expect(options.data.deliveryId).toBe("d1");
    expect(net.sent).toHaveLength(1);
    expect(net.sent[0].url).toBe("https://herald.test/v1/push/events?writeKey=wk_1");
    expect(net.sent[0].body).toEqual({ deliveryId: "d1", type: "delivered", userId: "u_42", userHash: "hh" });
  });

  it("finds its config in Cache storage after the worker was restarted", async () => {
    const first = fakeScope();
    await first.fire("message", { data: { ...CONFIG, userId: null, userHash: null } });
    const again = fakeScope();
    (again.scope.caches as any).open = first.scope.caches.open;
    await again.fire("push", pushData(PAYLOAD));
    expect(net.sent[0].body).toEqual({ deliveryId: "d1", type: "delivered", anonymousId: "a-1" });
  });

  it("opens the action's deep link on click, focusing a tab already there, and reports opened with the action", async () => {
    const w = fakeScope([{ url: "https://shop.example/exports/42" }]);
    await w.fire("message", { data: CONFIG });
    await w.fire("push", pushData(PAYLOAD));
    const options = (w.scope.registration.showNotification.mock.calls[0] as unknown as [string, any])[1];
    const close = vi.fn();
    await w.fire("notificationclick", { action: "open", notification: { data: options.data, close } });
    expect(close).toHaveBeenCalled();
    expect(w.windows[0].focus).toHaveBeenCalled();
    expect(w.scope.clients.openWindow).not.toHaveBeenCalled();
    expect(net.sent[net.sent.length - 1].body).toMatchObject({ deliveryId: "d1", type: "opened", actionId: "open" });
  });

  it("opens a new window with the message's deep link when no tab of the site is open", async () => {
    const w = fakeScope();
    await w.fire("message", { data: CONFIG });
    await w.fire("notificationclick", { action: "", notification: { data: { deliveryId: "d1",
      deepLink: "/welcome" }, close: () => {} } });
    expect(w.scope.clients.openWindow).toHaveBeenCalledWith("https://shop.example/welcome");
    expect(net.sent[net.sent.length - 1].body).toEqual({ deliveryId: "d1", type: "opened", userId: "u_42", userHash: "hh" });
  });

  it("reports dismissed when the notification is closed", async () => {
    const w = fakeScope();
    await w.fire("message", { data: CONFIG });
    await w.fire("notificationclose", { notification: { data: { deliveryId: "d7" } } });
    expect(net.sent[0].body).toMatchObject({ deliveryId: "d7", type: "dismissed" });
  });

  it("shows a push that is not JSON as text, and reports nothing without a config or delivery", async () => {
    const w = fakeScope();
    await w.fire("push", { data: { json: () => { throw new SyntaxError("x"); }, text: () => "plain words" } });
    expect(w.scope.registration.showNotification).toHaveBeenCalledWith("plain words", expect.anything());
    await w.fire("message", { data: { type: "something-else" } });
    await w.fire("push", pushData(PAYLOAD));
    expect(net.sent).toHaveLength(0);
  });

  it("picks the clicked action's link from the action, data.actions as a list or as a map", () => {
    expect(link({ deepLink: "/m", actions: [{ action: "a", title: "A", deepLink: "/a" }] }, "a")).toBe("/a");
    expect(link({ deepLink: "/m", data: { actions: [{ action: "a", url: "/u" }] } }, "a")).toBe("/u");
    expect(link({ deepLink: "/m", data: { actions: { a: "/map" } } }, "a")).toBe("/map");
    expect(link({ deepLink: "/m", data: { actions: { b: "/map" } } }, "a")).toBe("/m");
    expect(link({ deepLink: "/m" }, "")).toBe("/m");
  });
});
