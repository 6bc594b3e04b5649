import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLive, POLL_MS, type Identity } from "../src/core/live";
import { FakeEventSource, fakeFetch, ok, recordingInApp, settle, status } from "./fakes";

const HOST = "https://herald.test";
const STYLES = { colors: { primary: "#123456" }, darkMode: { mode: "auto", colors: {} }, fonts: {}, radii: {}, spacing: {} };
const msg = (id: string) => ({ deliveryId: id, campaignId: null, format: "modal", steps: [], display: {}, priority: 0,
  expiresAt: null, createdAt: "2026-11-22T10:00:00Z" });

describe("live messages", () => {
  let id: Identity;
  let rec: ReturnType<typeof recordingInApp>;
  let live: ReturnType<typeof createLive> | undefined;
  const begin = () => {
    live = createLive({ host: HOST, writeKey: "wk_1", sessionId: "s-1", inapp: rec.inapp, identity: () => id });
    live.start();
    return live;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    FakeEventSource.all = [];
    vi.stubGlobal("EventSource", FakeEventSource);
    id = { anonymousId: "anon-1" };
    rec = recordingInApp();
  });
  afterEach(() => {
    live?.stop();
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it("loads the eligible list, then applies the stream's styles, messages and withdrawals", async () => {
    const net = fakeFetch(ok({ data: [msg("d1")], styles: STYLES }));
    begin();
    await settle();
    expect(net.sent[0].url).toBe(HOST + "/v1/inapp/messages?writeKey=wk_1&anonymousId=anon-1&sessionId=s-1");
    expect(rec.log.slice(0, 2)).toEqual([["setStyles", STYLES], ["replace", [msg("d1")]]]);
    const s = FakeEventSource.latest();
    expect(s.url).toBe(HOST + "/v1/inapp/stream?writeKey=wk_1&anonymousId=anon-1&sessionId=s-1");
    s.open();
    s.emit("styles", STYLES, "1");
    s.emit("message", msg("d2"), "2");
    s.emit("withdraw", { deliveryId: "d1" }, "3");
    s.emitRaw("message", "{not json", "4");
    s.emit("message", { no: "deliveryId" }, "5");
    expect(rec.log.slice(2)).toEqual([["setStyles", STYLES], ["add", msg("d2")], ["withdraw", "d1"]]);
  });

  it("acts as the verified user when there is one", async () => {
    fakeFetch(ok({ data: [] }));
    id = { anonymousId: "anon-1", userId: "u 42", userHash: "ff00" };
    begin();
    expect(FakeEventSource.latest().url).toBe(
      HOST + "/v1/inapp/stream?writeKey=wk_1&userId=u%2042&userHash=ff00&sessionId=s-1");
  });

  it("reopens a stream the browser gave up on with the last event id, and fetches the list once it opens", async () => {
    const net = fakeFetch(new TypeError("offline"), ok({ data: [msg("d9")] }));
    begin();
    await settle();
    const first = FakeEventSource.latest();
    first.emit("message", msg("d5"), "41");
    first.fail(true);
    expect(first.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1500); // backoff(1, 2 s) with jitter 0.5
    const second = FakeEventSource.latest();
    expect(second).not.toBe(first);
    expect(second.param("lastEventId")).toBe("41");
    second.open();
    await settle();
    expect(net.sent).toHaveLength(2);
    expect(rec.calls("replace")).toEqual([[[msg("d9")]]]);
  });

  it("falls back to polling every 30 s when the stream keeps failing, and tries the stream again", async () => {
    const net = fakeFetch(ok({ data: [] }));
    begin();
    await settle();
    const s = FakeEventSource.latest();
    s.fail();
    s.fail();
    expect(s.closed).toBe(false); // the browser is still retrying
    s.fail();
    expect(s.closed).toBe(true);
    const before = FakeEventSource.all.length;
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(net.sent.filter((r) => r.url.includes("/v1/inapp/messages"))).toHaveLength(2);
    expect(FakeEventSource.all.length).toBe(before + 1); // one more try of the stream after a poll that worked
    FakeEventSource.latest().fail();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(net.sent).toHaveLength(3);
  });

  it("polls without EventSource, backing off while Herald is unreachable", async () => {
    vi.stubGlobal("EventSource", undefined);
    const net = fakeFetch(ok({ data: [msg("d1")] }), status(503), new TypeError("offline"), ok({ data: [] }));
    begin();
    await settle();
    expect(rec.calls("replace")).toEqual([[[msg("d1")]]]);
    await vi.advanceTimersByTimeAsync(POLL_MS); // 503
    expect(net.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(22499); // backoff(1): 30 s → 22.5 s with jitter 0.5
    expect(net.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(net.sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(44999); // backoff(2): 60 s → 45 s
    expect(net.sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(net.sent).toHaveLength(4);
    expect(rec.calls("replace")).toEqual([[[msg("d1")]], [[]]]);
  });

  it("does not ask for the list again when the stream opens while the first answer is on its way", async () => {
    const f = vi.fn(() => new Promise<Response>(() => {}));
    vi.stubGlobal("fetch", f);
    begin();
    FakeEventSource.latest().open();
    await settle();
    expect(f).toHaveBeenCalledTimes(1);
  });

  it("ignores answers for an identity it has since left", async () => {
    let answer!: (r: Response) => void;
    vi.stubGlobal("fetch", vi.fn(() => new Promise<Response>((r) => (answer = r))));
    const l = begin();
    const old = answer;
    id = { anonymousId: "anon-2" };
    l.start();
    old(ok({ data: [msg("someone-else")] }));
    await settle();
    expect(rec.calls("replace")).toEqual([]);
    expect(FakeEventSource.all[0].closed).toBe(true);
    expect(FakeEventSource.latest().param("anonymousId")).toBe("anon-2");
  });
});
