import { describe, expect, it } from "vitest";
import { parseCommitMessage } from "./conventional.js";

describe("parseCommitMessage (conventional-commits-parser, conventionalcommits preset)", () => {
  it.each([
    [
      "feat(cart)!: drop v1 API",
      { type: "feat", scope: "cart", subject: "drop v1 API", breaking: true, breakingNotes: ["drop v1 API"] },
    ],
    [
      "fix: x\n\nBREAKING CHANGE: the flag is gone",
      { type: "fix", scope: null, subject: "x", breaking: true, breakingNotes: ["the flag is gone"] },
    ],
    ["feat: a\n\nBREAKING-CHANGE: b", { type: "feat", subject: "a", breaking: true, breakingNotes: ["b"] }],
    ["perf(db): faster\n\nRefs #12", { type: "perf", scope: "db", subject: "faster", breaking: false }],
    ["Feat: capitalised type", { type: "feat", subject: "capitalised type" }],
    ["chore: y", { type: "chore", breaking: false }],
    [
      "not conventional at all\n\nBREAKING CHANGE: ignored without a type",
      { type: null, subject: "not conventional at all", breaking: false },
    ],
    ['Revert "feat: a"\n\nThis reverts commit abc.', { type: null, breaking: false }],
  ])("%j", (message, expected) => {
    expect(parseCommitMessage("f".repeat(40), message)).toMatchObject(expected);
  });
});
