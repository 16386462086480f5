import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlipwayError } from "../../src/core/errors.js";
import {
  eventually,
  FAST_HTTP_READINESS,
  FIXTURE_APP,
  getJson,
  isRunning,
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

describe("LocalRuntime lifecycle", () => {
  it("starts N replicas on distinct loopback ports, each serving its version, and reports them ready", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", { replicas: 3 });
    await runtime.ensure(spec);

    const result = await runtime.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    expect(result.outcome).toBe("ready");
    const instances = runtime.instances(spec.revisionId);
    expect(states(instances)).toEqual(["ready", "ready", "ready"]);
    expect(instances.map((i) => i.id)).toEqual(["web/test@v1#0", "web/test@v1#1", "web/test@v1#2"]);
    expect(new Set(instances.map((i) => i.port)).size).toBe(3);
    expect(runtime.revisions()).toEqual([spec.revisionId]);

    for (const instance of instances) {
      expect(instance.host).toBe("127.0.0.1");
      const { status, body } = await getJson(instance.port);
      expect(status).toBe(200);
      expect(body.version).toBe("v1");
      // bash execs the single command, so the pid we report is the app's own
      expect(body.pid).toBe(instance.pid);
      expect(readFileSync(instance.logFile, "utf8")).toContain(`listening on 127.0.0.1:${instance.port}`);
    }
    // one state record per instance, one per revision
    expect(readdirSync(join(harness.stateDir, "instances")).filter((f) => f.endsWith(".json"))).toHaveLength(
      3,
    );
    expect(readdirSync(join(harness.stateDir, "revisions"))).toHaveLength(1);
  });

  it("ensure is idempotent: a second call starts nothing new", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", { replicas: 2 });
    await runtime.ensure(spec);
    const before = runtime.instances(spec.revisionId).map((i) => i.pid);
    await Promise.all([runtime.ensure(spec), runtime.ensure(spec)]);
    expect(runtime.instances(spec.revisionId).map((i) => i.pid)).toEqual(before);
  });

  it("scales down by stopping the highest-numbered instances, and up by adding new ones", async () => {
    const runtime = harness.runtime();
    await runtime.ensure(harness.spec("v1", { replicas: 3 }));
    const [first, , third] = runtime.instances("web/test@v1");
    await runtime.ensure(harness.spec("v1", { replicas: 1 }));
    expect(runtime.instances("web/test@v1").map((i) => i.pid)).toEqual([first!.pid]);
    await eventually("third instance gone", 5_000, () => !isRunning(third!.pid));
    await runtime.ensure(harness.spec("v1", { replicas: 2 }));
    const after = runtime.instances("web/test@v1");
    expect(after).toHaveLength(2);
    expect(after[0]!.pid).toBe(first!.pid);
  });

  it("gives every instance its own port across revisions", async () => {
    const runtime = harness.runtime();
    await Promise.all([
      runtime.ensure(harness.spec("v1", { replicas: 3 })),
      runtime.ensure(harness.spec("v2", { replicas: 3 })),
    ]);
    const ports = [...runtime.instances("web/test@v1"), ...runtime.instances("web/test@v2")].map(
      (i) => i.port,
    );
    expect(ports).toHaveLength(6);
    expect(new Set(ports).size).toBe(6);
    expect(runtime.revisions()).toEqual(["web/test@v1", "web/test@v2"]);
  });

  it("passes PORT, SLIPWAY_* and the spec's env, but not the control plane's other variables", async () => {
    process.env.SLIPWAY_TEST_LEAK = "control-plane-secret";
    try {
      const runtime = harness.runtime();
      const spec = harness.spec("v1", {
        command: `echo "env: PORT=$PORT I=$SLIPWAY_INSTANCE R=$SLIPWAY_REVISION V=$VERSION X=$EXTRA L=$SLIPWAY_TEST_LEAK"; exec "${process.execPath}" "${FIXTURE_APP}"`,
        env: { VERSION: "v1", EXTRA: "from-spec" },
      });
      await runtime.ensure(spec);
      const [instance] = runtime.instances(spec.revisionId);
      const log = await eventually("env line in log", 5_000, () => {
        const text = readFileSync(instance!.logFile, "utf8");
        return text.includes("env:") && text;
      });
      expect(log).toContain(
        `env: PORT=${instance!.port} I=web/test@v1#0 R=web/test@v1 V=v1 X=from-spec L=\n`,
      );
      expect(log).not.toContain("control-plane-secret");
    } finally {
      delete process.env.SLIPWAY_TEST_LEAK;
    }
  });

  it("refuses an invalid spec with a message naming each problem", async () => {
    const runtime = harness.runtime();
    const bad = harness.spec("v1", {
      replicas: -1,
      artifact: { kind: "directory", path: "/nonexistent/slipway" },
      command: " ",
    });
    const error = await runtime.ensure(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).code).toBe("SLIPWAY_INVALID_ARGUMENT");
    expect((error as SlipwayError).message).toBe(
      "invalid revision spec web/test@v1: command is empty; replicas must be an integer ≥ 0, got -1; workDir /nonexistent/slipway does not exist",
    );
    expect(runtime.revisions()).toEqual([]);
  });

  it("resources() measures the instances' resident memory from /proc", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", { replicas: 2 });
    await runtime.ensure(spec);
    await runtime.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    const usage = await runtime.resources(spec.revisionId);
    // two node processes: each holds several MB resident
    expect(usage.rssBytes).toBeGreaterThan(2 * 10 * 1024 * 1024);
    expect(usage.cpuPercent).toBeGreaterThanOrEqual(0);
    const again = await runtime.resources(spec.revisionId);
    expect(again.rssBytes).toBeGreaterThan(0);
    expect(await runtime.resources("web/test@unknown")).toEqual({ cpuPercent: 0, rssBytes: 0 });
  });

  it("resources() sees the CPU a busy instance burns", async () => {
    const runtime = harness.runtime();
    // spins until it has used 0.3 s of CPU (whatever the machine's load), then idles
    const busy = `while (process.cpuUsage().user < 300000); setInterval(() => {}, 1000);`;
    const spec = harness.spec("busy", {
      command: `exec "${process.execPath}" -e '${busy}'`,
      readiness: { ...FAST_HTTP_READINESS, check: { kind: "exec", command: "true" } },
    });
    await runtime.ensure(spec);
    await runtime.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    const [instance] = runtime.instances(spec.revisionId);
    await eventually("the spin to end", 15_000, () => {
      const stat = readFileSync(`/proc/${instance!.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(fields[11]) + Number(fields[12]) >= 25; // ≥ 0.25 s of CPU at 100 ticks/s
    });
    const usage = await runtime.resources(spec.revisionId);
    expect(usage.cpuPercent).toBeGreaterThan(0);
    expect(usage.rssBytes).toBeGreaterThan(0);
  });
});

describe("LocalRuntime stop", () => {
  it("drains: SIGTERM lets an in-flight request finish, then the process exits and its records go", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1");
    await runtime.ensure(spec);
    await runtime.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    const [instance] = runtime.instances(spec.revisionId);

    const inFlight = getJson(instance!.port, "/slow?ms=800");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopping = runtime.stop(spec.revisionId, { graceMs: 10_000 });
    const { status, body } = await inFlight;
    expect(status).toBe(200);
    expect(body.slept).toBe(800);
    await stopping;

    expect(isRunning(instance!.pid)).toBe(false);
    expect(runtime.instances(spec.revisionId)).toEqual([]);
    expect(runtime.revisions()).toEqual([]);
    expect(readdirSync(join(harness.stateDir, "instances"))).toEqual([]);
    expect(readdirSync(join(harness.stateDir, "revisions"))).toEqual([]);
    const log = readFileSync(instance!.logFile, "utf8");
    expect(log).toContain("SIGTERM: draining");
    expect(log).toContain("drained, exiting 0");
    // stop on a stopped revision returns at once
    await runtime.stop(spec.revisionId);
  });

  it("drains even when the shell does not exec the server (compound command: the shell dies first)", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", {
      command: `"${process.execPath}" "${FIXTURE_APP}"; echo "server exited $?"`,
    });
    await runtime.ensure(spec);
    await runtime.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    const [instance] = runtime.instances(spec.revisionId);
    const { body } = await getJson(instance!.port);
    expect(body.pid).not.toBe(instance!.pid); // the shell leads the group, the server is its child

    const inFlight = getJson(instance!.port, "/slow?ms=800");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await Promise.all([runtime.stop(spec.revisionId, { graceMs: 10_000 }), inFlight]);
    expect((await inFlight).status).toBe(200);
    expect(isRunning(body.pid as number)).toBe(false);
    expect(readFileSync(instance!.logFile, "utf8")).toContain("drained, exiting 0");
  });

  it("SIGKILLs the group when the process ignores SIGTERM past the grace period", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", { env: { VERSION: "v1", IGNORE_SIGTERM: "1" } });
    await runtime.ensure(spec);
    await runtime.waitReady(spec.revisionId, { timeoutMs: 15_000 });
    const [instance] = runtime.instances(spec.revisionId);
    const events: string[] = [];
    runtime.subscribe((event) => events.push(event.instance.state));

    await runtime.stop(spec.revisionId, { graceMs: 300 });

    expect(isRunning(instance!.pid)).toBe(false);
    expect(events).toEqual(["stopping", "stopped"]);
    const log = readFileSync(instance!.logFile, "utf8");
    expect(log).toContain("SIGTERM ignored (IGNORE_SIGTERM=1)");
    expect(log).toContain("did not exit within 300 ms of SIGTERM; sending SIGKILL");
    expect(existsSync(join(harness.stateDir, "instances", "web~2Ftest@v1~230.json"))).toBe(false);
  });

  it("kills the whole process group, including children the command started", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", {
      command: `sleep 300 & echo "child $!"; exec "${process.execPath}" "${FIXTURE_APP}"`,
    });
    await runtime.ensure(spec);
    const [instance] = runtime.instances(spec.revisionId);
    const childPid = await eventually("child pid in the log", 5_000, () => {
      const match = /child (\d+)/.exec(readFileSync(instance!.logFile, "utf8"));
      return match ? Number(match[1]) : undefined;
    });
    expect(isRunning(childPid)).toBe(true);
    await runtime.stop(spec.revisionId, { graceMs: 2_000 });
    await eventually("background child gone", 5_000, () => !isRunning(childPid));
  });
});
