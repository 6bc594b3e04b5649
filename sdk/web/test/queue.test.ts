import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BATCH, createQueue, FLUSH_MS, MAX_ITEMS, retryDelay } from "../src/core/queue";
import { createStore } from "../src/core/store";
import { fakeFetch, ok, settle, status } from "./fakes";

const HOST = "https://herald.test";
const call = (n: number) => ({ p: BATCH, b: { type: "track", event: "e" + n, messageId: "m" + n } });
const queue = () => createQueue({ host: HOST, writeKey: "wk_1", store: createStore(), now: () => Date.now() });

describe("the outbox", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    localStorage.clear();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it("waits a moment (FLUSH_MS) for calls to batch together, with the write key in a text/plain body", async () => {
    const net = fakeFetch(ok());
    const q = queue();
    q.push(call(1));
    q.push(call(2));
    await vi.advanceTimersByTimeAsync(FLUSH_MS - 1);
    expect(net.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(net.sent).toHaveLength(1);
    const s = net.sent[0];
    expect(s.url).toBe(HOST + "/v1/batch");
    expect(s.method).toBe("POST");
    expect(s.headers["Content-Type"]).toMatch(/^text\/plain/);
    expect(s.body.writeKey).toBe("wk_1");
    expect(s.body.batch.map((c: any) => c.event)).toEqual(["e1", "e2"]);
    expect(s.body.batch[0].sentAt).toBe(s.body.sentAt);
    await settle();
    expect(q.size()).toBe(0);
  });

  it("sends at once when twenty calls are waiting, twenty per request", async () => {
    const net = fakeFetch(ok());
    const q = queue();
    for (let i = 0; i < 25; i++) q.push(call(i));
    await settle();
    expect(net.sent[0].body.batch).toHaveLength(20);
    expect(net.sent[1].body.batch).toHaveLength(5);
    expect(q.size()).toBe(0);
  });

  it("retries server errors and network failures with growing backoff, then sends", async () => {
    const net = fakeFetch(status(503), new TypeError("Failed to fetch"), status(500), ok());
    const q = queue();
    q.push(call(1));
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(net.sent).toHaveLength(1);
    // attempt 1: 1 s base, half fixed + half random (0.5) = 0.75 s
    await vi.advanceTimersByTimeAsync(749);
    expect(net.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(net.sent).toHaveLength(2);
    // attempt 2: 2 s → 1.5 s
    await vi.advanceTimersByTimeAsync(1499);
    expect(net.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(net.sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(3000);
    expect(net.sent).toHaveLength(4);
    expect(q.size()).toBe(0);
    expect(net.sent.every((s) => s.body.batch[0].messageId == "m1")).toBe(true);
  });

  it("honors Retry-After on 429", async () => {
    const net = fakeFetch(status(429, { "Retry-After": "7" }), ok());
    const q = queue();
    q.push(call(1));
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    await vi.advanceTimersByTimeAsync(6999);
    expect(net.sent).toHaveLength(1);
    q.push(call(2)); // waits with the rest instead of jumping the queue
    await settle();
    expect(net.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(net.sent).toHaveLength(2);
    expect(net.sent[1].body.batch).toHaveLength(2);
  });

  it("drops calls the server refuses as invalid instead of retrying them forever", async () => {
    const net = fakeFetch(status(400), ok());
    const q = queue();
    q.push(call(1));
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(q.size()).toBe(0);
    await vi.advanceTimersByTimeAsync(120000);
    expect(net.sent).toHaveLength(1);
  });

  it("retries a refused batch call by call, so only the bad call is lost", async () => {
    const net = fakeFetch((s) =>
      s.body.batch.some((c: any) => c.messageId == "m2") ? status(400) : ok());
    const q = queue();
    for (let i = 1; i <= 3; i++) q.push(call(i));
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(net.sent.map((s) => s.body.batch.map((c: any) => c.messageId))).toEqual([
      ["m1", "m2", "m3"], ["m1"], ["m2"], ["m3"]]);
    expect(q.size()).toBe(0);
    q.push(call(4));
    q.push(call(5));
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(net.sent[net.sent.length - 1].body.batch).toHaveLength(2); // batching again afterwards
  });

  it("keeps what is unsent in storage, and a later page load sends it", async () => {
    fakeFetch(new TypeError("offline"));
    const q = queue();
    q.push(call(1));
    q.push(call(2));
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(JSON.parse(localStorage.getItem("herald.queue")!)).toHaveLength(2);

    const net = fakeFetch(ok());
    const next = queue();
    expect(next.size()).toBe(2);
    await next.flush();
    expect(net.calls().map((c: any) => c.messageId)).toEqual(["m1", "m2"]);
    expect(JSON.parse(localStorage.getItem("herald.queue")!)).toEqual([]);
  });

  it("keeps another tab's unsent calls in storage instead of overwriting them", async () => {
    const net = fakeFetch(new TypeError("offline"));
    const a = queue();
    const b = queue();
    a.push(call(1));
    b.push(call(2));
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    const stored = () => JSON.parse(localStorage.getItem("herald.queue")!).map((i: any) => i.b.messageId).sort();
    expect(stored()).toEqual(["m1", "m2"]);
    net.answer(ok());
    await a.online();
    expect(stored()).toEqual(["m2"]); // a's own call is gone once sent; b's stays for whoever sends it
    expect(queue().size()).toBe(1);
  });

  it("holds at most a bounded number of items, dropping the oldest", async () => {
    fakeFetch(new TypeError("offline"));
    const q = queue();
    for (let i = 0; i < MAX_ITEMS + 5; i++) q.push(call(i));
    expect(q.size()).toBe(MAX_ITEMS);
    const stored = JSON.parse(localStorage.getItem("herald.queue")!);
    expect(stored[0].b.messageId).toBe("m5");
  });

  it("retries at once when the browser is back online", async () => {
    const net = fakeFetch(new TypeError("offline"), ok());
    const q = queue();
    q.push(call(1));
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(net.sent).toHaveLength(1);
    q.online();
    await settle();
    expect(net.sent).toHaveLength(2);
    expect(q.size()).toBe(0);
  });

  it("sends everything with keepalive when the page is hidden", async () => {
    const net = fakeFetch(ok());
    const q = queue();
    q.push(call(1));
    q.push(call(2));
    q.hide();
    await settle();
    const hidden = net.sent.filter((s) => s.keepalive);
    expect(hidden).toHaveLength(1);
    expect(hidden[0].body.batch.map((c: any) => c.messageId)).toEqual(["m1", "m2"]);
    expect(q.size()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(net.calls()).toHaveLength(2); // not sent again by the batching timer
  });

  it("posts other items alone, with the write key in the query for the client API", async () => {
    const net = fakeFetch(ok());
    const q = queue();
    q.push({ p: "/v1/inapp/events", b: { deliveryId: "d1", type: "clicked", buttonId: "b" } });
    await settle();
    expect(net.sent[0].url).toBe(HOST + "/v1/inapp/events?writeKey=wk_1");
    expect(net.sent[0].body).toMatchObject({ deliveryId: "d1", type: "clicked", buttonId: "b" });
  });

  it("reads Retry-After as seconds or a date", () => {
    const now = Date.parse("2026-11-22T10:00:00Z");
    expect(retryDelay("3", now)).toBe(3000);
    expect(retryDelay("Sun, 22 Nov 2026 10:00:10 GMT", now)).toBe(10000);
    expect(retryDelay("soon", now)).toBeUndefined();
    expect(retryDelay("99999", now)).toBe(600000);
  });
});
