// Fakes the core's tests share: a recording fetch, an EventSource the test drives, an InApp that records calls.
import { vi } from "vitest";
import type { InApp } from "../src/types";

export interface Sent {
  url: string;
  method: string;
  body: any;
  keepalive: boolean;
  headers: Record<string, string>;
}

type Answer = Response | Error | ((s: Sent) => Response | Error);

/** Replaces fetch; answers from `answers` in order (the last one repeats), recording every request. */
export function fakeFetch(...answers: Answer[]) {
  const sent: Sent[] = [];
  const queue = answers.length ? answers : [ok()];
  const f = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const s: Sent = {
      url: String(url),
      method: (init && init.method) || "GET",
      body: init && typeof init.body == "string" ? JSON.parse(init.body) : undefined,
      keepalive: !!(init && init.keepalive),
      headers: (init && (init.headers as Record<string, string>)) || {},
    };
    sent.push(s);
    let a = queue.length > 1 ? queue.shift()! : queue[0];
    if (typeof a == "function") a = a(s);
    if (a instanceof Error) throw a;
    return a.clone();
  });
  vi.stubGlobal("fetch", f);
  return {
    sent,
    calls: () => sent.filter((s) => s.url.endsWith("/v1/batch")).flatMap((s) => s.body.batch),
    answer(...more: Answer[]) {
      queue.splice(0, queue.length, ...more);
    },
  };
}

export const ok = (body: unknown = { success: true }, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json", ...headers } });

export const status = (code: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { code: "x", message: "x" } }), { status: code, headers });

/** An EventSource the test opens, feeds and breaks. */
export class FakeEventSource {
  static all: FakeEventSource[] = [];
  static latest = () => FakeEventSource.all[FakeEventSource.all.length - 1];
  readyState = 0;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  private listeners: Record<string, Array<(e: MessageEvent) => void>> = {};
  closed = false;
  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, l: (e: MessageEvent) => void) {
    (this.listeners[type] = this.listeners[type] || []).push(l);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    if (this.onopen) this.onopen(new Event("open"));
  }
  emit(type: string, data: unknown, id = "") {
    this.emitRaw(type, JSON.stringify(data), id);
  }
  emitRaw(type: string, data: string, id = "") {
    const e = new MessageEvent(type, { data, lastEventId: id });
    for (const l of this.listeners[type] || []) l(e);
  }
  /** A dropped connection: CONNECTING while the browser retries, CLOSED when it gave up. */
  fail(giveUp = false) {
    this.readyState = giveUp ? 2 : 0;
    if (this.onerror) this.onerror(new Event("error"));
  }
  param(name: string) {
    return new URL(this.url).searchParams.get(name);
  }
}

/** An InApp that records what the core asks of it. */
export function recordingInApp() {
  const log: Array<[string, ...unknown[]]> = [];
  const rec =
    (name: string) =>
    (...a: unknown[]) => {
      log.push([name, ...a]);
    };
  const inapp: InApp = {
    replace: rec("replace"),
    add: rec("add"),
    withdraw: rec("withdraw"),
    setStyles: rec("setStyles"),
    page: rec("page"),
    event: rec("event"),
    pause: rec("pause"),
    resume: rec("resume"),
    clear: rec("clear"),
    destroy: rec("destroy"),
  };
  return { inapp, log, calls: (name: string) => log.filter((l) => l[0] == name).map((l) => l.slice(1)) };
}

/** Lets pending promise callbacks (fetch answers) run without moving fake time. */
export const settle = () => vi.advanceTimersByTimeAsync(0);
