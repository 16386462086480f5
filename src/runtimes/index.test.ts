import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime } from "./index.js";
import { LocalRuntime } from "./local/index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("createRuntime", () => {
  it("gives the local runtime for `runtime: local`, its state under <data>/runtime", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "slipway-data-"));
    dirs.push(dataDir);
    const runtime = createRuntime(
      { runtime: { kind: "local" } },
      { dataDir, logger: pino({ enabled: false }) },
    );
    expect(runtime).toBeInstanceOf(LocalRuntime);
    expect(existsSync(join(dataDir, "runtime", "revisions"))).toBe(true);
    expect(runtime.revisions()).toEqual([]);
    await runtime.detach();
  });
});
