// Debian's Chromium driven by playwright-core (never a downloaded browser), and the demo pages opened in it.
import { chromium } from "playwright-core";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { env, eventually } from "./herald.mjs";

const executablePath = process.env.HERALD_CHROMIUM || "/usr/bin/chromium";

/**
 * Starts Chromium headless. playwright-core gives every launch a fresh temporary user-data-dir of its own (and
 * deletes it on close), so no profile, cache or storage carries over between runs; each scenario then opens its own
 * browser contexts, which share nothing either.
 */
export function launch() {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * Records, inside the page, what the SDK's live stream brings: every EventSource opened on /v1/inapp/stream, whether
 * it is open, and the deliveryIds of its `message` and `withdraw` events. Lets a scenario wait until the SDK *has* a
 * message before checking that it does not show it (pause, withdrawal), instead of sleeping.
 */
function recordStreams() {
  const rec = (window.__heraldStreams = { streams: [], messages: [], withdrawals: [] });
  const Native = window.EventSource;
  if (!Native) return;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      const s = { url: String(url), open: false, closed: false };
      if (!s.url.includes("/v1/inapp/stream")) return;
      rec.streams.push(s);
      this.addEventListener("open", () => (s.open = true));
      this.addEventListener("error", () => (s.open = this.readyState === 1));
      this.addEventListener("message", (e) => {
        try { rec.messages.push(JSON.parse(e.data).deliveryId); } catch { /* not ours to judge */ }
      });
      this.addEventListener("withdraw", (e) => {
        try { rec.withdrawals.push(JSON.parse(e.data).deliveryId); } catch { /* not ours to judge */ }
      });
      this.__rec = s;
    }
    close() {
      if (this.__rec) Object.assign(this.__rec, { open: false, closed: true });
      super.close();
    }
  };
}

/**
 * A browser tab of one person: the page, plus what it asked Herald's client API and got back (`requests`: url,
 * status; `listed`: deliveryIds the eligible-messages endpoint answered) and what went wrong in it (`errors`).
 */
export async function newTab(context) {
  const page = await context.newPage();
  await page.addInitScript(recordStreams);
  if (process.env.HERALD_SDK_FILE) {
    // An SDK built locally (npm run build), tried on the pages without rebuilding the server that serves them.
    await page.route("**/sdk/herald.js", (route) =>
      route.fulfill({ path: process.env.HERALD_SDK_FILE, contentType: "text/javascript" }));
  }
  const tab = { page, requests: [], sent: [], listed: new Set(), errors: [] };
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes("/v1/")) tab.sent.push({ url: r.url(), at: Date.now(), body: r.postData() || "" });
  });
  page.on("pageerror", (e) => tab.errors.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && tab.errors.push(`console: ${m.text()}`));
  page.on("response", async (r) => {
    const url = r.url();
    if (!url.includes("/v1/inapp/")) return;
    tab.requests.push({ url, status: r.status() });
    if (url.includes("/v1/inapp/messages") && r.ok()) {
      try {
        for (const m of (await r.json()).data || []) tab.listed.add(m.deliveryId);
      } catch { /* the scenario sees the status */ }
    }
  });
  return tab;
}

/** What a tab asked the client API and what went wrong in it, in a line, for failure messages. */
export function summary(tab) {
  const counts = new Map();
  for (const r of tab.requests) {
    const u = new URL(r.url);
    const who = u.searchParams.get("userId") ? "user" : "anonymous";
    const k = `${u.pathname} (${who}) ${r.status}`;
    counts.set(k, (counts.get(k) || 0) + 1);
  }
  const answers = [...counts].map(([k, n]) => `${k} x${n}`).join(", ") || "none";
  const errors = [...new Set(tab.errors)].join("; ");
  return `client API answers: ${answers}${errors ? `; page: ${errors}` : ""}`;
}

/** The demo URL for a person (`{id, hash}`; hash may be forged or absent). */
export function demoUrl(path, user) {
  const q = new URLSearchParams({ writeKey: env.writeKey });
  if (user) q.set("userId", user.id);
  if (user && user.hash) q.set("userHash", user.hash);
  return `${env.url}${path}?${q}`;
}

/** Opens a demo page as the person in a new tab of `context`, and waits for the SDK to load. */
export async function openDemo(context, path, user) {
  const tab = await newTab(context);
  await tab.page.goto(demoUrl(path, user));
  // The demo page either starts the SDK (window.herald) or says why not in its notice.
  await tab.page.waitForFunction(() => window.herald || document.querySelector("#notice.on"), null, { timeout: 5000 });
  if (!(await tab.page.evaluate(() => Boolean(window.herald)))) {
    const notice = await tab.page.locator("#notice").textContent();
    throw new Error(`the demo page did not start the SDK: ${notice}; ${summary(tab)}`);
  }
  return tab;
}

/** Waits until the page's SDK holds an open live stream for this userId. */
export async function streamOpen(tab, userId, timeout = 5000) {
  await tab.page.waitForFunction((id) => (window.__heraldStreams?.streams || []).some(
    (s) => s.open && !s.closed && new URL(s.url).searchParams.get("userId") === id), userId, { timeout })
    .catch(async () => {
      throw new Error(`no open /v1/inapp/stream for ${userId} within ${timeout} ms; ${summary(tab)}`);
    });
}

/** Waits until the page's SDK has received a delivery (over the stream, or listed by GET /v1/inapp/messages). */
export async function received(tab, deliveryId, timeout = 5000) {
  await eventually(`the page's SDK receiving delivery ${deliveryId}`, async () => tab.listed.has(deliveryId)
    || tab.page.evaluate((id) => (window.__heraldStreams?.messages || []).includes(id), deliveryId), { timeout })
    .catch((e) => {
      throw new Error(`${e.message}; ${summary(tab)}`);
    });
}

/** Waits until the page's stream has brought a withdrawal of this delivery. */
export async function withdrawn(tab, deliveryId, timeout = 5000) {
  await tab.page.waitForFunction((id) => (window.__heraldStreams?.withdrawals || []).includes(id), deliveryId,
    { timeout }).catch(() => {
    throw new Error(`the page never got a withdraw event for ${deliveryId} within ${timeout} ms`);
  });
}

/** A rendered message by deliveryId, wherever it is (the locator pierces the SDK's open shadow roots). */
export function message(tab, deliveryId) {
  return tab.page.locator(`[data-herald-delivery="${deliveryId}"]`);
}

/** Saves a screenshot of every open page of the browser when a scenario fails (HERALD_E2E_ARTIFACTS set). */
export async function screenshots(browser, name) {
  const dir = process.env.HERALD_E2E_ARTIFACTS;
  if (!dir) return [];
  await mkdir(dir, { recursive: true });
  const saved = [];
  let n = 0;
  for (const context of browser.contexts()) {
    for (const page of context.pages()) {
      const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}-${++n}.png`);
      await page.screenshot({ path: file, fullPage: true }).then(() => saved.push(file), () => {});
    }
  }
  return saved;
}
