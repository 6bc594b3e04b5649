// Small helpers the core parts share.

export const VERSION = "0.1.0";

/** A random (v4) UUID; crypto.randomUUID needs a secure context, so it is built from random bytes otherwise. */
export function uuid(): string {
  const c = globalThis.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  let h = "";
  for (let i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1) + (i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
  return h;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** Capped exponential backoff with jitter (half fixed, half random) so reconnecting clients spread out. */
export function backoff(attempt: number, base: number, cap: number): number {
  const d = Math.min(cap, base * Math.pow(2, Math.max(0, attempt - 1)));
  return d / 2 + (Math.random() * d) / 2;
}

/** Runs f, reporting instead of throwing: the SDK must never break the host page. */
export function safe<A extends unknown[], R>(f: (...a: A) => R): (...a: A) => R | undefined {
  return (...a: A) => {
    try {
      return f(...a);
    } catch (e) {
      warn(e);
      return undefined;
    }
  };
}

export function warn(e: unknown) {
  try {
    console.warn("[herald]", e);
  } catch {
    // no console
  }
}

/** The query string of the client API's identity and key parameters (empty values left out). */
export function query(params: Record<string, string | undefined | null>): string {
  let q = "";
  for (const k in params) {
    const v = params[k];
    if (v) q += (q ? "&" : "?") + k + "=" + encodeURIComponent(v);
  }
  return q;
}
