import type { Store } from "../types";
import { backoff, iso, query } from "./util";

/**
 * One pending request body. Tracking calls (path "/v1/batch") travel together, up to 20 per request; anything
 * else (in-app events, device registrations) is posted on its own.
 */
export interface Item {
  p: string;
  b: Record<string, unknown>;
}

export interface QueueOptions {
  host: string;
  writeKey: string;
  store: Store;
  now(): number;
}

export const BATCH = "/v1/batch";
export const MAX_BATCH = 20;
/**
 * How long calls wait for company before they are sent: short, because a tracked event may trigger an in-app
 * message the person should see at once; a burst (page view + identify + track) still goes as one request.
 */
export const FLUSH_MS = 100;
/** Bounded so a long offline spell cannot fill the page's storage; the oldest go first. */
export const MAX_ITEMS = 300;
const KEY = "herald.queue";
const KEEPALIVE_BYTES = 60000; // browsers allow 64 KB in flight for keepalive requests

/**
 * The outbox: persisted in the store so calls made offline or just before the page closed are sent on a later
 * page load (the server drops repeated messageIds), retried with backoff on network errors, 5xx, 408 and 429
 * (honoring Retry-After), dropped on other 4xx (they would fail again; a refused batch is first retried call by
 * call, so only the bad call is lost).
 */
export function createQueue(o: QueueOptions) {
  let items: Item[] = [];
  try {
    const stored = JSON.parse(o.store.get(KEY) || "[]");
    if (Array.isArray(stored)) items = stored.filter((i) => i && typeof i.p == "string" && i.b);
  } catch {
    // unreadable: start empty
  }
  let sending: Item[] = []; // the one regular request in flight
  let hiding: Item[] = []; // keepalive requests sent as the page went away
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let retryAt = 0;
  let solo = 0; // requests left to send one call each, after a refused batch

  const id = (i: Item) => (i.p == BATCH ? String(i.b.messageId) : "");
  const known: Record<string, 1> = {};
  const know = (i: Item) => (known[id(i)] = 1);
  items.forEach(know);
  // Tabs share the stored queue: keep the calls other tabs stored and have not sent (whoever loads the page next
  // sends them; a call sent twice is dropped by its messageId), instead of overwriting them with this tab's.
  const save = () => {
    let others: Item[] = [];
    try {
      others = (JSON.parse(o.store.get(KEY) || "[]") as Item[]).filter((i) => i && i.p == BATCH && !known[id(i)]);
    } catch {
      // unreadable: this tab's items replace it
    }
    o.store.set(KEY, JSON.stringify(others.concat(items).slice(-MAX_ITEMS)));
  };
  const remove = (done: Item[]) => {
    items = items.filter((i) => done.indexOf(i) < 0);
    save();
  };
  const wait = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  };

  function request(group: Item[], sentAt: string, keepalive: boolean): Promise<Response> {
    const first = group[0];
    const body =
      first.p == BATCH
        ? { batch: group.map((i) => ({ ...i.b, sentAt })), sentAt, writeKey: o.writeKey }
        : { ...first.b, writeKey: o.writeKey };
    // text/plain keeps these simple CORS requests (no preflight); the key rides in the body, and in the query for
    // the client API routes, which read it there.
    return fetch(o.host + first.p + (first.p == BATCH ? "" : query({ writeKey: o.writeKey })), {
      method: "POST",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(body),
      credentials: "omit",
      keepalive,
    });
  }

  /** The next request's items: up to MAX_BATCH tracking calls, or the first other item. */
  function next(from: Item[]): Item[] {
    const first = from[0];
    return first.p == BATCH && !solo ? from.filter((i) => i.p == BATCH).slice(0, MAX_BATCH) : [first];
  }

  async function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const ready = items.filter((i) => hiding.indexOf(i) < 0);
    if (sending.length || !ready.length) return;
    const wait_ = retryAt - o.now();
    if (wait_ > 0) return wait(wait_);
    const group = (sending = next(ready));
    let status = 0;
    let retryAfter: string | null = null;
    try {
      const r = await request(group, iso(o.now()), false);
      status = r.status;
      retryAfter = r.headers.get("Retry-After");
    } catch {
      // network error: status 0, retried
    }
    sending = [];
    if (status && status != 408 && status != 429 && status < 500) {
      attempt = 0;
      retryAt = 0;
      if (solo) solo--;
      // Herald takes a batch all or nothing: one bad call must not cost the others, so they go again one by one.
      if (status >= 400 && group.length > 1) solo = group.length;
      else remove(group);
      return flush();
    }
    attempt++;
    const delay = retryDelay(retryAfter, o.now()) ?? backoff(attempt, 1000, 60000);
    retryAt = o.now() + delay;
    wait(delay);
  }

  return {
    push(item: Item) {
      know(item);
      items.push(item);
      if (items.length > MAX_ITEMS) items.splice(0, items.length - MAX_ITEMS);
      save();
      if (retryAt > o.now()) return; // backing off: the retry timer sends it
      const calls = items.filter((i) => i.p == BATCH).length;
      if (calls >= MAX_BATCH || item.p != BATCH) flush();
      else if (!timer) wait(FLUSH_MS);
    },
    flush,
    /** The network may be back: retry now rather than at the end of the backoff. */
    online() {
      retryAt = 0;
      return flush();
    },
    /**
     * The page is going away: send everything not already in flight with keepalive requests, which outlive the
     * page. Items stay stored until answered, so one cut off is sent on the next load.
     */
    hide() {
      let rest = items.filter((i) => sending.indexOf(i) < 0 && hiding.indexOf(i) < 0);
      let budget = KEEPALIVE_BYTES;
      const sentAt = iso(o.now());
      while (rest.length) {
        const group = next(rest);
        rest = rest.filter((i) => group.indexOf(i) < 0);
        budget -= JSON.stringify(group).length;
        if (budget < 0) break;
        hiding = hiding.concat(group);
        const done = () => (hiding = hiding.filter((i) => group.indexOf(i) < 0));
        request(group, sentAt, true).then((r) => {
          done();
          if (r.status < 500 && r.status != 429 && r.status != 408) remove(group);
        }, done);
      }
    },
    size: () => items.length,
  };
}

/** Retry-After as seconds or an HTTP date, capped at ten minutes; undefined when absent or unreadable. */
export function retryDelay(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  const ms = isNaN(s) ? Date.parse(header) - now : s * 1000;
  return isNaN(ms) ? undefined : Math.min(Math.max(ms, 0), 600000);
}

export type Queue = ReturnType<typeof createQueue>;
