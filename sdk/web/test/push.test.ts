import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keyBytes } from "../src/core/push";
import { init, type Client } from "../src/index";
import { fakeFetch, ok, settle, status } from "./fakes";

const HOST = "https://herald.test";
const KEY = "BAAB_-8"; // base64url of 04 00 01 ff ef
const SUBSCRIPTION = { endpoint: "https://push.example/sub/1", keys: { p256dh: "pk", auth: "au" } };

/** A browser with service workers and the Push API, whose answers the test sets. */
function fakeBrowser(permission: NotificationPermission, answer: NotificationPermission = "granted") {
  let current: PushSubscription | null = null;
  const worker = { postMessage: vi.fn() };
  const pushManager = {
    getSubscription: vi.fn(async () => current),
    subscribe: vi.fn(async (_o: PushSubscriptionOptionsInit) => {
      current = { endpoint: SUBSCRIPTION.endpoint, toJSON: () => SUBSCRIPTION,
        unsubscribe: vi.fn(async () => true) } as unknown as PushSubscription;
      return current;
    }),
  };
  // A first registration: the worker installs, then activates a moment later.
  let activate: () => void = () => {};
  const installing = {
    state: "installing",
    addEventListener: (_t: string, l: () => void) => (activate = l),
  };
  const registration: Record<string, unknown> = { active: null, installing, pushManager };
  const sw = {
    register: vi.fn(async () => {
      if (!registration.active) {
        Promise.resolve().then(() => {
          installing.state = "activated";
          Object.assign(registration, { active: worker, installing: null });
          activate();
        });
      }
      return registration;
    }),
    ready: Promise.resolve(registration),
    getRegistration: vi.fn(async () => (sw.register.mock.calls.length ? registration : undefined)),
  };
  Object.defineProperty(navigator, "serviceWorker", { value: sw, configurable: true });
  vi.stubGlobal("PushManager", class {});
  const N = { permission, requestPermission: vi.fn(async () => (N.permission = answer)) };
  vi.stubGlobal("Notification", N);
  return { sw, worker, pushManager, N };
}

const prompt = () => document.querySelector("[data-herald-prompt]")?.shadowRoot;
const buttons = () => Array.from(prompt()!.querySelectorAll("button"));

