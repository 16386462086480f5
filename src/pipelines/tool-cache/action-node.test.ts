import { describe, expect, it } from "vitest";
import { actionNodeMajor } from "./action-node.js";

describe("actionNodeMajor", () => {
  it("runs retired node12/node16 actions on Node 20, as GitHub's runners do", () => {
    expect(actionNodeMajor("node12")).toBe(20);
    expect(actionNodeMajor("node16")).toBe(20);
  });
  it("keeps the declared major from 20 on", () => {
    expect(actionNodeMajor("node20")).toBe(20);
    expect(actionNodeMajor("node24")).toBe(24);
  });
  it("knows nothing else", () => {
    expect(actionNodeMajor("composite")).toBeUndefined();
    expect(actionNodeMajor("nodeX")).toBeUndefined();
  });
});
