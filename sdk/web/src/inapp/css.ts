// The stylesheet of every shadow root the SDK renders into. Styles reach it only as CSS custom properties
// (`--h-colors-primary`, `--h-fonts-sizes-title`, ...: the style field's path joined with dashes), so a workspace
// or a message changes the look without any selector of its own.

// `all: initial` cuts inheritance from the host page at the shadow boundary; the defaults are the server's light set.
const BASE =
  ":host{all:initial;--h-colors-primary:#2563eb;--h-colors-secondary:#64748b;--h-colors-background:#fff;" +
  "--h-colors-surface:#f8fafc;--h-colors-text:#0f172a;--h-colors-mutedText:#64748b;--h-colors-border:#e2e8f0;" +
  "--h-colors-buttonText:#fff;--h-colors-link:#2563eb;--h-colors-error:#dc2626;--h-colors-overlay:rgba(15,23,42,.5);" +
  "--h-fonts-family:system-ui,sans-serif;--h-fonts-sizes-title:20px;--h-fonts-sizes-body:15px;" +
  "--h-fonts-sizes-small:13px;--h-fonts-sizes-button:15px;--h-fonts-weights-title:600;--h-fonts-weights-body:400;" +
  "--h-fonts-weights-button:600;--h-radii-container:12px;--h-radii-button:8px;--h-radii-input:6px;" +
  "--h-radii-image:8px;--h-spacing-padding:20px;--h-spacing-gap:12px;--h-spacing-buttonPadding:10px}" +
  "*{box-sizing:border-box;margin:0}[hidden]{display:none!important}" +
  ".b{font-family:var(--h-fonts-family);font-size:var(--h-fonts-sizes-body);font-weight:var(--h-fonts-weights-body);" +
  "line-height:1.4;color:var(--h-colors-text);background-color:var(--h-colors-background);" +
  "border:1px solid var(--h-colors-border);border-radius:var(--h-radii-container);padding:var(--h-spacing-padding);" +
  "padding-right:40px;position:relative;box-shadow:0 8px 30px rgba(0,0,0,.2);animation:hi .2s}" +
  // Fixed formats stack over the page; a modal and fullscreen over them. An inline card stays in the page's flow.
  ".banner,.slide_in,.tooltip{z-index:2147483000}.ov,.fullscreen{z-index:2147483001}" +
  ".s,label,.g{display:flex;flex-direction:column;gap:var(--h-spacing-gap)}" +
  ".ov{position:fixed;inset:0;background-color:var(--h-colors-overlay);display:flex;align-items:center;" +
  "justify-content:center}" +
  ".modal{width:min(480px,calc(100vw - 32px));max-height:90vh;overflow:auto}" +
  ".fullscreen{position:fixed;inset:0;border:0;border-radius:0;overflow:auto;display:flex}" +
  ".fullscreen .s{margin:auto;width:min(560px,100%)}" +
  ".banner{position:fixed;left:0;right:0;border-radius:0}.top{top:0}.bottom{bottom:0}" +
  ".slide_in,.tooltip{position:fixed;width:min(360px,calc(100vw - 32px))}" +
  ".slide_in{max-height:calc(100vh - 32px);overflow:auto}" +
  ".ar{position:absolute;width:12px;height:12px;background-color:inherit;transform:rotate(45deg);" +
  "border:inherit;clip-path:polygon(0 0,100% 0,0 100%)}" +
  "[data-p=bottom] .ar{top:-7px}[data-p=top] .ar{bottom:-7px;rotate:180deg}" +
  "[data-p=right] .ar{left:-7px;rotate:-90deg}[data-p=left] .ar{right:-7px;rotate:90deg}" +
  ".h{font-size:var(--h-fonts-sizes-title);font-weight:var(--h-fonts-weights-title)}" +
  "img{max-width:100%;border-radius:var(--h-radii-image)}.row{display:flex;flex-wrap:wrap;gap:8px}" +
  "button{font:inherit;color:inherit;cursor:pointer}" +
  ".k{font-size:var(--h-fonts-sizes-button);font-weight:var(--h-fonts-weights-button);" +
  "padding:var(--h-spacing-buttonPadding) calc(2*var(--h-spacing-buttonPadding));border-radius:var(--h-radii-button);" +
  "border:1px solid var(--h-colors-primary);background-color:var(--h-colors-primary);color:var(--h-colors-buttonText)}" +
  ".k2{background-color:transparent;color:var(--h-colors-link);border-color:var(--h-colors-secondary)}" +
  ".x{position:absolute;top:8px;right:8px;border:0;background:none;font-size:22px;line-height:1;" +
  "color:var(--h-colors-mutedText)}" +
  "input{font:inherit;color:inherit;padding:8px;border:1px solid var(--h-colors-border);" +
  "border-radius:var(--h-radii-input);background-color:var(--h-colors-surface)}" +
  "[aria-invalid=true]{border-color:var(--h-colors-error)}" +
  ".e,.l{font-size:var(--h-fonts-sizes-small)}.e{color:var(--h-colors-error)}.e:empty{display:none}" +
  ".o{flex-direction:row;align-items:center;gap:8px}.g.r{flex-direction:row;flex-wrap:wrap;gap:4px}.r .l{width:100%}" +
  ".r input{position:absolute;opacity:0;width:1px;height:1px}" +
  ".r span{display:inline-block;min-width:32px;padding:4px;text-align:center;border:1px solid var(--h-colors-border);" +
  "border-radius:var(--h-radii-input);cursor:pointer}.on span,.r :checked+span{background-color:var(--h-colors-primary);" +
  "color:var(--h-colors-buttonText)}" +
  ":focus-visible,.r :focus-visible+span{outline:2px solid var(--h-colors-primary);outline-offset:2px}" +
  "@keyframes hi{from{opacity:0;transform:translateY(8px)}}" +
  "@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}";

// Values go into CSS text: only characters a color, length, weight or font list needs, and no function but a color's
// (no url() to fetch, no ; or } to end the declaration). Global styles are checked on the server too; a message's not.
const SAFE = /^(?:[\w\s#.,%+\-"'/]|(?:rgba?|hsla?)\([\w\s.,%/+\-]*\))*$/;

type Tree = { [k: string]: unknown };

/** `sel{--h-…}` for a (possibly partial) styles document, with its dark colors as darkMode.mode says. */
export function vars(styles: object | undefined, sel: string, mode?: string): string {
  const s = styles as Tree | undefined;
  if (!s) return "";
  const out: string[] = [];
  const walk = (o: Tree, p: string) => {
    for (const k in o) {
      const v = o[k];
      if (k == "darkMode") continue;
      if (v && typeof v == "object") walk(v as Tree, p + k + "-");
      else if ((typeof v == "number" || typeof v == "string") && String(v).length < 300 && SAFE.test(String(v)))
        out.push(`--h-${p}${k}:${v}`);
    }
  };
  walk(s, "");
  let css = out.length ? `${sel}{${out.join(";")}}` : "";
  const dark = s.darkMode as Tree | undefined;
  mode = (dark && (dark.mode as string)) || mode || "auto";
  if (dark && dark.colors) {
    const d = vars({ colors: dark.colors }, sel);
    css += mode == "dark" ? d : mode == "auto" ? `@media (prefers-color-scheme:dark){${d}}` : "";
  }
  return css;
}

export const sheet = (global: object | undefined) => BASE + vars(global, ":host");