describe("web push", () => {
  let client: Client;
  beforeEach(() => {
    vi.useFakeTimers();
    localStorage.clear();
  });
  afterEach(() => {
    client?.destroy();
    document.querySelectorAll("[data-herald-prompt]").forEach((e) => e.remove());
    delete (navigator as unknown as Record<string, unknown>).serviceWorker;
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  const start = (push = {}) =>
    (client = init({ writeKey: "wk_1", host: HOST, autoPage: false, inapp: false, push }));

  it("asks softly first, then the browser, then subscribes and registers the device", async () => {
    const net = fakeFetch((s) => (s.url.includes("/webpush/key") ? ok({ publicKey: KEY }) : ok()));
    const b = fakeBrowser("default");
    const h = start({ prompt: { title: "News?", text: "We send a few.", allow: "Yes", later: "Later" } });
    h.identify("u_42", {}, { userHash: "hh" });
    const result = h.push.subscribe();
    await settle();
    const dialog = prompt()!.querySelector("[role=dialog]")!;
    expect(dialog.querySelector("h2")!.textContent).toBe("News?");
    expect(dialog.getAttribute("aria-labelledby")).toBe("t");
    expect(buttons().map((x) => x.textContent)).toEqual(["Later", "Yes"]);
    expect(b.N.requestPermission).not.toHaveBeenCalled();
    buttons()[1].click();
    expect(b.N.requestPermission).toHaveBeenCalledTimes(1); // inside the click: the user gesture browsers need
    await expect(result).resolves.toEqual({ state: "subscribed", endpoint: SUBSCRIPTION.endpoint });
    expect(prompt()).toBeUndefined();
    expect(b.sw.register).toHaveBeenCalledWith("/herald-sw.js");
    expect(net.sent.find((s) => s.url.includes("/webpush/key"))!.url).toBe(HOST + "/v1/push/webpush/key?writeKey=wk_1");
    const options = b.pushManager.subscribe.mock.calls[0][0];
    expect(options.userVisibleOnly).toBe(true);
    expect(Array.from(options.applicationServerKey as Uint8Array)).toEqual([4, 0, 1, 255, 239]);
    expect(b.worker.postMessage).toHaveBeenCalledWith(expect.objectContaining({ type: "herald-config", host: HOST,
      writeKey: "wk_1", userId: "u_42", userHash: "hh" }));
    await settle();
    const device = net.sent.find((s) => s.url.startsWith(HOST + "/v1/devices"))!;
    expect(device.body).toMatchObject({ userId: "u_42", platform: "web", provider: "webpush", pushEnabled: true,
      token: JSON.stringify(SUBSCRIPTION), writeKey: "wk_1" });
  });

  it("remembers Not now for the configured time and does not ask the browser", async () => {
    fakeFetch(ok());
    const b = fakeBrowser("default");
    const h = start({ remindAfterDays: 2 });
    const first = h.push.subscribe();
    await settle();
    buttons()[0].click();
    await expect(first).resolves.toEqual({ state: "dismissed" });
    await expect(h.push.subscribe()).resolves.toEqual({ state: "dismissed" });
    expect(prompt()).toBeUndefined();
    vi.setSystemTime(Date.now() + 2 * 86400000 + 1);
    h.push.subscribe();
    await settle();
    expect(prompt()).toBeTruthy();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(b.N.requestPermission).not.toHaveBeenCalled();
  });

  it("does not prompt when the browser already refused, and reports browsers without push", async () => {
    fakeFetch(ok());
    fakeBrowser("denied");
    const h = start();
    await expect(h.push.subscribe()).resolves.toEqual({ state: "denied" });
    expect(h.push.permission).toBe("denied");
    expect(prompt()).toBeUndefined();
    delete (navigator as unknown as Record<string, unknown>).serviceWorker;
    await expect(h.push.subscribe()).resolves.toEqual({ state: "unsupported" });
    expect(h.push.permission).toBe("unsupported");
  });

  it("skips the prompt once permission is granted, and says when the workspace has no web push key", async () => {
    fakeFetch((s) => (s.url.includes("/webpush/key") ? status(404) : ok()));
    fakeBrowser("granted");
    const r = await start().push.subscribe();
    expect(r.state).toBe("error");
    expect(r.error).toContain("404");
    expect(prompt()).toBeUndefined();
  });

  it("moves the device to the new identity on reset, and unsubscribes", async () => {
    const net = fakeFetch((s) => (s.url.includes("/webpush/key") ? ok({ publicKey: KEY }) : ok()));
    const b = fakeBrowser("granted");
    const h = start();
    await h.push.subscribe();
    h.identify("u_1", {}, { userHash: "x" });
    h.reset();
    await settle();
    await settle();
    const devices = net.sent.filter((s) => s.url.startsWith(HOST + "/v1/devices") && s.method == "POST");
    expect(devices[devices.length - 1].body.userId).toBeUndefined();
    expect(devices[devices.length - 1].body.anonymousId).toBe(h.anonymousId());
    expect(b.worker.postMessage).toHaveBeenLastCalledWith(expect.objectContaining({ userId: null,
      anonymousId: h.anonymousId() }));
    await expect(h.push.unsubscribe()).resolves.toBe(true);
    const del = net.sent.find((s) => s.method == "DELETE")!;
    expect(del.body.token).toBe(JSON.stringify(SUBSCRIPTION));
  });

  it("decodes base64url keys", () => {
    expect(Array.from(keyBytes("AQID"))).toEqual([1, 2, 3]);
    expect(Array.from(keyBytes("_-8"))).toEqual([255, 239]);
  });
});
