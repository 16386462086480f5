import assert from "node:assert/strict";
import { test } from "node:test";
import { greet } from "./greet.js";

test("greets by name with the configured greeting", () => {
  assert.equal(greet("Ada", process.env.GREETING ?? "Hello"), `${process.env.GREETING ?? "Hello"}, Ada!`);
});
