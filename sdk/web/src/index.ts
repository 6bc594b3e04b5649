// The global `Herald` of /sdk/herald.js: `Herald.init(options)` returns the client API.md's "Web SDK" shows.
import { createInApp } from "./inapp/index";
import type { CallbackPayload, CallbackType } from "./types";

export interface Options {
  writeKey: string;
  host: string;
  /** Track a page view on load and on SPA navigation (default true). */
  autoPage?: boolean;
  /** Open the live stream and show in-app messages (default true). */
  inapp?: boolean;
}

export function init(options: Options) {
  // Filled in by the core work (sdk-core branch): tracking, identity, transport, live stream, push.
  const listeners: Partial<Record<CallbackType, Array<(p: CallbackPayload) => void>>> = {};
  const inapp = createInApp({
    window,
    store: { get: () => null, set() {}, remove() {} },
    now: () => Date.now(),
    report() {},
    emit(type, payload) {
      for (const l of listeners[type] || []) l(payload);
    },
  });
  return {
    options,
    inapp: {
      on(type: CallbackType, l: (p: CallbackPayload) => void) {
        (listeners[type] = listeners[type] || []).push(l);
      },
      pause: () => inapp.pause(),
      resume: () => inapp.resume(),
    },
  };
}
