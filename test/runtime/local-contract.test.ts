import { afterEach } from "vitest";
import { runtimeContract } from "./contract.js";
import { isRunning, RuntimeHarness } from "./helpers.js";

const harnesses: RuntimeHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.cleanup()));
});

runtimeContract("LocalRuntime", () => {
  const harness = new RuntimeHarness();
  harnesses.push(harness);
  return {
    open: () => harness.runtime(),
    spec: (version, overrides) => harness.spec(version, overrides),
    isRunning,
  };
});
