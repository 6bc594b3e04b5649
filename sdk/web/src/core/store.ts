import type { Store } from "../types";

/**
 * localStorage when the page may use it, memory otherwise (private modes, storage disabled, quota full): the SDK
 * keeps working for the page's lifetime and persists what it can.
 */
export function createStore(): Store {
  const mem: Record<string, string> = {};
  let ls: Storage | null = null;
  try {
    ls = localStorage;
    ls.setItem("herald.t", "1");
    ls.removeItem("herald.t");
  } catch {
    ls = null;
  }
  return {
    // Memory holds only what storage refused, so other tabs' writes stay visible.
    get(k) {
      if (k in mem) return mem[k];
      try {
        return ls ? ls.getItem(k) : null;
      } catch {
        return null;
      }
    },
    set(k, v) {
      try {
        if (!ls) throw 0;
        ls.setItem(k, v);
        delete mem[k];
      } catch {
        mem[k] = v; // quota or policy: the memory copy serves this page
      }
    },
    remove(k) {
      delete mem[k];
      try {
        if (ls) ls.removeItem(k);
      } catch {
        // as above
      }
    },
  };
}
