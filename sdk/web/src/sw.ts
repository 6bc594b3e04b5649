// Herald's web push service worker (served at /sdk/herald-sw.js; host it on your own origin). Filled in by the
// web push work (sdk-core branch).
export {};
