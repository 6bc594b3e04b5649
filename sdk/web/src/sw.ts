// Herald's web push service worker (served at /sdk/herald-sw.js; host a copy on your own origin, e.g. at
// /herald-sw.js). It shows the notifications Herald's web push provider sends and reports delivered, opened and
// dismissed to POST /v1/push/events, as the person the page last said it is.

/** The JSON payload Herald's web push provider encrypts into each push. */
export interface PushPayload {
  deliveryId: string;
  title: string;
  body?: string;
  icon?: string;
  image?: string;
  badge?: string;
  actions?: Array<{ action: string; title: string; deepLink?: string; url?: string }>;
  deepLink?: string;
  data?: Record<string, unknown>;
  tag?: string;
}

/** What the page posts (herald-config): where to report and as whom. */
export interface Config {
  host: string;
  writeKey: string;
  userId?: string | null;
  userHash?: string | null;
  anonymousId?: string;
}

/** The part of ServiceWorkerGlobalScope the worker uses (tests give a fake). */
export interface Scope {
  registration: { showNotification(title: string, options?: NotificationOptions): Promise<void> };
  clients: {
    matchAll(o?: ClientQueryOptions): Promise<ReadonlyArray<Client>>;
    openWindow(url: string): Promise<WindowClient | null>;
  };
  caches: CacheStorage;
  location: { origin: string };
  addEventListener(type: string, listener: (e: any) => void): void;
}

const CACHE = "herald-sw";
const CONFIG_URL = "/__herald/config";

/**
 * Adds Herald's listeners to a worker scope. It leaves the worker's lifecycle (skipWaiting, clients.claim) alone, so
 * it can be imported into a site's own worker: push events reach the registration whether or not it controls a page.
 */
export function install(scope: Scope) {
  let config: Config | null = null;

  // Workers are stopped between events, so the config lives in Cache storage and memory only speeds it up.
  async function load(): Promise<Config | null> {
    if (config) return config;
    try {
      const r = await (await scope.caches.open(CACHE)).match(CONFIG_URL);
      config = r ? await r.json() : null;
    } catch {
      config = null;
    }
    return config;
  }

  async function save(c: Config) {
    config = c;
    const cache = await scope.caches.open(CACHE);
    await cache.put(CONFIG_URL, new Response(JSON.stringify(c), { headers: { "Content-Type": "application/json" } }));
  }

  async function report(deliveryId: unknown, type: string, actionId?: string) {
    const c = await load();
    if (!c || typeof deliveryId != "string" || !deliveryId) return;
    const who = c.userId ? { userId: c.userId, userHash: c.userHash } : { anonymousId: c.anonymousId };
    try {
      await fetch(c.host + "/v1/push/events?writeKey=" + encodeURIComponent(c.writeKey), {
        method: "POST",
        headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: JSON.stringify({ deliveryId, type, ...(actionId ? { actionId } : {}), ...who }),
        credentials: "omit",
      });
    } catch {
      // offline: an engagement report is not worth keeping the worker alive for
    }
  }

  scope.addEventListener("message", (e: ExtendableMessageEvent) => {
    const d = e.data as (Config & { type?: string }) | null;
    if (d && d.type == "herald-config" && typeof d.host == "string" && typeof d.writeKey == "string") {
      const c: Config = { host: d.host, writeKey: d.writeKey, userId: d.userId, userHash: d.userHash,
        anonymousId: d.anonymousId };
      e.waitUntil(save(c));
    }
  });

  scope.addEventListener("push", (e: PushEvent) => {
    let p: PushPayload;
    try {
      p = e.data ? e.data.json() : null;
    } catch {
      p = { deliveryId: "", title: e.data ? e.data.text() : "" };
    }
    if (!p || typeof p != "object") return;
    const options: NotificationOptions & { image?: string; actions?: Array<{ action: string; title: string }> } = {
      body: p.body,
      icon: p.icon,
      image: p.image,
      badge: p.badge,
      tag: p.tag,
      data: { deliveryId: p.deliveryId, deepLink: p.deepLink, actions: p.actions, data: p.data },
    };
    if (Array.isArray(p.actions)) options.actions = p.actions.map((a) => ({ action: a.action, title: a.title }));
    e.waitUntil(
      Promise.all([
        scope.registration.showNotification(p.title || "", options),
        report(p.deliveryId, "delivered"),
      ]),
    );
  });

  scope.addEventListener("notificationclick", (e: NotificationEvent) => {
    const n = e.notification;
    const d = (n.data || {}) as { deliveryId?: string; deepLink?: string; actions?: PushPayload["actions"];
      data?: Record<string, unknown> };
    n.close();
    const url = link(d, e.action);
    e.waitUntil(Promise.all([open(url), report(d.deliveryId, "opened", e.action || undefined)]));
  });

  scope.addEventListener("notificationclose", (e: NotificationEvent) => {
    const d = (e.notification.data || {}) as { deliveryId?: string };
    e.waitUntil(report(d.deliveryId, "dismissed"));
  });

  // Focus a tab already on the link (or on the site, navigating it) rather than opening another one.
  async function open(url: string | undefined) {
    const target = new URL(url || "/", scope.location.origin).href;
    const tabs = (await scope.clients.matchAll({ type: "window", includeUncontrolled: true })) as WindowClient[];
    const same = tabs.find((t) => t.url == target);
    if (same) return same.focus();
    const site = tabs.find((t) => new URL(t.url).origin == new URL(target).origin);
    if (site && site.navigate) {
      try {
        const navigated = await site.navigate(target);
        if (navigated) return navigated.focus();
      } catch {
        // not controlled by this worker: open a new tab instead
      }
    }
    return scope.clients.openWindow(target);
  }
}

/**
 * The link a click opens: the clicked action's own (on the action in the payload, or in data.actions as a list
 * of {action, deepLink|url} or a map of action → link), else the message's deep link.
 */
export function link(
  d: { deepLink?: string; actions?: PushPayload["actions"]; data?: Record<string, unknown> },
  action: string,
): string | undefined {
  if (action) {
    const find = (list: unknown) =>
      Array.isArray(list)
        ? list.find((a) => a && a.action == action)
        : list && typeof list == "object"
          ? { deepLink: (list as Record<string, unknown>)[action] }
          : undefined;
    for (const a of [find(d.actions), find(d.data && d.data.actions)]) {
      const l = a && (a.deepLink || a.url);
      if (typeof l == "string" && l) return l;
    }
  }
  return d.deepLink;
}

const G = globalThis as unknown as { ServiceWorkerGlobalScope?: new () => unknown };
if (G.ServiceWorkerGlobalScope && globalThis instanceof G.ServiceWorkerGlobalScope) {
  install(globalThis as unknown as Scope);
}
