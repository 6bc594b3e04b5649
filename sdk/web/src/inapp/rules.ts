// The display rules a message carries that the client decides: pages, frequency, expiry. What a person has seen
// lives in the SDK's durable store, so "once" and "max N per period" hold across reloads and tabs.
import type { Display, InAppMessage, Store } from "../types";

const SEEN = "herald:inapp:seen";
const SESSION = "herald:inapp:session";
const IDLE = 30 * 60e3;
const KEEP = 200;

/** `*` matches within one path segment, `**` across segments; a trailing slash does not matter. */
export function glob(pattern: string, path: string): boolean {
  const trim = (s: string) => (s.length > 1 ? s.replace(/\/$/, "") : s);
  const re = trim(pattern)
    .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\*\*?/g, (s) => (s.length > 1 ? ".*" : "[^/]*"));
  return new RegExp("^" + re + "$").test(trim(path));
}

/** Whether the page (a URL path, query and hash left out, or a screen name) passes pages and excludePages. */
export function pageOk(d: Display, page: string): boolean {
  const p = page[0] == "/" ? page.replace(/[?#].*/, "") : page;
  const any = (l?: string[]) => !!l && l.some((g) => glob(g, p));
  return (!d.pages || any(d.pages)) && !any(d.excludePages);
}

/** An ISO-8601 duration in ms (a year is 365 days, a month 30, as the server counts them); NaN when malformed. */
export function duration(iso: string): number {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
    iso.toUpperCase(),
  );
  if (!m || iso.length < 3) return NaN;
  const units = [31536e6, 2592e6, 6048e5, 864e5, 36e5, 6e4, 1e3];
  return units.reduce((t, u, i) => t + (+(m[i + 1] || 0) * u), 0);
}

export const expired = (m: InAppMessage, now: number) => !!m.expiresAt && Date.parse(m.expiresAt) <= now;

interface Seen {
  [deliveryId: string]: { t: number[]; s?: string };
}

/** What this browser has shown, the in-app session (30 minutes idle ends it) and when a blocking message last closed. */
export function memory(store: Store, now: () => number) {
  const read = (k: string) => {
    try {
      return JSON.parse(store.get(k) || "null");
    } catch {
      return null;
    }
  };
  const save = (k: string, v: unknown) => store.set(k, JSON.stringify(v));
  const session = (): { id: string; at: number; gap?: number } => {
    let s = read(SESSION);
    const n = now();
    if (!s || !(n - s.at <= IDLE)) s = { id: n.toString(36) + Math.random().toString(36).slice(2, 8), gap: s && s.gap };
    s.at = n;
    save(SESSION, s);
    return s;
  };
  return {
    /** Whether the message's frequency lets it show now. */
    allowed(m: InAppMessage): boolean {
      const f = m.display.frequency || "once";
      const r = (read(SEEN) as Seen | null)?.[m.deliveryId];
      if (f == "always" || !r) return true;
      if (f == "once") return false;
      if (f == "once_per_session") return r.s != session().id;
      const per = duration(f.per);
      return r.t.filter((t) => now() - t < per).length < f.max;
    },
    record(m: InAppMessage) {
      const all: Seen = read(SEEN) || {};
      const r = all[m.deliveryId] || { t: [] };
      r.t = r.t.concat(now()).slice(-100);
      r.s = session().id;
      all[m.deliveryId] = r;
      // Bounded by count, not by what the server lists now: a logout empties the list, and the next login must still
      // find "once" and "max N per period" as they were.
      const ids = Object.keys(all);
      const last = (id: string) => all[id].t[all[id].t.length - 1];
      if (ids.length > KEEP) ids.sort((a, b) => last(a) - last(b)).slice(0, ids.length - KEEP).forEach((id) => delete all[id]);
      save(SEEN, all);
    },
    lastGap: (): number => session().gap || 0,
    gap() {
      const s = session();
      s.gap = now();
      save(SESSION, s);
    },
  };
}
