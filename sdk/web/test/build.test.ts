import { describe, expect, it } from "vitest";
import { init } from "../src/index";

describe("init", () => {
  it("returns a client with the in-app controls", () => {
    const herald = init({ writeKey: "wk_test_0123456789", host: "http://localhost:8080" });
    expect(typeof herald.inapp.pause).toBe("function");
  });
});
