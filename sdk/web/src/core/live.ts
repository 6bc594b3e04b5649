import type { InApp, InAppMessage, Styles } from "../types";
import { backoff, query } from "./util";

/** Who the client acts as on the client API: a verified userId, or the anonymousId. */
export interface Identity {
  userId?: string | null;
  userHash?: string | null;
  anonymousId: string;
}

export interface LiveOptions {
  host: string;
  writeKey: string;
  sessionId: string;
  inapp: InApp;
  identity(): Identity;
}

export const POLL_MS = 30000;
const POLL_MAX_MS = 300000;
/** Errors in a row, without the stream opening in between, after which the client falls back to polling. */
export const STREAM_FAILURES = 3;

/**
 * The identity parameters of the client API: a userId only with its hash, since without one the client may act
 * only as its anonymousId (API.md "Identity verification").
 */
export function identityParams(id: Identity): Record<string, string> {
  return id.userId && id.userHash ? { userId: id.userId, userHash: id.userHash } : { anonymousId: id.anonymousId };
}

/**
 * Keeps the in-app part supplied with the person's eligible messages: the full list once (GET
 * /v1/inapp/messages), then live changes over Server-Sent Events. When EventSource is missing or the stream keeps
 * failing, it polls the list instead (every 30 s, backing off while Herald is unreachable) and tries the stream
 * again after each poll that works. start() begins again for a new identity.
 */
export function createLive(o: LiveOptions) {
  let gen = 0; // bumped on every start/stop so answers for an old identity are ignored
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastId = "";
  let failures = 0;
  let listed = false; // a full list arrived (or is on its way) for this identity

  const params = () => ({ writeKey: o.writeKey, ...identityParams(o.identity()), sessionId: o.sessionId });

  async function list(g: number): Promise<boolean> {
    listed = true;
    try {
      const r = await fetch(o.host + "/v1/inapp/messages" + query(params()), { credentials: "omit" });
      if (r.ok) {
        const j = (await r.json()) as { data?: InAppMessage[]; styles?: Styles };
        if (g != gen) return true;
        if (j.styles) o.inapp.setStyles(j.styles);
        o.inapp.replace(Array.isArray(j.data) ? j.data : []);
        return true;
      }
    } catch {
      // unreachable: the stream's next open, or the next poll, asks again
    }
    if (g == gen) listed = false;
    return false;
  }

  function open(g: number) {
    if (g != gen) return;
    const ES = globalThis.EventSource;
    if (!ES) return poll(g, POLL_MS, 0);
    let s: EventSource;
    try {
      s = new ES(o.host + "/v1/inapp/stream" + query({ ...params(), lastEventId: lastId }));
    } catch {
      return poll(g, POLL_MS, 0);
    }
    source = s;
    const on = (type: string, f: (data: any) => void) =>
      s.addEventListener(type, (e) => {
        const m = e as MessageEvent;
        if (g != gen) return;
        if (m.lastEventId) lastId = m.lastEventId;
        try {
          f(JSON.parse(m.data));
        } catch {
          // a malformed event is skipped; the next full list repairs anything missed
        }
      });
    s.onopen = () => {
      failures = 0;
      // The first list may have failed while Herald was unreachable: the stream only carries changes.
      if (!listed) list(g);
    };
    on("styles", (d) => d && o.inapp.setStyles(d));
    on("message", (d) => d && d.deliveryId && o.inapp.add(d));
    on("withdraw", (d) => d && d.deliveryId && o.inapp.withdraw(d.deliveryId));
    s.onerror = () => {
      if (g != gen) return;
      failures++;
      // EventSource retries by itself (resending Last-Event-ID) while CONNECTING; CLOSED means it gave up.
      if (failures < STREAM_FAILURES && s.readyState != 2) return;
      s.close();
      source = null;
      if (failures >= STREAM_FAILURES) poll(g, POLL_MS, 0);
      else timer = setTimeout(() => open(g), backoff(failures, 2000, 30000));
    };
  }

  function poll(g: number, delay: number, misses: number) {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (g != gen) return;
      const ok = await list(g);
      if (g != gen) return;
      if (ok && globalThis.EventSource) return open(g);
      poll(g, ok ? POLL_MS : Math.min(POLL_MAX_MS, backoff(misses + 1, POLL_MS, POLL_MAX_MS)), ok ? 0 : misses + 1);
    }, delay);
  }

  function stop() {
    gen++;
    clearTimeout(timer);
    if (source) source.close();
    source = null;
  }

  return {
    start() {
      stop();
      const g = gen;
      lastId = "";
      failures = 0;
      listed = false;
      list(g);
      open(g);
    },
    stop,
  };
}

export type Live = ReturnType<typeof createLive>;
