// One message on screen: its element tree (server text only ever as textContent), its steps and forms, what its
// buttons do, and the accessibility a format needs (a modal dialog traps and restores focus; Escape dismisses).
import type { Block, InAppEventType, InAppMessage } from "../types";
import { vars } from "./css";

export interface View {
  /** The outermost element (the overlay of a modal, else the message itself). */
  el: HTMLElement;
  /** Re-places a tooltip at its anchor (hidden while the anchor is absent). */
  move(): void;
  /** Takes the message off the screen, telling nobody. */
  end(): void;
}

export interface Ctx {
  win: Window;
  /** Where the message is appended: a shadow root. */
  host: ParentNode;
  /** An interaction to report and call back about. */
  say(type: InAppEventType, x?: { buttonId?: string; step?: number; answers?: Record<string, unknown>; url?: string }): void;
  /** The message asks to be closed (a close, submit or link button, the close button, Escape, the overlay). */
  done(): void;
  /** The workspace's darkMode.mode, for a message that sets dark colors but no mode. */
  mode?: string;
}

interface Field {
  /** The answer, or undefined when left empty. */
  val(): unknown;
  /** Shows (and returns) what is wrong with it, "" when nothing. */
  check(): string;
  el: HTMLElement;
  id: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const FOCUSABLE = "button,input,a[href],[tabindex]";
let seq = 0;

export function render(m: InAppMessage, c: Ctx): View {
  const w = c.win;
  const d = w.document;
  const f = m.format;
  const n = ++seq;
  const blocking = f == "modal" || f == "fullscreen";
  const h = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string) => {
    const e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };
  const attr = (e: Element, k: string, v: string) => e.setAttribute(k, v);
  const p = m.position || "";

  const box = h("div", `b ${f} m${n}`);
  attr(box, "data-herald-delivery", m.deliveryId);
  attr(box, "data-herald-format", f);
  const el = f == "modal" ? h("div", "ov") : box;
  if (el != box) {
    el.append(box);
    // A statement, not `e.target == el && dismiss()`: a handler property returning false cancels the click, and the
    // radios and checkboxes inside the dialog would never check.
    el.onclick = (e) => {
      if (e.target == el) dismiss();
    };
  }
  const style = m.style as { [k: string]: unknown } | undefined;
  box.append(h("style", "", vars(style, `.m${n}`, c.mode)));
  if (f == "banner") box.classList.add(p == "bottom" ? "bottom" : "top");
  if (f == "slide_in") {
    box.style[/top/.test(p) ? "top" : "bottom"] = "16px";
    box.style[/left/.test(p) ? "left" : "right"] = "16px";
  }
  attr(box, "role", blocking || f == "tooltip" ? "dialog" : "region");
  if (blocking) attr(box, "aria-modal", "true");
  if (f == "banner" || f == "slide_in") attr(box, "aria-live", "polite");

  let cur = 0;
  const steps = m.steps.map((s, i) => {
    const el = h("div", "s");
    el.hidden = i > 0;
    const fields: Field[] = [];
    let title = "";
    s.blocks.forEach((b, j) => {
      const id = `h${n}-${i}-${j}`;
      if (b.type == "text") {
        const t = el.appendChild(h("p", title ? "" : "h", b.text));
        if (!title) t.id = title = id;
      } else if (b.type == "image") {
        const img = el.appendChild(h("img"));
        img.src = b.url;
        img.alt = b.alt || "";
      } else if (b.type == "button") {
        let row = el.lastElementChild;
        if (!row || row.className != "row") row = el.appendChild(h("div", "row"));
        const k = row.appendChild(h("button", /^(back|close)$/.test(b.action) ? "k k2" : "k", b.label));
        k.type = "button";
        attr(k, "data-herald-button", b.id);
        k.onclick = () => act(b);
      } else fields.push(field(b, el, id));
    });
    box.append(el);
    return { el, fields, title };
  });

