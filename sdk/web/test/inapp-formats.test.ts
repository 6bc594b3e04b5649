import { afterEach, describe, expect, it, vi } from "vitest";
import { button, cleanup, message, root, settle, shown, start, types } from "./inapp-helpers";

afterEach(cleanup);

describe("in-app formats", () => {
  it("renders a modal in an open shadow root under #herald-root at the end of the body and reports it shown", () => {
    document.body.innerHTML = "<main>page</main>";
    const h = start();
    const m = message();
    h.inapp.add(m);
    const host = document.getElementById("herald-root")!;
    expect(document.body.lastElementChild).toBe(host);
    expect(host.shadowRoot!.mode).toBe("open");
    const el = shown(m.deliveryId)!;
    expect(el.getAttribute("data-herald-format")).toBe("modal");
    expect(el.parentElement!.className).toBe("ov");
    expect(el.textContent).toContain("Take the tour");
    expect(button(m.deliveryId, "go").textContent).toBe("Go");
    expect(h.reports).toEqual([{ deliveryId: m.deliveryId, type: "shown" }]);
    expect(h.calls).toEqual([["show", { message: m }]]);
    // Nothing of it is in the light DOM the host page's CSS and scripts see.
    expect(document.querySelector("[data-herald-delivery]")).toBeNull();
  });

  it("isolates its CSS: :host resets inheritance and every rule lives inside the shadow root", () => {
    const h = start();
    h.inapp.add(message());
    const css = root()!.querySelector("style")!.textContent!;
    expect(css).toMatch(/^:host\{all:initial;/);
    expect(document.head.querySelector("style")).toBeNull();
  });

  it("places banners at the top by default or at the bottom, as polite regions with a labelled close button", () => {
    const h = start();
    const top = message({ format: "banner" });
    const bottom = message({ format: "banner", position: "bottom" });
    h.inapp.replace([top, bottom]);
    const t = shown(top.deliveryId)!;
    const b = shown(bottom.deliveryId)!;
    expect(t.classList.contains("top")).toBe(true);
    expect(b.classList.contains("bottom")).toBe(true);
    expect(t.getAttribute("role")).toBe("region");
    expect(t.getAttribute("aria-live")).toBe("polite");
    expect(t.querySelector(".x")!.getAttribute("aria-label")).toBe("Close");
  });

  it("puts a slide-in in the corner its position names", () => {
    const h = start();
    const a = message({ format: "slide_in" });
    const b = message({ format: "slide_in", position: "top_left" });
    h.inapp.replace([a, b]);
    const ea = shown(a.deliveryId)!;
    const eb = shown(b.deliveryId)!;
    expect([ea.style.bottom, ea.style.right, ea.style.top]).toEqual(["16px", "16px", ""]);
    expect([eb.style.top, eb.style.left, eb.style.bottom]).toEqual(["16px", "16px", ""]);
  });

  it("renders a fullscreen message as a modal dialog without an overlay", () => {
    const h = start();
    const m = message({ format: "fullscreen" });
    h.inapp.add(m);
    const el = shown(m.deliveryId)!;
    expect(el.parentNode).toBe(root());
    expect(el.getAttribute("role")).toBe("dialog");
    expect(el.getAttribute("aria-modal")).toBe("true");
  });

  it("renders images with their alt text", () => {
    const h = start();
    const m = message({}, [{ type: "image", url: "https://cdn.example.com/a.png", alt: "A chart" }]);
    h.inapp.add(m);
    const img = shown(m.deliveryId)!.querySelector("img")!;
    expect(img.getAttribute("src")).toBe("https://cdn.example.com/a.png");
    expect(img.alt).toBe("A chart");
  });
});

describe("tooltip", () => {
  const rect = (top: number, left: number, w = 100, hgt = 30) =>
    ({ top, left, width: w, height: hgt, bottom: top + hgt, right: left + w, x: left, y: top, toJSON() {} }) as DOMRect;

  it("is skipped while its anchor is absent, stays eligible, and shows once the anchor appears", async () => {
    const h = start();
    const m = message({ format: "tooltip", anchor: "#export" });
    h.inapp.add(m);
    expect(shown(m.deliveryId)).toBeNull();
    expect(h.reports).toEqual([]);
    const b = document.createElement("button");
    b.id = "export";
    document.body.append(b);
    await settle();
    expect(shown(m.deliveryId)).not.toBeNull();
    expect(types(h)).toEqual(["shown"]);
  });

  it("sits below its anchor with an arrow and follows it on scroll and resize", () => {
    document.body.innerHTML = '<button id="export">Export</button>';
    const anchor = document.getElementById("export")!;
    anchor.getBoundingClientRect = () => rect(100, 200);
    const h = start();
    const m = message({ format: "tooltip", anchor: "#export" });
    h.inapp.add(m);
    const el = shown(m.deliveryId)!;
    expect(el.getAttribute("data-p")).toBe("bottom");
    expect(el.querySelector(".ar")).not.toBeNull();
    expect(el.style.top).toBe("140px");
    anchor.getBoundingClientRect = () => rect(50, 200);
    window.dispatchEvent(new Event("scroll"));
    expect(el.style.top).toBe("90px");
    anchor.getBoundingClientRect = () => rect(20, 200);
    window.dispatchEvent(new Event("resize"));
    expect(el.style.top).toBe("60px");
  });

  it("hides while its anchor is not rendered and follows an anchor the page re-rendered", async () => {
    document.body.innerHTML = '<button id="export">Export</button>';
    const anchor = document.getElementById("export")!;
    anchor.getBoundingClientRect = () => rect(100, 200);
    const h = start();
    const m = message({ format: "tooltip", anchor: "#export", position: "top" });
    h.inapp.add(m);
    const el = shown(m.deliveryId)!;
    expect(el.hidden).toBe(false);
    anchor.getBoundingClientRect = () => rect(0, 0, 0, 0); // display: none
    window.dispatchEvent(new Event("resize"));
    expect(el.hidden).toBe(true);
    anchor.remove();
    await settle();
    expect(el.hidden).toBe(true);
    const again = document.createElement("button");
    again.id = "export";
    again.getBoundingClientRect = () => rect(300, 200);
    document.body.append(again);
    await settle();
    expect(el.hidden).toBe(false);
    expect(el.getAttribute("data-p")).toBe("top");
    expect(types(h)).toEqual(["shown"]);
  });

  it("shows one tooltip per anchor", () => {
    document.body.innerHTML = '<button id="export">Export</button>';
    const h = start();
    const a = message({ format: "tooltip", anchor: "#export", priority: 60 });
    const b = message({ format: "tooltip", anchor: "#export" });
    h.inapp.replace([a, b]);
    expect(shown(a.deliveryId)).not.toBeNull();
    expect(shown(b.deliveryId)).toBeNull();
    shown(a.deliveryId)!.querySelector<HTMLButtonElement>(".x")!.click();
    expect(shown(b.deliveryId)).not.toBeNull();
  });

  it("treats an anchor that is not a valid selector as absent", () => {
    const h = start();
    h.inapp.add(message({ format: "tooltip", anchor: "##nope[" }));
    expect(h.reports).toEqual([]);
  });
});

describe("inline", () => {
  it("renders into the slot's own shadow root, not under #herald-root", () => {
    document.body.innerHTML = '<section><div data-herald-slot="home-card">placeholder</div></section>';
    const h = start();
    const m = message({ format: "inline", placement: "home-card" });
    h.inapp.add(m);
    const slot = document.querySelector("[data-herald-slot]")!;
    expect(slot.shadowRoot!.querySelector(`[data-herald-delivery="${m.deliveryId}"]`)).not.toBeNull();
    expect(root()?.querySelector("[data-herald-delivery]") ?? null).toBeNull();
    expect(slot.shadowRoot!.querySelector("style")!.textContent).toContain(":host{all:initial");
  });

  it("is skipped without its slot and shows when the slot appears", async () => {
    const h = start();
    const m = message({ format: "inline", placement: "home-card" });
    h.inapp.add(m);
    expect(h.reports).toEqual([]);
    document.body.insertAdjacentHTML("beforeend", '<div data-herald-slot="home-card"></div>');
    await settle();
    expect(shown(m.deliveryId)).not.toBeNull();
  });

  it("follows a slot the page re-rendered", async () => {
    document.body.innerHTML = '<div data-herald-slot="s1"></div>';
    const h = start();
    const m = message({ format: "inline", placement: "s1" });
    h.inapp.add(m);
    document.body.innerHTML = '<main><div data-herald-slot="s1"></div></main>';
    await settle();
    expect(document.querySelector("main [data-herald-slot]")!.shadowRoot!.querySelector("[data-herald-delivery]")).not.toBeNull();
    expect(types(h)).toEqual(["shown"]);
  });

  it("gives the slot its own content back when the message closes", () => {
    document.body.innerHTML = '<div data-herald-slot="s1">placeholder</div>';
    const h = start();
    const m = message({ format: "inline", placement: "s1" });
    h.inapp.add(m);
    button(m.deliveryId, "go").click();
    const r = document.querySelector("[data-herald-slot]")!.shadowRoot!;
    expect(r.querySelector("[data-herald-delivery]")).toBeNull();
    expect(r.querySelector("slot")).not.toBeNull();
  });
});

describe("styles", () => {
  const styles = {
    colors: { primary: "#ff0000", text: "#111111" },
    darkMode: { mode: "auto" as const, colors: { primary: "#00ff00" } },
    fonts: { family: '"Inter", sans-serif', sizes: { title: "24px" }, weights: { title: 700 } },
    radii: { container: "4px" },
    spacing: { padding: "16px" },
  };

  it("turns global styles into custom properties, dark colors under prefers-color-scheme when auto", () => {
    const h = start();
    h.inapp.add(message());
    h.inapp.setStyles(styles);
    const css = root()!.querySelector("style")!.textContent!;
    expect(css).toContain(":host{--h-colors-primary:#ff0000;--h-colors-text:#111111;--h-fonts-family:\"Inter\", sans-serif;");
    expect(css).toContain("--h-fonts-sizes-title:24px;--h-fonts-weights-title:700;--h-radii-container:4px;--h-spacing-padding:16px}");
    expect(css).toContain("@media (prefers-color-scheme:dark){:host{--h-colors-primary:#00ff00}}");
  });

  it("uses dark colors always in dark mode and never in light mode", () => {
    const h = start();
    h.inapp.add(message());
    h.inapp.setStyles({ ...styles, darkMode: { mode: "dark", colors: { primary: "#00ff00" } } });
    let css = root()!.querySelector("style")!.textContent!;
    expect(css).toContain("}:host{--h-colors-primary:#00ff00}");
    expect(css).not.toContain("prefers-color-scheme");
    h.inapp.setStyles({ ...styles, darkMode: { mode: "light", colors: { primary: "#00ff00" } } });
    css = root()!.querySelector("style")!.textContent!;
    expect(css).not.toContain("#00ff00");
  });

  it("gives a message's dark colors the workspace's dark mode", () => {
    const h = start();
    h.inapp.setStyles({ ...styles, darkMode: { mode: "light", colors: {} } });
    const m = message({ style: { darkMode: { colors: { primary: "#000000" } } } });
    h.inapp.add(m);
    expect(shown(m.deliveryId)!.querySelector("style")!.textContent).toBe("");
  });

  it("applies a message's style overrides to that message only", () => {
    const h = start();
    const m = message({ format: "banner", style: { colors: { primary: "#123456" }, radii: { button: "0" } } });
    h.inapp.add(m);
    const el = shown(m.deliveryId)!;
    const own = el.querySelector("style")!.textContent!;
    const cls = Array.from(el.classList).find((c) => /^m\d+$/.test(c));
    expect(own).toBe(`.${cls}{--h-colors-primary:#123456;--h-radii-button:0}`);
  });

  it("drops style values that could leave their declaration or fetch a URL", () => {
    const h = start();
    const m = message({
      style: {
        colors: { primary: "red;}</style><script>alert(1)</script>", background: "url(https://evil.example/x)", text: "rgba(1, 2, 3, 0.5)" },
        fonts: { family: "x}body{display:none" },
      },
    });
    h.inapp.add(m);
    const own = shown(m.deliveryId)!.querySelector("style")!.textContent!;
    expect(own).toMatch(/^\.m\d+\{--h-colors-text:rgba\(1, 2, 3, 0\.5\)\}$/);
  });
});

describe("server text", () => {
  it("is only ever text: markup in texts, labels, options and alt never becomes elements", () => {
    const evil = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';
    const h = start();
    const m = message({}, [
      { type: "text", text: evil },
      { type: "image", url: "https://cdn.example.com/a.png", alt: evil },
      { type: "input", id: "name", inputType: "text", label: evil },
      { type: "choice", id: "c", options: [evil, "b"], label: evil },
      { type: "rating", id: "r", scale: 5, label: evil },
      { type: "button", id: "b", label: evil, action: "close" },
    ]);
    h.inapp.add(m);
    const el = shown(m.deliveryId)!;
    expect(el.querySelectorAll("img")).toHaveLength(1);
    expect(el.querySelector("script")).toBeNull();
    expect(el.querySelector(".h")!.textContent).toBe(evil);
    expect(button(m.deliveryId, "b").textContent).toBe(evil);
    expect((window as unknown as { __xss?: number }).__xss).toBeUndefined();
    vi.restoreAllMocks();
  });
});

describe("robustness", () => {
  it("skips a message it cannot build and shows the others", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const h = start();
    const broken = message({ format: "banner", priority: 90 }, [{ type: "choice", id: "c" } as never]);
    const fine = message({ format: "slide_in" });
    h.inapp.replace([broken, fine]);
    expect(h.reports).toEqual([{ deliveryId: fine.deliveryId, type: "shown" }]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it("shows a message that came without display rules (frequency once)", () => {
    const h = start();
    const m = message({ format: "banner" });
    delete (m as Partial<typeof m>).display;
    h.inapp.add(m);
    expect(types(h)).toEqual(["shown"]);
  });
});
