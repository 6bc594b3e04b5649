import type { InApp, InAppDeps } from "../types";

/** Renders eligible messages into a shadow root under #herald-root and applies the display rules. */
export function createInApp(_deps: InAppDeps): InApp {
  // Filled in by the in-app work (sdk-inapp branch).
  return {
    replace() {},
    add() {},
    withdraw() {},
    setStyles() {},
    page() {},
    event() {},
    pause() {},
    resume() {},
    destroy() {},
  };
}