  function field(b: Exclude<Block, { type: "text" | "image" | "button" }>, parent: HTMLElement, id: string): Field {
    const err = h("p", "e");
    err.id = id + "e";
    attr(err, "aria-live", "polite");
    let input: HTMLInputElement;
    let val: () => unknown;
    let bad: () => string = () => "";
    if (b.type == "input") {
      const lab = parent.appendChild(h("label", "", ""));
      lab.append(h("span", "l", b.label));
      input = lab.appendChild(h("input"));
      input.type = b.inputType;
      input.name = b.id;
      if (b.placeholder) input.placeholder = b.placeholder;
      if (b.required) attr(input, "aria-required", "true");
      const raw = () => input.value.trim();
      val = () => (raw() == "" ? undefined : b.inputType == "number" ? +raw() : raw());
      bad = () => {
        const v = raw();
        if (!v) return b.required ? "This field is required." : "";
        if (b.inputType == "email" && !EMAIL.test(v)) return "Enter a valid email address.";
        if (b.inputType == "number" && !isFinite(+v)) return "Enter a number.";
        return "";
      };
      input.oninput = () => {
        if (input.hasAttribute("aria-invalid")) check();
      };
    } else {
      // Native radios (checkboxes for multiple choice): the browser gives them arrow keys and radio semantics.
      const g = parent.appendChild(h("div", b.type == "rating" ? "g r" : "g"));
      const multiple = b.type == "choice" && b.multiple;
      attr(g, "role", multiple ? "group" : "radiogroup");
      if (b.label) {
        const l = g.appendChild(h("p", "l", b.label));
        l.id = id + "l";
        attr(g, "aria-labelledby", l.id);
      }
      const values: (string | number)[] =
        b.type == "choice" ? b.options : Array.from({ length: b.scale == 10 ? 11 : 5 }, (_, i) => (b.scale == 10 ? i : i + 1));
      const inputs = values.map((v) => {
        const lab = g.appendChild(h("label", "o"));
        const i = lab.appendChild(h("input"));
        i.type = multiple ? "checkbox" : "radio";
        i.name = `h${n}${b.id}`;
        i.value = String(v);
        const stars = b.type == "rating" && b.scale == 5;
        const s = lab.appendChild(h("span", "", stars ? "★" : String(v)));
        if (stars) {
          attr(s, "aria-hidden", "true");
          attr(i, "aria-label", `${v} of 5`);
        }
        i.onchange = () => {
          if (stars) inputs.forEach((o) => o.parentElement!.classList.toggle("on", +o.value <= +v));
        };
        return i;
      });
      input = inputs[0];
      const on = () => inputs.filter((i) => i.checked).map((i) => (b.type == "rating" ? +i.value : i.value));
      val = () => (multiple ? (on().length ? on() : undefined) : on()[0]);
    }
    attr(input, "aria-describedby", err.id);
    parent.append(err);
    const check = () => {
      const e = bad();
      err.textContent = e;
      if (e) attr(input, "aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      return e;
    };
    return { val, check, el: input, id: b.id };
  }

  const x = box.appendChild(h("button", "x", "×"));
  x.type = "button";
  attr(x, "aria-label", "Close");
  x.onclick = dismiss;

  let arrow: HTMLElement | undefined;
  if (f == "tooltip") {
    arrow = box.appendChild(h("span", "ar"));
    attr(box, "data-p", /^(top|left|right)$/.test(p) ? p : "bottom");
  }

  const focusables = () =>
    Array.from(box.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
      (e) => !e.closest("[hidden]") && !(e as HTMLInputElement).disabled,
    );
  const label = () => {
    const t = steps[cur].title;
    if (t) attr(box, "aria-labelledby", t);
    else attr(box, "aria-label", "Message");
  };
  label();

  // A dialog listens on the document: a click on its text can leave focus on the page, and Escape or Tab must still work.
  const keys: Document | HTMLElement = blocking ? d : box;
  const onKey = (e: KeyboardEvent) => {
    if (e.key == "Escape") {
      e.stopPropagation();
      dismiss();
    } else if (blocking && e.key == "Tab") {
      const all = focusables();
      const a = (box.getRootNode() as ShadowRoot).activeElement;
      const edge = e.shiftKey ? all[0] : all[all.length - 1];
      if (a == edge || !box.contains(a)) {
        e.preventDefault();
        (e.shiftKey ? all[all.length - 1] : all[0]).focus();
      }
    }
  };
  keys.addEventListener("keydown", onKey as EventListener);

  function dismiss() {
    c.say("dismissed", { step: cur + 1 });
    c.done();
  }

  function valid(): boolean {
    const bad = steps[cur].fields.filter((fl) => fl.check());
    if (bad[0]) bad[0].el.focus();
    return !bad.length;
  }

  function go(i: number) {
    if (i < 0 || i >= steps.length || i == cur || (i > cur && !valid())) return;
    steps[cur].el.hidden = true;
    steps[(cur = i)].el.hidden = false;
    label();
    c.say("step", { step: i + 1 });
    const first = focusables()[0];
    if (first) first.focus();
  }

  function act(b: Extract<Block, { type: "button" }>) {
    const a = b.action;
    c.say("clicked", { buttonId: b.id, step: cur + 1, url: b.url });
    if (a == "next") go(cur + 1);
    else if (a == "back") go(cur - 1);
    else if (a.slice(0, 5) == "step:") go(+a.slice(5) - 1);
    else if (a == "close") dismiss();
    else if (a == "submit") {
      if (!valid()) return;
      const answers: Record<string, unknown> = {};
      steps.forEach((s) =>
        s.fields.forEach((fl) => {
          const v = fl.val();
          if (v !== undefined) answers[fl.id] = v;
        }),
      );
      c.say("submitted", { answers, step: cur + 1 });
      // A step after the form is its thank-you; without one the message is done.
      if (cur + 1 < steps.length) go(cur + 1);
      else c.done();
    } else if (b.url && !/^\s*(javascript|data|vbscript):/i.test(b.url)) {
      const to = new URL(b.url, w.location.href);
      if (a == "url" && to.origin != w.location.origin) w.open(to.href, "_blank", "noopener");
      else w.location.assign(to.href);
      c.done();
    }
  }

  const move = () => {
    if (!arrow) return;
    let a: Element | null = null;
    try {
      a = d.querySelector(m.anchor || "");
    } catch {
      // an anchor that is not a valid selector matches nothing
    }
    const r = a && a.getBoundingClientRect();
    // An anchor that is absent or not rendered (display: none) takes its tooltip with it until it is back.
    box.hidden = !r || !(r.width || r.height);
    if (r && !box.hidden) {
      const b = box.getBoundingClientRect();
      const where = box.getAttribute("data-p");
      const side = where == "left" || where == "right";
      let top = where == "top" ? r.top - b.height - 10 : side ? r.top + (r.height - b.height) / 2 : r.bottom + 10;
      let left = where == "left" ? r.left - b.width - 10 : where == "right" ? r.right + 10 : r.left + (r.width - b.width) / 2;
      left = Math.max(8, Math.min(left, w.innerWidth - b.width - 8));
      top = Math.max(8, top);
      box.style.top = top + "px";
      box.style.left = left + "px";
      if (side) arrow.style.top = Math.max(8, r.top + r.height / 2 - top - 6) + "px";
      else arrow.style.left = Math.max(8, Math.min(r.left + r.width / 2 - left - 6, b.width - 20)) + "px";
    }
  };

  const prev = d.activeElement as HTMLElement | null;
  c.host.appendChild(el);
  if (arrow) {
    w.addEventListener("scroll", move, true);
    w.addEventListener("resize", move);
    move();
  }
  if (blocking) {
    const first = focusables()[0];
    if (first) first.focus();
  }

  return {
    el,
    move,
    end() {
      w.removeEventListener("scroll", move, true);
      w.removeEventListener("resize", move);
      keys.removeEventListener("keydown", onKey as EventListener);
      el.remove();
      if (blocking && prev && prev.isConnected && prev.focus) prev.focus();
    },
  };
}
