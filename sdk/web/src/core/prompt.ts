/** The soft pre-prompt's texts (init option push.prompt). */
export interface PromptTexts {
  title?: string;
  text?: string;
  allow?: string;
  later?: string;
}

const CSS =
  ":host{all:initial}div{position:fixed;z-index:2147483647;top:16px;left:50%;transform:translateX(-50%);" +
  "max-width:min(360px,calc(100vw - 32px));box-sizing:border-box;padding:16px;border-radius:12px;background:#fff;" +
  "color:#111;font:14px/1.4 system-ui,sans-serif;box-shadow:0 8px 30px rgba(0,0,0,.25)}" +
  "h2{margin:0 0 6px;font-size:16px}p{margin:0 0 12px}nav{display:flex;gap:8px;justify-content:flex-end}" +
  "button{font:inherit;padding:8px 14px;border-radius:8px;border:1px solid #888;background:none;color:inherit;" +
  "cursor:pointer}button+button{background:#1a56db;border-color:#1a56db;color:#fff}" +
  "button:focus-visible{outline:2px solid #1a56db;outline-offset:2px}" +
  "@media (prefers-color-scheme:dark){div{background:#222;color:#eee}}";

/**
 * Asks first in the page's own words, in a small dialog in its own shadow root, so the browser's permission prompt
 * (which a refusal closes for good) only comes once the person said yes. Resolves true for "Allow"; Escape or
 * "Not now" resolve false. The "Allow" click is the user gesture browsers require for requestPermission, so
 * `onAllow` runs synchronously inside it.
 */
export function softPrompt(t: PromptTexts, onAllow: () => void): Promise<boolean> {
  return new Promise((resolve) => {
    const host = document.createElement("div");
    host.setAttribute("data-herald-prompt", "push");
    const root = host.attachShadow({ mode: "open" });
    const box = document.createElement("div");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-labelledby", "t");
    box.setAttribute("aria-describedby", "d");
    const h = document.createElement("h2");
    h.id = "t";
    h.textContent = t.title || "Stay in the loop";
    const p = document.createElement("p");
    p.id = "d";
    p.textContent = t.text || "Get notified about updates that matter to you. You can turn this off at any time.";
    const nav = document.createElement("nav");
    const later = document.createElement("button");
    later.textContent = t.later || "Not now";
    const allow = document.createElement("button");
    allow.textContent = t.allow || "Allow";
    nav.append(later, allow);
    box.append(h, p, nav);
    const style = document.createElement("style");
    style.textContent = CSS;
    root.append(style, box);
    const before = document.activeElement as HTMLElement | null;
    const done = (yes: boolean) => {
      host.remove();
      document.removeEventListener("keydown", key, true);
      try {
        if (before && before.focus) before.focus();
      } catch {
        // the element may be gone
      }
      resolve(yes);
    };
    const key = (e: KeyboardEvent) => {
      if (e.key == "Escape") done(false);
      else if (e.key == "Tab") {
        // two buttons: keep focus inside the dialog
        e.preventDefault();
        (root.activeElement == allow ? later : allow).focus();
      }
    };
    later.onclick = () => done(false);
    allow.onclick = () => {
      onAllow();
      done(true);
    };
    document.addEventListener("keydown", key, true);
    document.body.appendChild(host);
    allow.focus();
  });
}
