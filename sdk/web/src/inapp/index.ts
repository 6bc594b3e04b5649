import type { InApp, InAppDeps, InAppEventType, InAppMessage, Styles } from "../types";
import { sheet } from "./css";
import { expired, memory, pageOk } from "./rules";
import { render, View } from "./view";

interface Entry {
  m: InAppMessage;
  v?: View;
  /** The element it hangs on: an inline message's slot. */
  at?: Element;
  /** Its display.onEvent happened and it has not shown since. */
  armed?: boolean;
  /** The page view it last showed in: a message shows at most once per page view. */
  pv?: number;
}

const blocking = (m: InAppMessage) => m.format == "modal" || m.format == "fullscreen";
// Non-blocking messages share the screen, but two never take the same place (the edge or corner view.ts puts them in).
const place = (m: InAppMessage) => {
  const p = m.position || "";
  return m.format == "tooltip"
    ? "t" + m.anchor
    : m.format == "inline"
      ? "i" + m.placement
      : m.format == "banner"
        ? "b" + (p == "bottom")
        : m.format + /top/.test(p) + /left/.test(p);
};
const rank = (m: InAppMessage) => (m.priority ?? m.display.priority ?? 50);

/**
 * Renders eligible messages into a shadow root under #herald-root (inline ones into their slot's own shadow root)
 * and applies the display rules.
 *
 * Everything that could show is re-decided in one pass, run(): on every change (a message, a page, an event, a
 * close, resume, a DOM change while a tooltip or inline message waits for its element) and on one timer set for the
 * next moment a rule changes its answer (afterSeconds, the gap between blocking messages, an expiry).
 */
