// The global `Herald` of /sdk/herald.js: `Herald.init(options)` returns the client API.md's "Web SDK" shows.
import { createInApp } from "./inapp/index";
import { createLive, identityParams, type Identity, type Live } from "./core/live";
import { createPush, type PushOptions } from "./core/push";
import { BATCH, createQueue } from "./core/queue";
import { createStore } from "./core/store";
import { iso, safe, uuid, VERSION, warn } from "./core/util";
import type { CallbackPayload, CallbackType, InApp, InAppEvent } from "./types";

export type { PushOptions, PushResult, PushState } from "./core/push";
export type { PromptTexts } from "./core/prompt";

export interface Options {
  writeKey: string;
  /** Herald's base URL; defaults to the origin this script was loaded from. */
  host?: string;
  /** Track a page view on load and on SPA navigation (default true). */
  autoPage?: boolean;
  /** Open the live stream and show in-app messages (default true). */
  inapp?: boolean;
  /** Web push: the soft prompt's texts and where herald-sw.js is hosted. */
  push?: PushOptions;
}

type Props = Record<string, unknown>;
type Listener = (p: CallbackPayload) => void;

// Captured while the script runs: afterwards document.currentScript is null.
const SCRIPT_ORIGIN = (() => {
  try {
    const s = document.currentScript as HTMLScriptElement | null;
    return s && s.src ? new URL(s.src).origin : "";
  } catch {
    return "";
  }
})();

const AID = "herald.aid";
const UID = "herald.uid";
const UHASH = "herald.uh";

