// Shared fakes for the in-app tests: a memory store (survives a "reload", a new createInApp on the same store), the
// reports and callbacks the part sends, and message builders.
import { vi } from "vitest";
import { createInApp } from "../src/inapp/index";
import type { Block, CallbackPayload, CallbackType, InApp, InAppEvent, InAppMessage, Store } from "../src/types";

export function memoryStore(): Store & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, get: (k) => data.get(k) ?? null, set: (k, v) => void data.set(k, v), remove: (k) => void data.delete(k) };
}

export interface Harness {
  inapp: InApp;
  store: Store & { data: Map<string, string> };
  reports: InAppEvent[];
  calls: Array<[CallbackType, CallbackPayload]>;
}

const live: InApp[] = [];

export function start(opts: { store?: Harness["store"]; minGapMs?: number } = {}): Harness {
  const store = opts.store ?? memoryStore();
  const reports: InAppEvent[] = [];
  const calls: Harness["calls"] = [];
  const inapp = createInApp({
    window,
    store,
    now: () => Date.now(),
    report: (e) => reports.push(e),
    emit: (t, p) => calls.push([t, p]),
    minGapMs: opts.minGapMs,
  });
  live.push(inapp);
  return { inapp, store, reports, calls };
}

/** Destroys every part the test started and empties the page. */
export function cleanup() {
  live.splice(0).forEach((i) => i.destroy());
  document.body.innerHTML = "";
  vi.useRealTimers();
}

let n = 0;
export function message(over: Partial<InAppMessage> = {}, blocks?: Block[]): InAppMessage {
  return {
    deliveryId: "d" + ++n,
    campaignId: "c1",
    format: "modal",
    steps: [
      {
        blocks: blocks ?? [
          { type: "text", text: "Welcome" },
          { type: "text", text: "Take the tour" },
          { type: "button", id: "go", label: "Go", action: "close" },
        ],
      },
    ],
    display: {},
    priority: 50,
    expiresAt: null,
    createdAt: "2026-11-23T00:00:00Z",
    ...over,
  };
}

export const root = () => document.getElementById("herald-root")?.shadowRoot ?? null;
/** The rendered message element of a delivery, wherever it is (main root or an inline slot). */
export function shown(id: string): HTMLElement | null {
  const roots = [root(), ...Array.from(document.querySelectorAll("[data-herald-slot]")).map((s) => s.shadowRoot)];
  for (const r of roots) {
    const el = r?.querySelector<HTMLElement>(`[data-herald-delivery="${id}"]`);
    if (el) return el;
  }
  return null;
}
export const button = (id: string, b: string) => shown(id)!.querySelector<HTMLButtonElement>(`[data-herald-button="${b}"]`)!;
export const types = (h: Harness) => h.reports.map((r) => r.type);
/** Lets MutationObserver callbacks (microtasks) run, fake timers or not. */
export async function settle() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