export function createInApp(deps: InAppDeps): InApp {
  const w = deps.window;
  const d = w.document;
  const now = deps.now;
  const gapMs = deps.minGapMs ?? 30e3;
  const mem = memory(deps.store, now);
  const all = new Map<string, Entry>();
  const sheets = new Set<HTMLStyleElement>();
  let styles: Styles | undefined;
  let paused = false;
  let page = w.location.pathname;
  let pageAt = now();
  let pv = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watching: MutationObserver | undefined;
  let root: ShadowRoot | undefined;

  const shadow = (host: Element) => {
    let r = host.shadowRoot;
    if (!r) {
      r = host.attachShadow({ mode: "open" });
      const s = r.appendChild(d.createElement("style"));
      s.textContent = sheet(styles);
      sheets.add(s);
    }
    return r;
  };
  const mainRoot = () => {
    if (!root || !root.host.isConnected) {
      const div = d.getElementById("herald-root") || d.createElement("div");
      div.id = "herald-root";
      d.body.appendChild(div);
      root = shadow(div);
    }
    return root;
  };
  const slot = (m: InAppMessage) =>
    Array.from(d.querySelectorAll("[data-herald-slot]")).find((s) => s.getAttribute("data-herald-slot") == m.placement);
  const anchored = (m: InAppMessage) => {
    try {
      return !!d.querySelector(m.anchor || "");
    } catch {
      return false;
    }
  };
  // Waiting for a tooltip's anchor or an inline message's slot to appear (or for a re-rendered one).
  let waits = false;
  const watch = () => {
    waits = true;
    if (!watching && typeof MutationObserver == "function") {
      watching = new MutationObserver(() => run());
      watching.observe(d.body, { childList: true, subtree: true });
    }
  };

  function say(e: Entry, type: InAppEventType, x: { url?: string } = {}) {
    const { url, ...ev } = x;
    deps.report({ deliveryId: e.m.deliveryId, type, ...ev });
    const cb = ({ shown: "show", clicked: "click", dismissed: "dismiss", submitted: "submit" } as const)[type as "shown"];
    if (cb) deps.emit(cb, { message: e.m, ...x });
  }

  function close(e: Entry) {
    if (!e.v) return;
    e.v.end();
    e.v = undefined;
    if (e.at && e.at.shadowRoot && e.at.shadowRoot.childElementCount < 2) e.at.shadowRoot.append(d.createElement("slot"));
    if (blocking(e.m)) mem.gap();
  }

  function show(e: Entry, host: ShadowRoot) {
    for (const s of Array.from(host.querySelectorAll("slot"))) s.remove();
    try {
      e.v = render(e.m, {
        win: w,
        host,
        mode: styles && styles.darkMode.mode,
        say: (type, x) => say(e, type, x),
        done: () => {
          close(e);
          run();
        },
      });
    } catch (err) {
      // A message this SDK cannot build (from a newer server, say) must not keep the others off the screen.
      all.delete(e.m.deliveryId);
      console.warn("herald: cannot show in-app message", e.m.deliveryId, err);
      return;
    }
    e.pv = pv;
    e.armed = false;
    mem.record(e.m);
    say(e, "shown");
  }

  function run() {
    clearTimeout(timer);
    if (!d.body) return d.addEventListener("DOMContentLoaded", run);
    waits = false;
    const t = now();
    let next = Infinity;
    const later = (at: number) => (next = Math.min(next, at - t));
    const list = Array.from(all.values()).sort((a, b) => rank(b.m) - rank(a.m) || (a.m.createdAt < b.m.createdAt ? -1 : 1));
    for (const e of list) {
      const m = e.m;
      if (m.expiresAt) {
        if (expired(m, t)) {
          close(e);
          all.delete(m.deliveryId);
          continue;
        }
        later(Date.parse(m.expiresAt));
      }
      if (e.v && e.at) {
        // The host page re-rendered the slot: follow it when it is back.
        const s = !e.at.isConnected && slot(m);
        if (s) shadow((e.at = s)).append(e.v.el);
      }
      if (e.v && (e.at || m.format == "tooltip")) {
        e.v.move();
        watch();
      }
      const pageRule = m.display.afterSeconds ? pageAt + m.display.afterSeconds * 1e3 : 0;
      if (
        e.v ||
        paused ||
        !pageOk(m.display, page) ||
        (m.display.onEvent ? !e.armed : e.pv == pv) ||
        !mem.allowed(m)
      )
        continue;
      if (pageRule > t) {
        later(pageRule);
        continue;
      }
      if (blocking(m)) {
        if (list.some((o) => o.v && blocking(o.m))) continue;
        const gap = mem.lastGap() + gapMs;
        if (gap > t) {
          later(gap);
          continue;
        }
        show(e, mainRoot());
      } else {
        if (list.some((o) => o.v && place(o.m) == place(m))) continue;
        if (m.format == "inline") {
          const s = slot(m);
          if (!s) {
            watch();
            continue;
          }
          e.at = s;
          show(e, shadow(s));
          watch();
        } else {
          // A tooltip follows its anchor through the page's DOM changes, shown or waiting.
          if (m.format == "tooltip") {
            watch();
            if (!anchored(m)) continue;
          }
          show(e, mainRoot());
        }
      }
    }
    if (!waits && watching) {
      watching.disconnect();
      watching = undefined;
    }
    if (next < Infinity) timer = setTimeout(run, Math.max(0, Math.min(next, 2 ** 31 - 1)));
  }

  const put = (m: InAppMessage) => {
    m = { ...m, display: m.display || {} };
    const e = all.get(m.deliveryId);
    if (!e) all.set(m.deliveryId, { m });
    else if (!e.v) e.m = m;
  };

  return {
    replace(list) {
      const ids = new Set(list.map((m) => m.deliveryId));
      for (const [id, e] of all) if (!ids.has(id) && !e.v) all.delete(id);
      list.forEach(put);
      run();
    },
    add(m) {
      put(m);
      run();
    },
    withdraw(id) {
      const e = all.get(id);
      if (e) close(e);
      all.delete(id);
      run();
    },
    setStyles(s) {
      styles = s;
      sheets.forEach((el) => (el.textContent = sheet(s)));
    },
    page(location) {
      page = location;
      pageAt = now();
      pv++;
      // What no longer belongs on the new page goes (without a dismissal); a blocking message stays until closed.
      for (const e of all.values()) if (e.v && !blocking(e.m) && !pageOk(e.m.display, page)) close(e);
      run();
    },
    event(name) {
      for (const e of all.values()) if (e.m.display.onEvent == name && pageOk(e.m.display, page)) e.armed = true;
      run();
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      run();
    },
    clear() {
      for (const e of all.values()) close(e);
      all.clear();
    },
    destroy() {
      clearTimeout(timer);
      d.removeEventListener("DOMContentLoaded", run);
      if (watching) watching.disconnect();
      for (const e of all.values()) close(e);
      all.clear();
      if (root) root.host.remove();
    },
  };
}