export function init(options: Options) {
  const writeKey = String(options.writeKey || "");
  const host = String(options.host || SCRIPT_ORIGIN).replace(/\/+$/, "");
  if (!writeKey || !host) warn("init needs a writeKey and a host; nothing will reach Herald");
  const store = createStore();
  const now = () => Date.now();
  const sessionId = uuid(); // one per page load: the stream and in-app events name it
  const queue = createQueue({ host, writeKey, store, now });

  const id: Identity = { anonymousId: store.get(AID) || "", userId: store.get(UID), userHash: store.get(UHASH) };
  const newAnonymous = () => store.set(AID, (id.anonymousId = uuid()));
  if (!id.anonymousId) newAnonymous();
  const identity = () => ({ ...id });

  const listeners: Partial<Record<CallbackType, Listener[]>> = {};
  const emit = (type: CallbackType, payload: CallbackPayload) => {
    for (const l of (listeners[type] || []).slice()) safe(l)(payload);
  };
  const report = (event: InAppEvent) =>
    queue.push({ p: "/v1/inapp/events", b: { ...event, ...identityParams(id), sessionId } });

  const enabled = options.inapp !== false;
  const autoPage = options.autoPage !== false;
  const nothing = () => {};
  // Tracking must survive an in-app part that fails to start.
  const inapp: InApp = (enabled && safe(createInApp)({ window, store, now, report, emit })) || {
    replace: nothing, add: nothing, withdraw: nothing, setStyles: nothing, page: nothing, event: nothing,
    pause: nothing, resume: nothing, clear: nothing, destroy: nothing };
  const live: Live | null = enabled ? createLive({ host, writeKey, sessionId, inapp, identity }) : null;
  const push = createPush({
    host,
    writeKey,
    store,
    now,
    identity,
    options: options.push || {},
    register: (b) => queue.push({ p: "/v1/devices", b }),
  });

  /** The identity changed: the stream, the service worker and the push device follow it. */
  const switched = () => {
    if (live) live.start();
    push.sync(true);
  };

  function pageInfo() {
    return {
      path: location.pathname,
      url: location.href.split("#")[0],
      title: document.title,
      referrer: referrer,
      search: location.search,
    };
  }

  function call(type: string, fields: Props) {
    const c: Props = {
      type,
      messageId: uuid(),
      timestamp: iso(now()),
      anonymousId: id.anonymousId,
      context: {
        library: { name: "herald-web", version: VERSION },
        page: pageInfo(),
        userAgent: navigator.userAgent,
        locale: navigator.language,
        timezone: timezone(),
      },
      ...fields,
    };
    if (id.userId) c.userId = id.userId;
    queue.push({ p: BATCH, b: c });
  }

  let referrer = document.referrer;
  let lastUrl = "";

  function page(name?: string | Props, properties?: Props) {
    if (name && typeof name == "object") {
      properties = name;
      name = undefined;
    }
    const info = pageInfo();
    call("page", { ...(name ? { name } : {}), properties: { ...info, ...(properties || {}) } });
    lastUrl = location.pathname + location.search;
    inapp.page(location.pathname);
  }

  // SPA navigation: a page view when the path or query changes (not on hash changes or same-URL replaceState).
  // Without autoPage the in-app display rules still follow the location.
  const navigated = safe(() => {
    const url = location.pathname + location.search;
    if (url == lastUrl) return;
    referrer = location.origin + lastUrl;
    if (autoPage) return page();
    lastUrl = url;
    inapp.page(location.pathname);
  });

  const client = {
    identify: safe((userId?: string | Props | null, traits?: Props, opts?: { userHash?: string }) => {
      if (userId && typeof userId == "object") {
        opts = traits as { userHash?: string };
        traits = userId;
        userId = id.userId;
      }
      const user = userId ? String(userId) : null;
      const hash = (opts && opts.userHash) || (user == id.userId ? id.userHash : null) || null;
      const changed = user != id.userId || hash != id.userHash;
      // Another user on this browser: a fresh anonymous id, so the next call does not link the two people.
      if (id.userId && user && user != id.userId) newAnonymous();
      id.userId = user;
      id.userHash = hash;
      if (user) store.set(UID, user);
      if (hash) store.set(UHASH, hash);
      else store.remove(UHASH);
      call("identify", { traits: traits || {} });
      if (changed) switched();
    }),
    track: safe((event: string, properties?: Props) => {
      if (!event) return warn("track needs an event name");
      call("track", { event: String(event), properties: properties || {} });
      inapp.event(String(event), properties || {});
    }),
    page: safe(page),
    alias: safe((userId: string, previousId?: string) => {
      if (!userId) return warn("alias needs a userId");
      call("alias", { userId: String(userId), previousId: previousId || id.userId || id.anonymousId });
    }),
    /** Forgets the user (logout): a new anonymous id, no userId, and none of the previous person's messages. */
    reset: safe(() => {
      id.userId = id.userHash = null;
      store.remove(UID);
      store.remove(UHASH);
      newAnonymous();
      inapp.clear();
      switched();
    }),
    /** Sends what is queued now (also ends a backoff wait); resolves when that attempt is answered. */
    flush: () => {
      try {
        return queue.online();
      } catch (e) {
        warn(e);
        return Promise.resolve();
      }
    },
    anonymousId: () => id.anonymousId,
    userId: () => id.userId || null,
    inapp: {
      on: safe((type: CallbackType, l: Listener) => {
        (listeners[type] = listeners[type] || []).push(l);
      }),
      off: safe((type: CallbackType, l?: Listener) => {
        listeners[type] = l ? (listeners[type] || []).filter((x) => x != l) : [];
      }),
      pause: safe(() => inapp.pause()),
      resume: safe(() => inapp.resume()),
    },
    push: {
      subscribe: () => push.subscribe().catch((e) => ({ state: "error" as const, error: String(e) })),
      unsubscribe: () => push.unsubscribe(),
      get permission() {
        return push.permission;
      },
    },
    /** Stops the stream, listeners and rendering (for single-page apps that tear the SDK down). */
    destroy: safe(() => {
      if (live) live.stop();
      inapp.destroy();
      for (const [t, f] of handlers) removeEventListener(t, f);
      document.removeEventListener("visibilitychange", visibility);
    }),
  };

  const visibility = safe(() => (document.visibilityState == "hidden" ? queue.hide() : queue.flush()));
  const handlers: Array<[string, () => void]> = [
    ["pagehide", safe(() => queue.hide())],
    ["online", safe(() => queue.online())],
  ];
  try {
    document.addEventListener("visibilitychange", visibility);
    patchHistory();
    handlers.push(["popstate", navigated], ["herald:navigate", navigated]);
    for (const [t, f] of handlers) addEventListener(t, f);
    if (queue.size()) queue.flush(); // left over from an earlier page
    if (live) live.start();
    push.sync(false);
    if (autoPage) page();
    else navigated();
  } catch (e) {
    warn(e);
  }
  return client;
}

export type Client = ReturnType<typeof init>;

function timezone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** pushState/replaceState fire no event; wrap them once per page so every client hears "herald:navigate". */
function patchHistory() {
  const h = history as History & { __herald?: boolean };
  if (h.__herald) return;
  h.__herald = true;
  for (const name of ["pushState", "replaceState"] as const) {
    const original = h[name];
    h[name] = function (this: History, ...args: Parameters<History["pushState"]>) {
      const r = original.apply(this, args);
      try {
        dispatchEvent(new Event("herald:navigate"));
      } catch {
        // never break the app's navigation
      }
      return r;
    };
  }
}
