import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectYaml, startWorld, type World } from "./world.js";
import { serveWorldApi, type WorldApi } from "./world-api.js";

// A first deploy with a 10-minute analysis window and no traffic: there is no stable revision to
// compare with, so it is analysed for `firstDeployWindow` only (2 s here; 30 s by default) and
// `deploy --wait` says where it is meanwhile. Runs the built CLI (`npm run build` first).
const BIN = join(import.meta.dirname, "..", "..", "bin", "slipway.js");
const run = promisify(execFile);

let world: World;
let served: WorldApi;

beforeAll(async () => {
  const yaml = projectYaml("10m").replace(
    "      interval: 250ms\n",
    "      interval: 250ms\n      firstDeployWindow: 2s\n",
  );
  world = await startWorld({}, yaml);
  served = await serveWorldApi(world, "ci");
}, 60_000);

afterAll(async () => {
  await served?.close();
  await world?.close();
});

describe("a first deploy", () => {
  it(
    "is promoted after the short first-deploy window, and deploy --wait prints its progress",
    { timeout: 60_000 },
    async () => {
      const { stdout } = await run(
        process.execPath,
        [BIN, "deploy", "web", "--env", "production", "--version", "v1", "--wait"],
        {
          env: { ...process.env, SLIPWAY_URL: served.base, SLIPWAY_TOKEN: served.token, NO_COLOR: "1" },
          timeout: 45_000,
        },
      );
      const lines = stdout.split("\n");
      // Not a terminal: plain lines, one per change (the countdown alone does not print a line).
      const analysing = lines.filter((l) =>
        / {2}analysis: first deploy, nothing to compare with, \d+ s left$/.test(l),
      );
      expect(analysing).toHaveLength(1);
      expect(stdout).toContain(
        "traffic switched to web/production@v1; first deploy: no stable revision to compare with, " +
          "so comparisons with stable are skipped and the analysis lasts 2.0s at most\n",
      );
      expect(stdout).toMatch(
        /promoted web\/production@v1 \(first deploy, analysed 2\.0s; watched for [^)]+\)\n/,
      );
      expect(lines.at(-2)).toBe("promoted v1");
      expect(await world.get()).toEqual({ status: 200, version: "v1" });

      // The status view carries the same progress: a finished rollout says its outcome.
      const res = await fetch(`${served.base}/api/status`, {
        headers: { authorization: `Bearer ${served.token}` },
      });
      const status = (await res.json()) as {
        environments: { progress: { doing: string; text: string } | null }[];
      };
      expect(status.environments[0]?.progress).toMatchObject({ doing: "promoted", text: "promoted" });
    },
  );
});
