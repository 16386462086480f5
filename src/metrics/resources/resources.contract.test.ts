import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { groupMembers, rssBytes } from "../../proc.js";
import { metricProviderContract } from "../contract/metric-provider.contract.js";
import { createMetricProvider, type ResourcesSource } from "../index.js";

const MIB = 1024 * 1024;

/** A real child in its own process group; with `readyLine`, resolves once it has printed it. */
async function child(command: string, args: string[], readyLine?: string): Promise<ChildProcess> {
  const proc = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "ignore"] });
  if (readyLine !== undefined) {
    const ready = new Promise<void>((resolve) =>
      proc.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes(readyLine) && resolve()),
    );
    await ready;
  }
  proc.stdout?.resume();
  return proc;
}

function kill(proc: ChildProcess): void {
  try {
    if (proc.pid !== undefined && proc.exitCode === null) process.kill(-proc.pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

// Real processes read from /proc the way the local runtime does (src/proc.ts): the canary holds
// 128 MiB it has written to, stable is a `sleep`. Real memory is only known as a range.
metricProviderContract(
  "resources",
  async () => {
    const canary = await child(
      process.execPath,
      [
        "-e",
        "const b = Buffer.alloc(128 * 1024 * 1024, 1); console.log('ready', b.length); setInterval(() => {}, 60000);",
      ],
      "ready",
    );
    const stable = await child("sleep", ["600"]);
    const gone = await child("true", []);
    if (gone.exitCode === null) await once(gone, "exit");
    const groups: Record<string, number | undefined> = {
      "web/production@v2": canary.pid,
      "web/production@v1": stable.pid,
      "web/production@v0": gone.pid,
    };
    // What a runtime answers: the revision's process group summed, or an error once it is gone.
    const runtime: ResourcesSource = {
      resources(revision) {
        const pgid = groups[revision];
        const members = pgid === undefined ? [] : groupMembers(pgid);
        if (members.length === 0) return Promise.reject(new Error(`no running process for ${revision}`));
        const rss = members.reduce((sum, m) => sum + rssBytes(m.pid), 0);
        return Promise.resolve({ cpuPercent: 0, rssBytes: rss });
      },
    };
    return {
      provider: createMetricProvider({ resources: runtime }),
      source: { provider: "resources", resource: "memory" },
      statistic: "value",
      canary: { revision: "web/production@v2" },
      stable: { revision: "web/production@v1" },
      expected: { canary: { min: 128 * MIB }, stable: { min: 1, max: 32 * MIB } },
      failing: [
        {
          what: "a revision whose processes have exited",
          source: { provider: "resources", resource: "memory" },
          vars: { revision: "web/production@v0" },
          failure: "unreachable",
          says: /^runtime resources for web\/production@v0 unavailable: no running process for web\/production@v0$/,
        },
      ],
      close: () => {
        kill(canary);
        kill(stable);
        return Promise.resolve();
      },
    };
  },
  {
    timeout:
      "a resources metric has no deadline of its own (ResourcesSpec has no timeoutMs): the runtime reads /proc locally and never waits on a network",
  },
);
