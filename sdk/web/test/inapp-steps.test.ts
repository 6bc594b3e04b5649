import { afterEach, describe, expect, it, vi } from "vitest";
import type { Block, InAppMessage } from "../src/types";
import { button, cleanup, message, shown, start, types } from "./inapp-helpers";

afterEach(() => {
  vi.restoreAllMocks();
  cleanup();
});

const tour = (): InAppMessage =>
  message({
    steps: [
      { blocks: [{ type: "text", text: "Step one" }, { type: "button", id: "next1", label: "Next", action: "next" }] },
      {
        blocks: [
          { type: "text", text: "Step two" },
          { type: "button", id: "back2", label: "Back", action: "back" },
          { type: "button", id: "next2", label: "Next", action: "next" },
        ],
      },
      {
        blocks: [
          { type: "text", text: "Step three" },
          { type: "button", id: "first", label: "Again", action: "step:1" },
          { type: "button", id: "done", label: "Done", action: "close" },
        ],
      },
    ],
  });
const visible = (id: string) =>
  Array.from(shown(id)!.querySelectorAll<HTMLElement>(".s")).map((s) => !s.hidden);

describe("multi-step messages", () => {
  it("go next, back and to a numbered step, reporting each step reached and each click", () => {
    const h = start();
    const m = tour();
    h.inapp.add(m);
    expect(visible(m.deliveryId)).toEqual([true, false, false]);
    button(m.deliveryId, "next1").click();
    expect(visible(m.deliveryId)).toEqual([false, true, false]);
    button(m.deliveryId, "back2").click();
    expect(visible(m.deliveryId)).toEqual([true, false, false]);
    button(m.deliveryId, "next1").click();
    button(m.deliveryId, "next2").click();
    button(m.deliveryId, "first").click();
    expect(visible(m.deliveryId)).toEqual([true, false, false]);
    const id = m.deliveryId;
    expect(h.reports).toEqual([
      { deliveryId: id, type: "shown" },
      { deliveryId: id, type: "clicked", buttonId: "next1", step: 1 },
      { deliveryId: id, type: "step", step: 2 },
      { deliveryId: id, type: "clicked", buttonId: "back2", step: 2 },
      { deliveryId: id, type: "step", step: 1 },
      { deliveryId: id, type: "clicked", buttonId: "next1", step: 1 },
      { deliveryId: id, type: "step", step: 2 },
      { deliveryId: id, type: "clicked", buttonId: "next2", step: 2 },
      { deliveryId: id, type: "step", step: 3 },
      { deliveryId: id, type: "clicked", buttonId: "first", step: 3 },
      { deliveryId: id, type: "step", step: 1 },
    ]);
  });

  it("labels the dialog with the first text of the step on screen", () => {
    const h = start();
    const m = tour();
    h.inapp.add(m);
    const el = shown(m.deliveryId)!;
    const title = () => el.querySelector("#" + el.getAttribute("aria-labelledby"))!.textContent;
    expect(title()).toBe("Step one");
    button(m.deliveryId, "next1").click();
    expect(title()).toBe("Step two");
  });

  it("close buttons report the click, then the dismissal, and the callbacks follow", () => {
    const h = start();
    const m = tour();
    h.inapp.add(m);
    button(m.deliveryId, "next1").click();
    button(m.deliveryId, "next2").click();
    button(m.deliveryId, "done").click();
    expect(shown(m.deliveryId)).toBeNull();
    expect(types(h).slice(-2)).toEqual(["clicked", "dismissed"]);
    expect(h.reports[h.reports.length - 1]).toEqual({ deliveryId: m.deliveryId, type: "dismissed", step: 3 });
    expect(h.calls.map(([t]) => t)).toEqual(["show", "click", "click", "click", "dismiss"]);
    expect(h.calls[3][1]).toMatchObject({ message: m, buttonId: "done", step: 3 });
  });

  it("opens a URL of another origin in a new tab and one of the same origin in place, then closes", () => {
    const open = vi.spyOn(window, "open").mockReturnValue(null);
    const assign = vi.spyOn(window.location, "assign").mockImplementation(() => {});
    const h = start();
    const blocks: Block[] = [
      { type: "text", text: "Upgrade" },
      { type: "button", id: "out", label: "Docs", action: "url", url: "https://docs.example.com/a" },
    ];
    const a = message({ format: "banner" }, blocks);
    h.inapp.add(a);
    button(a.deliveryId, "out").click();
    expect(open).toHaveBeenCalledWith("https://docs.example.com/a", "_blank", "noopener");
    expect(shown(a.deliveryId)).toBeNull();
    expect(h.calls[1]).toEqual(["click", { message: a, buttonId: "out", step: 1, url: "https://docs.example.com/a" }]);
    expect(h.reports[1]).toEqual({ deliveryId: a.deliveryId, type: "clicked", buttonId: "out", step: 1 });

    const same = location.origin + "/pricing";
    const b = message({ format: "banner" }, [{ type: "button", id: "in", label: "Pricing", action: "url", url: same }]);
    h.inapp.add(b);
    button(b.deliveryId, "in").click();
    expect(assign).toHaveBeenCalledWith(same);
    expect(open).toHaveBeenCalledTimes(1);
  });

  it("follows a deep link in place and never a javascript: URL", () => {
    const assign = vi.spyOn(window.location, "assign").mockImplementation(() => {});
    const h = start();
    const m = message({ format: "banner" }, [
      { type: "button", id: "app", label: "Open app", action: "deepLink", url: "myapp://reports/42" },
      { type: "button", id: "bad", label: "Bad", action: "deepLink", url: "javascript:alert(1)" },
    ]);
    h.inapp.add(m);
    button(m.deliveryId, "bad").click();
    expect(assign).not.toHaveBeenCalled();
    button(m.deliveryId, "app").click();
    expect(assign).toHaveBeenCalledWith("myapp://reports/42");
  });
});

