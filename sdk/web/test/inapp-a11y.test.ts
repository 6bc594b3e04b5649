import { afterEach, describe, expect, it } from "vitest";
import { cleanup, message, root, shown, start, types } from "./inapp-helpers";

afterEach(cleanup);

const key = (el: Element, k: string, shiftKey = false) =>
  el.dispatchEvent(new KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true, composed: true, cancelable: true }));
const active = () => root()!.activeElement;

function dialog() {
  document.body.innerHTML = '<button id="opener">Open</button>';
  const opener = document.getElementById("opener")!;
  opener.focus();
  const h = start();
  const m = message({}, [
    { type: "text", text: "Invite your team" },
    { type: "input", id: "email", inputType: "email", label: "Email" },
    { type: "button", id: "send", label: "Send", action: "submit" },
  ]);
  h.inapp.add(m);
  return { h, m, opener, el: shown(m.deliveryId)! };
}

describe("modal accessibility", () => {
  it("is a modal dialog labelled by its first text", () => {
    const { el } = dialog();
    expect(el.getAttribute("role")).toBe("dialog");
    expect(el.getAttribute("aria-modal")).toBe("true");
    expect(root()!.getElementById(el.getAttribute("aria-labelledby")!)!.textContent).toBe("Invite your team");
  });

  it("moves focus into the dialog and traps Tab at both ends", () => {
    const { el } = dialog();
    const input = el.querySelector("input")!;
    const close = el.querySelector<HTMLElement>(".x")!;
    expect(active()).toBe(input);
    close.focus();
    key(close, "Tab");
    expect(active()).toBe(input);
    key(input, "Tab", true);
    expect(active()).toBe(close);
  });

  it("dismisses on Escape and gives focus back to what had it", () => {
    const { h, m, opener, el } = dialog();
    key(el.querySelector("input")!, "Escape");
    expect(shown(m.deliveryId)).toBeNull();
    expect(types(h)).toEqual(["shown", "dismissed"]);
    expect(h.calls.map(([t]) => t)).toEqual(["show", "dismiss"]);
    expect(document.activeElement).toBe(opener);
  });

  it("dismisses on a click on the overlay, not on the dialog", () => {
    const { h, m, el } = dialog();
    el.click();
    expect(shown(m.deliveryId)).not.toBeNull();
    (el.parentElement as HTMLElement).click();
    expect(shown(m.deliveryId)).toBeNull();
    expect(types(h)).toEqual(["shown", "dismissed"]);
  });

  it("still takes Escape and Tab when focus ended up on the page", () => {
    const { h, opener, el } = dialog();
    opener.focus();
    key(opener, "Tab");
    expect(active()).toBe(el.querySelector("input"));
    opener.focus();
    key(document.body, "Escape");
    expect(types(h)).toEqual(["shown", "dismissed"]);
  });

  it("gives focus back when the message is withdrawn too", () => {
    const { h, m, opener } = dialog();
    h.inapp.withdraw(m.deliveryId);
    expect(document.activeElement).toBe(opener);
  });
});

describe("inputs inside a modal", () => {
  it("check when clicked: the overlay's click handler does not cancel their clicks", () => {
    const h = start();
    const m = message({}, [
      { type: "rating", id: "stars", scale: 5 },
      { type: "choice", id: "tools", options: ["a", "b"], multiple: true },
    ]);
    h.inapp.add(m);
    const [star, , , , , box] = Array.from(shown(m.deliveryId)!.querySelectorAll("input"));
    star.click();
    box.click();
    expect([star.checked, box.checked]).toEqual([true, true]);
    // Browsers (not happy-dom) cancel a click whose on-property handler returns false: radios would never check.
    const overlay = shown(m.deliveryId)!.parentElement!;
    expect(overlay.onclick!.call(overlay, { target: star } as unknown as PointerEvent)).not.toBe(false);
  });
});

describe("non-modal accessibility", () => {
  it("leaves focus on the page for banners, which Escape dismisses when focus is in them", () => {
    document.body.innerHTML = '<input id="search">';
    const search = document.getElementById("search")!;
    search.focus();
    const h = start();
    const m = message({ format: "banner" });
    h.inapp.add(m);
    expect(document.activeElement).toBe(search);
    const el = shown(m.deliveryId)!;
    expect(el.getAttribute("aria-labelledby")).toBeTruthy();
    key(el.querySelector("button")!, "Escape");
    expect(types(h)).toEqual(["shown", "dismissed"]);
  });

  it("labels a message without text for screen readers", () => {
    const h = start();
    const m = message({ format: "slide_in" }, [{ type: "image", url: "https://cdn.example.com/a.png", alt: "New" }]);
    h.inapp.add(m);
    expect(shown(m.deliveryId)!.getAttribute("aria-label")).toBe("Message");
  });

  it("links each input to its error message", () => {
    const h = start();
    const m = message({ format: "inline", placement: "x" }, [{ type: "input", id: "n", inputType: "text", label: "Name", required: true }]);
    document.body.innerHTML = '<div data-herald-slot="x"></div>';
    h.inapp.add(m);
    const input = shown(m.deliveryId)!.querySelector("input")!;
    expect(input.getAttribute("aria-required")).toBe("true");
    expect(input.closest("label")!.textContent).toBe("Name");
    const err = (input.getRootNode() as ShadowRoot).getElementById(input.getAttribute("aria-describedby")!)!;
    expect(err.getAttribute("aria-live")).toBe("polite");
  });

  it("turns animations off for people who ask for reduced motion", () => {
    const h = start();
    h.inapp.add(message());
    expect(root()!.querySelector("style")!.textContent).toContain(
      "@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}",
    );
  });
});
