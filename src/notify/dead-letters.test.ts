import { describe, expect, it } from "vitest";
import { deadLetterStoreContract } from "../store/contract/dead-letter.contract.js";
import { pageSize } from "../store/ports/dead-letter-store.js";
import { MemoryDeadLetterStore } from "./dead-letters.js";

deadLetterStoreContract("memory", () => new MemoryDeadLetterStore());

describe("pageSize", () => {
  it("defaults, floors and caps the page", () => {
    expect(pageSize(undefined)).toBe(100);
    expect(pageSize(0)).toBe(1);
    expect(pageSize(5.7)).toBe(5);
    expect(pageSize(1e9)).toBe(1000);
    expect(pageSize(Number.NaN)).toBe(100);
  });
});