describe("forms", () => {
  const survey = (): InAppMessage =>
    message({
      steps: [
        {
          blocks: [
            { type: "text", text: "Tell us" },
            { type: "input", id: "name", inputType: "text", label: "Name", required: true },
            { type: "input", id: "email", inputType: "email", label: "Email" },
            { type: "input", id: "seats", inputType: "number", label: "Seats" },
            { type: "choice", id: "role", options: ["Dev", "PM"], label: "Role" },
            { type: "choice", id: "tools", options: ["Git", "Jira", "Slack"], multiple: true, label: "Tools" },
            { type: "rating", id: "stars", scale: 5, label: "Rate us" },
            { type: "rating", id: "nps", scale: 10, label: "Recommend?" },
            { type: "button", id: "send", label: "Send", action: "submit" },
          ],
        },
        { blocks: [{ type: "text", text: "Thanks!" }, { type: "button", id: "bye", label: "Close", action: "close" }] },
      ],
    });
  const input = (id: string, name: string) => shown(id)!.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
  const type = (el: HTMLInputElement, v: string) => {
    el.value = v;
    el.dispatchEvent(new Event("input"));
  };
  const error = (el: HTMLInputElement) =>
    (el.getRootNode() as ShadowRoot).getElementById(el.getAttribute("aria-describedby")!)!.textContent;
  const pick = (id: string, group: string, value: string) => {
    const r = shown(id)!.querySelector<HTMLInputElement>(`input[name$="${group}"][value="${value}"]`)!;
    r.checked = true;
    r.dispatchEvent(new Event("change"));
  };

  it("blocks submit until valid, with inline messages and aria-invalid, then reports the answers", () => {
    const h = start();
    const m = survey();
    h.inapp.add(m);
    const id = m.deliveryId;
    const name = input(id, "name");
    button(id, "send").click();
    expect(types(h)).toEqual(["shown", "clicked"]);
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(error(name)).toBe("This field is required.");
    expect((name.getRootNode() as ShadowRoot).activeElement).toBe(name);

    type(name, "Ada");
    expect(name.hasAttribute("aria-invalid")).toBe(false);
    expect(error(name)).toBe("");
    type(input(id, "email"), "not-an-email");
    type(input(id, "seats"), "12");
    button(id, "send").click();
    expect(error(input(id, "email"))).toBe("Enter a valid email address.");
    expect(types(h)).not.toContain("submitted");

    type(input(id, "email"), "ada@example.com");
    pick(id, "role", "PM");
    pick(id, "tools", "Git");
    pick(id, "tools", "Slack");
    pick(id, "stars", "4");
    pick(id, "nps", "9");
    button(id, "send").click();
    const answers = { name: "Ada", email: "ada@example.com", seats: 12, role: "PM", tools: ["Git", "Slack"], stars: 4, nps: 9 };
    expect(h.reports[h.reports.length - 2]).toEqual({ deliveryId: id, type: "submitted", answers, step: 1 });
    expect(h.calls[h.calls.length - 1]).toEqual(["submit", { message: m, answers, step: 1 }]);
    // The step after the form thanks the person.
    expect(h.reports[h.reports.length - 1]).toEqual({ deliveryId: id, type: "step", step: 2 });
  });

  it("checks numbers", () => {
    const h = start();
    const m = message({}, [
      { type: "input", id: "n", inputType: "number", label: "N" },
      { type: "button", id: "s", label: "Send", action: "submit" },
    ]);
    h.inapp.add(m);
    const n = input(m.deliveryId, "n");
    // happy-dom keeps what was typed; a browser empties a number input holding junk (then: not required, so valid).
    Object.defineProperty(n, "value", { value: "12abc", configurable: true });
    button(m.deliveryId, "s").click();
    expect(error(n)).toBe("Enter a number.");
  });

  it("leaves optional fields out of the answers and closes after submitting a last step", () => {
    const h = start();
    const m = message({}, [
      { type: "input", id: "note", inputType: "text", label: "Note" },
      { type: "rating", id: "r", scale: 5 },
      { type: "button", id: "s", label: "Send", action: "submit" },
    ]);
    h.inapp.add(m);
    button(m.deliveryId, "s").click();
    expect(h.reports.find((r) => r.type == "submitted")!.answers).toEqual({});
    expect(shown(m.deliveryId)).toBeNull();
    expect(types(h)).not.toContain("dismissed");
  });

  it("validates a step before next moves on", () => {
    const h = start();
    const m = message({
      steps: [
        { blocks: [{ type: "input", id: "e", inputType: "email", label: "Email", required: true }, { type: "button", id: "n", label: "Next", action: "next" }] },
        { blocks: [{ type: "text", text: "Two" }] },
      ],
    });
    h.inapp.add(m);
    button(m.deliveryId, "n").click();
    expect(types(h)).not.toContain("step");
    type(input(m.deliveryId, "e"), "a@b.co");
    button(m.deliveryId, "n").click();
    expect(types(h)).toContain("step");
  });

  it("renders ratings as radio groups: five stars, or NPS from 0 to 10", () => {
    const h = start();
    const m = message({}, [
      { type: "rating", id: "stars", scale: 5, label: "Rate" },
      { type: "rating", id: "nps", scale: 10, label: "Recommend" },
      { type: "choice", id: "many", options: ["a", "b"], multiple: true },
    ]);
    h.inapp.add(m);
    const groups = shown(m.deliveryId)!.querySelectorAll(".g");
    expect(groups[0].getAttribute("role")).toBe("radiogroup");
    expect(Array.from(groups[0].querySelectorAll("input")).map((i) => [i.type, i.value, i.getAttribute("aria-label")])).toEqual(
      [1, 2, 3, 4, 5].map((v) => ["radio", String(v), `${v} of 5`]),
    );
    expect(Array.from(groups[1].querySelectorAll("input")).map((i) => i.value)).toEqual(
      ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
    );
    expect(groups[1].getAttribute("aria-labelledby")).toBe(groups[1].querySelector(".l")!.id);
    expect(groups[2].getAttribute("role")).toBe("group");
    expect(groups[2].querySelector("input")!.type).toBe("checkbox");
    pick(m.deliveryId, "stars", "3");
    expect(Array.from(groups[0].querySelectorAll("label")).map((l) => l.classList.contains("on"))).toEqual(
      [true, true, true, false, false],
    );
  });
});
