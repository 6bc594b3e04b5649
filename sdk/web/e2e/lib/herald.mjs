// The Herald the scenarios run against, reached over HTTP as any outside client would: its URL and keys come from
// the environment (BrowserScenariosTest sets them; see README.md beside package.json to run the suite by hand).
import { createHmac } from "node:crypto";

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the browser scenarios need a running Herald (see sdk/web/e2e/README.md)`);
  return v;
}

export const env = {
  url: required("HERALD_URL").replace(/\/$/, ""),
  writeKey: required("HERALD_WRITE_KEY"),
  adminKey: required("HERALD_ADMIN_KEY"),
  identitySecret: required("HERALD_IDENTITY_SECRET"),
};

/** Hex HMAC-SHA256 of the userId with the workspace's identity secret: what the customer's server gives its page. */
export function userHash(userId, secret = env.identitySecret) {
  return createHmac("sha256", secret).update(userId).digest("hex");
}

const run = Date.now().toString(36);
/** A person of one scenario: a userId no other scenario (or earlier run against the same store) uses. */
export function person(scenario) {
  const id = `e2e-${scenario}-${run}-${Math.random().toString(36).slice(2, 7)}`;
  return { id, hash: userHash(id) };
}

async function call(method, path, { key, basic, body } = {}) {
  const headers = {};
  if (key) headers.Authorization = `Bearer ${key}`;
  if (basic) headers.Authorization = `Basic ${Buffer.from(basic + ":").toString("base64")}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the caller sees text
  }
  return { status: r.status, json, text };
}

/** The admin API with the workspace's admin key. */
export const admin = {
  get: (path) => call("GET", "/api/v1" + path, { key: env.adminKey }),
  post: (path, body = {}) => call("POST", "/api/v1" + path, { key: env.adminKey, body }),
  delete: (path) => call("DELETE", "/api/v1" + path, { key: env.adminKey }),
};

/** A client-API or tracking call as a browser would send it (write key as the Basic username). */
export const client = {
  post: (path, body) => call("POST", path, { basic: env.writeKey, body }),
  get: (path) => call("GET", path, { basic: env.writeKey }),
};

/** Tracking calls from the customer's own server (not the page): identify and track, acknowledged when durable. */
export async function serverSide(userId, ...calls) {
  const r = await client.post("/v1/batch", { batch: calls.map((c) => ({ userId, ...c })) });
  if (r.status !== 200) throw new Error(`POST /v1/batch answered ${r.status}: ${r.text}`);
}

/**
 * Polls `probe` until it returns a truthy value, and returns it; fails after `timeout` ms with `what` and the last
 * value seen. The scenarios wait on conditions this way (or with Playwright's own waits), never with fixed sleeps.
 */
export async function eventually(what, probe, { timeout = 5000, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last seen: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

let campaignIds;
/** The id of the demo campaign with this key (seeded before the suite runs). */
export async function campaignId(key) {
  if (!campaignIds) {
    const r = await admin.get("/campaigns?limit=1000");
    if (r.status !== 200) throw new Error(`GET /campaigns answered ${r.status}: ${r.text}`);
    campaignIds = new Map(r.json.data.map((c) => [c.key, c.id]));
  }
  const id = campaignIds.get(key);
  if (!id) throw new Error(`no campaign '${key}': seed the demo campaigns first (herald demo / BrowserScenariosTest)`);
  return id;
}

/** The person's deliveries (admin API), newest first as Herald lists them; [] while Herald does not know them. */
export async function deliveries(userId) {
  const r = await admin.get(`/people/${encodeURIComponent(userId)}/deliveries`);
  if (r.status === 404) return [];
  if (r.status !== 200) throw new Error(`GET /people/${userId}/deliveries answered ${r.status}: ${r.text}`);
  return r.json.data;
}

/** Waits until the person has a delivery of campaign `key` whose status is one of `statuses`, and returns it. */
export async function delivery(userId, key, statuses = ["sent"], options) {
  const cid = await campaignId(key);
  let seen = [];
  try {
    return await eventually(`a ${key} delivery to ${userId} with status ${statuses.join("|")}`, async () => {
      const all = (await deliveries(userId)).filter((d) => d.campaignId === cid);
      seen = all.map((d) => d.status + (d.reason ? ` (${d.reason})` : ""));
      return all.find((d) => statuses.includes(d.status));
    }, options);
  } catch (e) {
    throw new Error(`${e.message}; the person's ${key} deliveries: ${JSON.stringify(seen)}`);
  }
}

/** The person's events (admin API, newest first). */
export async function events(userId) {
  const r = await admin.get(`/people/${encodeURIComponent(userId)}/events?limit=1000`);
  if (r.status === 404) return [];
  if (r.status !== 200) throw new Error(`GET /people/${userId}/events answered ${r.status}: ${r.text}`);
  return r.json.data;
}
