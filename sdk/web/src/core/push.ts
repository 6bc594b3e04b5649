import type { Store } from "../types";
import { identityParams, type Identity } from "./live";
import { softPrompt, type PromptTexts } from "./prompt";
import { query } from "./util";

export interface PushOptions {
  /** The soft pre-prompt's texts. */
  prompt?: PromptTexts;
  /** Where herald-sw.js is hosted on your origin (default "/herald-sw.js"); its folder is its scope. */
  serviceWorker?: string;
  /** How long "Not now" keeps the prompt away, in days (default 7). */
  remindAfterDays?: number;
}

/**
 * What subscribe() came to: `subscribed` (the device is registered), `denied` (the browser refuses
 * notifications), `dismissed` ("Not now", now or recently), `default` (the browser prompt was closed unanswered),
 * `unsupported` (no service workers or Push API), `error` (registration or subscription failed).
 */
export type PushState = "subscribed" | "denied" | "dismissed" | "default" | "unsupported" | "error";

export interface PushResult {
  state: PushState;
  endpoint?: string;
  error?: string;
}

/** What the service worker needs to report engagement (it keeps it in Cache storage; workers are short-lived). */
export interface WorkerConfig extends Identity {
  type: "herald-config";
  host: string;
  writeKey: string;
}

interface PushDeps {
  host: string;
  writeKey: string;
  store: Store;
  now(): number;
  identity(): Identity;
  options: PushOptions;
  /** Posts a device registration through the outbox. */
  register(body: Record<string, unknown>): void;
}

const LATER = "herald.push.later";

/** Turns the base64url public key into the bytes applicationServerKey takes. */
export function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64url.length + 3) % 4));
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * The registration once its worker is active: pushManager.subscribe needs an active worker, and
 * navigator.serviceWorker.ready would wait forever when the worker's scope does not cover this page.
 */
function activated(reg: ServiceWorkerRegistration): Promise<ServiceWorkerRegistration> {
  return new Promise((resolve) => {
    const w = reg.installing || reg.waiting;
    if (reg.active || !w) return resolve(reg);
    w.addEventListener("statechange", () => w.state == "activated" && resolve(reg));
  });
}

export function createPush(d: PushDeps) {
  const swUrl = d.options.serviceWorker || "/herald-sw.js";
  const supported = () =>
    typeof navigator != "undefined" && "serviceWorker" in navigator && "PushManager" in globalThis &&
    "Notification" in globalThis;

  const config = (): WorkerConfig => ({ type: "herald-config", host: d.host, writeKey: d.writeKey, ...d.identity() });

  async function registration(): Promise<ServiceWorkerRegistration | undefined> {
    return supported() ? navigator.serviceWorker.getRegistration(swUrl) : undefined;
  }

  /** Gives the worker the current identity (init, identify, reset), and moves the device to it. */
  async function sync(registerDevice: boolean) {
    try {
      const reg = await registration();
      if (!reg) return;
      const w = reg.active || reg.waiting || reg.installing;
      if (w) w.postMessage(config());
      if (!registerDevice || Notification.permission != "granted") return;
      const sub = await reg.pushManager.getSubscription();
      if (sub) device(sub);
    } catch {
      // no worker yet, or the browser refused: nothing to tell
    }
  }

  function device(sub: PushSubscription) {
    const id = d.identity();
    d.register({
      ...(id.userId ? { userId: id.userId } : {}),
      anonymousId: id.anonymousId,
      token: JSON.stringify(sub),
      platform: "web",
      provider: "webpush",
      pushEnabled: true,
    });
  }

  async function subscribe(): Promise<PushResult> {
    if (!supported()) return { state: "unsupported" };
    let permission = Notification.permission as string;
    if (permission == "denied") return { state: "denied" };
    if (permission != "granted") {
      if (Number(d.store.get(LATER) || 0) > d.now()) return { state: "dismissed" };
      let asked: Promise<NotificationPermission> | undefined;
      const yes = await softPrompt(d.options.prompt || {}, () => (asked = Notification.requestPermission()));
      if (!yes) {
        d.store.set(LATER, String(d.now() + (d.options.remindAfterDays ?? 7) * 86400000));
        return { state: "dismissed" };
      }
      permission = await (asked || Notification.requestPermission());
      if (permission != "granted") return { state: permission == "denied" ? "denied" : "default" };
    }
    d.store.remove(LATER);
    try {
      const reg = await activated(await navigator.serviceWorker.register(swUrl));
      reg.active!.postMessage(config());
      let sub = await reg.pushManager.getSubscription();
      if (!sub) {
        const r = await fetch(d.host + "/v1/push/webpush/key" + query({ writeKey: d.writeKey }), { credentials: "omit" });
        if (!r.ok) return { state: "error", error: "web push key: HTTP " + r.status };
        const { publicKey } = (await r.json()) as { publicKey: string };
        sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
      }
      device(sub);
      return { state: "subscribed", endpoint: sub.endpoint };
    } catch (e) {
      return { state: "error", error: String(e) };
    }
  }

  async function unsubscribe(): Promise<boolean> {
    try {
      const reg = await registration();
      const sub = reg && (await reg.pushManager.getSubscription());
      if (!sub) return false;
      const token = JSON.stringify(sub);
      await sub.unsubscribe();
      await fetch(d.host + "/v1/devices", {
        method: "DELETE",
        headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: JSON.stringify({ token, writeKey: d.writeKey, ...identityParams(d.identity()) }),
        credentials: "omit",
      });
      return true;
    } catch {
      return false;
    }
  }

  return {
    subscribe,
    unsubscribe,
    sync,
    get permission(): NotificationPermission | "unsupported" {
      return supported() ? Notification.permission : "unsupported";
    },
  };
}
