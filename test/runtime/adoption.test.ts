import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Instance } from "../../src/runtimes/port.js";
import {
  eventually,
  FAST_HTTP_READINESS,
  getJson,
  isRunning,
  killGroup,
  RuntimeHarness,
  states,
} from "./helpers.js";

let harness: RuntimeHarness;
beforeEach(() => {
  harness = new RuntimeHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

const startingLines = (instance: Instance): number =>
  readFileSync(instance.logFile, "utf8").match(/: starting \(/g)?.length ?? 0;

describe("LocalRuntime adoption (control-plane restart)", () => {
  it("a new runtime on the same state dir adopts running instances: same pids, no new process, can stop them", async () => {
    const first = harness.runtime();
    const spec = harness.spec("v1", { replicas: 2 });
    await first.ensure(spec);
    expect((await first.waitReady(spec.revisionId, { timeoutMs: 15_000 })).outcome).toBe("ready");
    const before = first.instances(spec.revisionId);
    await first.detach();
    // detached, the instances keep serving and the old runtime refuses work
    expect((await getJson(before[0]!.port)).status).toBe(200);
    await expect(first.ensure(spec)).rejects.toThrow("this runtime is detached");

    const second = harness.runtime();
    expect(second.revisions()).toEqual([spec.revisionId]);
    const adopted = second.instances(spec.revisionId);
    expect(adopted.map((i) => [i.pid, i.port, i.state])).toEqual(before.map((i) => [i.pid, i.port, "ready"]));

    await second.ensure(spec);
    expect((await second.waitReady(spec.revisionId, { timeoutMs: 15_000 })).outcome).toBe("ready");
    const after = second.instances(spec.revisionId);
    expect(after.map((i) => i.pid)).toEqual(before.map((i) => i.pid));
    expect(after.map((i) => i.restarts)).toEqual([0, 0]);
    // each log shows exactly one start: nothing was spawned a second time
    expect(after.map(startingLines)).toEqual([1, 1]);

    await second.stop(spec.revisionId);
    for (const instance of before) expect(isRunning(instance.pid)).toBe(false);
    expect(readdirSync(join(harness.stateDir, "instances"))).toEqual([]);
  });

  it("adopts instances whose revision record an earlier Slipway wrote (workDir, no artifact)", async () => {
    const first = harness.runtime();
    const spec = harness.spec("v1", { replicas: 2 });
    await first.ensure(spec);
    expect((await first.waitReady(spec.revisionId, { timeoutMs: 15_000 })).outcome).toBe("ready");
    const [zero, one] = first.instances(spec.revisionId);
    await first.detach();
    killGroup(one!.pid); // restarting it needs the spec's directory
    await eventually("instance #1 dead", 5_000, () => !isRunning(one!.pid));
    // The record as the previous version wrote it: the release directory as `workDir`.
    const [file] = readdirSync(join(harness.stateDir, "revisions"));
    const path = join(harness.stateDir, "revisions", file!);
    const record = JSON.parse(readFileSync(path, "utf8")) as { spec: Record<string, unknown> };
    const { artifact: _artifact, ...legacySpec } = record.spec;
    writeFileSync(path, JSON.stringify({ ...record, spec: { ...legacySpec, workDir: harness.workDir } }));

    const second = harness.runtime();
    expect((await second.waitReady(spec.revisionId, { timeoutMs: 15_000 })).outcome).toBe("ready");
    const [zeroAdopted, oneRestarted] = second.instances(spec.revisionId);
    expect([zeroAdopted!.pid, zeroAdopted!.restarts]).toEqual([zero!.pid, 0]);
    expect(oneRestarted!.restarts).toBe(1);
    // Today's spec hashes as the old one did: ensure replaces neither instance.
    await second.ensure(spec);
    expect(second.instances(spec.revisionId).map((i) => i.pid)).toEqual([zero!.pid, oneRestarted!.pid]);
  });

  it("restarts the instances that died while no runtime watched, and keeps the live ones", async () => {
    const first = harness.runtime();
    const spec = harness.spec("v1", { replicas: 2 });
    await first.ensure(spec);
    await first.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    const [zero, one] = first.instances(spec.revisionId);
    await first.detach();
    killGroup(one!.pid);
    await eventually("instance #1 dead", 5_000, () => !isRunning(one!.pid));

    const second = harness.runtime();
    const result = await second.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    expect(result.outcome).toBe("ready");
    const [zeroAfter, oneAfter] = second.instances(spec.revisionId);
    expect(zeroAfter!.pid).toBe(zero!.pid);
    expect(oneAfter!.pid).not.toBe(one!.pid);
    expect(oneAfter!.restarts).toBe(1);
    expect(oneAfter!.lastError).toBe(`process ${one!.pid} exited while no control plane watched it`);
    expect(new Set([zeroAfter!.port, oneAfter!.port]).size).toBe(2);
  });

  it("notices an adopted process dying (it is not its child) and restarts it", async () => {
    const first = harness.runtime();
    const spec = harness.spec("v1");
    await first.ensure(spec);
    await first.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    await first.detach();
    const second = harness.runtime();
    const [adopted] = second.instances(spec.revisionId);
    killGroup(adopted!.pid);
    const restarted = await eventually("restarted instance ready", 15_000, () => {
      const [instance] = second.instances(spec.revisionId);
      return instance && instance.pid !== adopted!.pid && instance.state === "ready" ? instance : undefined;
    });
    expect(restarted.lastError).toBe("exited (adopted process: exit status unknown)");
  });

  it("forgets a revision whose processes are all gone, and never signals a recycled pid", async () => {
    const first = harness.runtime();
    const spec = harness.spec("v1");
    await first.ensure(spec);
    await first.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    const [instance] = first.instances(spec.revisionId);
    await first.detach();
    killGroup(instance!.pid);
    await eventually("instance dead", 5_000, () => !isRunning(instance!.pid));

    // Pretend the pid was recycled: point the record at an unrelated live process (own group).
    const bystander = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    try {
      const recordFile = join(
        harness.stateDir,
        "instances",
        readdirSync(join(harness.stateDir, "instances"))[0]!,
      );
      const record = JSON.parse(readFileSync(recordFile, "utf8")) as { pid: number };
      writeFileSync(recordFile, JSON.stringify({ ...record, pid: bystander.pid }));

      const second = harness.runtime();
      expect(second.revisions()).toEqual([]);
      expect(second.instances(spec.revisionId)).toEqual([]);
      expect(readdirSync(join(harness.stateDir, "instances"))).toEqual([]);
      expect(readdirSync(join(harness.stateDir, "revisions"))).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(isRunning(bystander.pid!)).toBe(true);

      // and ensure starts it afresh
      await second.ensure(spec);
      expect((await second.waitReady(spec.revisionId, { timeoutMs: 15_000 })).outcome).toBe("ready");
    } finally {
      killGroup(bystander.pid!);
    }
  });

  it("stops an instance whose state record was never written (control plane died right after spawning)", async () => {
    const spawnMarked = (dir: string) =>
      spawn("sleep", ["30"], {
        detached: true,
        stdio: "ignore",
        env: { PATH: process.env.PATH, SLIPWAY_RUNTIME_DIR: dir },
      });
    const orphan = spawnMarked(harness.stateDir);
    const neighbour = spawnMarked(`${harness.stateDir}-other`);
    try {
      await eventually("both started", 5_000, () => isRunning(orphan.pid!) && isRunning(neighbour.pid!));
      const runtime = harness.runtime();
      await eventually("the unrecorded instance stopped", 5_000, () => !isRunning(orphan.pid!));
      expect(isRunning(neighbour.pid!)).toBe(true);
      expect(runtime.revisions()).toEqual([]);
    } finally {
      killGroup(orphan.pid!);
      killGroup(neighbour.pid!);
    }
  });

  it("finishes a stop that a control-plane exit interrupted", async () => {
    const first = harness.runtime();
    const spec = harness.spec("v1", { replicas: 2 });
    await first.ensure(spec);
    await first.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    const pids = first.instances(spec.revisionId).map((i) => i.pid);
    await first.detach();
    // the state a stop leaves right before its first SIGTERM
    const revisionFile = join(
      harness.stateDir,
      "revisions",
      readdirSync(join(harness.stateDir, "revisions"))[0]!,
    );
    const revision = JSON.parse(readFileSync(revisionFile, "utf8")) as object;
    writeFileSync(revisionFile, JSON.stringify({ ...revision, stopping: true }));

    const second = harness.runtime();
    await eventually("interrupted stop finished", 10_000, () => pids.every((pid) => !isRunning(pid)));
    await eventually(
      "records removed",
      5_000,
      () => readdirSync(join(harness.stateDir, "instances")).length === 0,
    );
    expect(second.revisions()).toEqual([]);
  });

  it("adopts the instances of a control plane killed with SIGKILL (a separate process)", async () => {
    // Inside the project, so the bundle's external imports (pino) resolve from node_modules, as the CLI's do.
    const cacheDir = fileURLToPath(new URL("../../node_modules/.cache", import.meta.url));
    mkdirSync(cacheDir, { recursive: true });
    const bundleDir = mkdtempSync(join(cacheDir, "slipway-cp-"));
    const bundle = join(bundleDir, "control-plane.mjs");
    let controlPlane: ReturnType<typeof spawn> | undefined;
    try {
      await build({
        entryPoints: [fileURLToPath(new URL("./control-plane-entry.ts", import.meta.url))],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        outfile: bundle,
        packages: "external",
        logLevel: "silent",
        absWorkingDir: fileURLToPath(new URL("../..", import.meta.url)),
      });
      const spec = harness.spec("v1", { replicas: 2, readiness: FAST_HTTP_READINESS });
      controlPlane = spawn(process.execPath, [bundle, harness.stateDir, JSON.stringify(spec)], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        stdio: ["ignore", "pipe", "inherit"],
      });
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        controlPlane!.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8");
          if (out.includes("\n")) resolve(out.split("\n")[0]!);
        });
        controlPlane!.once("exit", (code) => reject(new Error(`control plane exited early with ${code}`)));
      });
      const reported = JSON.parse(line) as { outcome: string; instances: Instance[] };
      expect(reported.outcome).toBe("ready");
      expect(states(reported.instances)).toEqual(["ready", "ready"]);

      controlPlane.kill("SIGKILL");
      await new Promise((resolve) => controlPlane!.once("exit", resolve));
      // the instances outlive their control plane
      for (const instance of reported.instances)
        expect((await getJson(instance.port)).body.pid).toBe(instance.pid);

      const successor = harness.runtime();
      expect(successor.instances(spec.revisionId).map((i) => i.pid)).toEqual(
        reported.instances.map((i) => i.pid),
      );
      await successor.ensure(spec);
      expect(successor.instances(spec.revisionId).map((i) => i.pid)).toEqual(
        reported.instances.map((i) => i.pid),
      );
      expect(successor.instances(spec.revisionId).map(startingLines)).toEqual([1, 1]);
      await successor.stop(spec.revisionId, { graceMs: 2_000 });
      for (const instance of reported.instances) expect(isRunning(instance.pid)).toBe(false);
    } finally {
      if (controlPlane?.exitCode === null && controlPlane.signalCode === null) controlPlane.kill("SIGKILL");
      rmSync(bundleDir, { recursive: true, force: true });
    }
  });
});
