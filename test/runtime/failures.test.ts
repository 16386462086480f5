import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Probe } from "../../src/runtimes/port.js";
import { eventually, FAST_HTTP_READINESS, getJson, isRunning, RuntimeHarness } from "./helpers.js";

let harness: RuntimeHarness;
beforeEach(() => {
  harness = new RuntimeHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

describe("LocalRuntime failures", () => {
  it("restarts a crash-on-boot instance with growing backoff, then gives up as crashed", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v2", { env: { VERSION: "v2", CRASH_ON_BOOT: "1" } });
    const delays: number[] = [];
    runtime.subscribe((event) => {
      const { nextRestartAt } = event.instance;
      if (nextRestartAt) delays.push(Date.parse(nextRestartAt));
    });
    await runtime.ensure(spec);

    const result = await runtime.waitReady(spec.revisionId, { timeoutMs: 20_000 });
    expect(result.outcome).toBe("failed");
    const [instance] = runtime.instances(spec.revisionId);
    expect(instance!.state).toBe("crashed");
    // FAST_RESTARTS: maxRestarts 3 → three restarts, the fourth crash gives up
    expect(instance!.restarts).toBe(3);
    expect(instance!.pid).toBe(0);
    expect(instance!.lastError).toBe("exited with code 1 (gave up after 4 crashes within 30 s)");
    if (result.outcome === "failed") {
      expect(result.reason).toBe(`web/test@v2#0 crashed: ${instance!.lastError}`);
    }
    expect(delays).toHaveLength(3);
    const log = readFileSync(instance!.logFile, "utf8");
    expect(log.match(/CRASH_ON_BOOT set, refusing to start/g)).toHaveLength(4);
    expect(log).toContain("giving up");
    // given up: not a live revision, and ensure with the same spec does not resurrect it
    expect(runtime.revisions()).toEqual([]);
    await runtime.ensure(spec);
    expect(runtime.instances(spec.revisionId)[0]!.state).toBe("crashed");
    // stop + ensure is the explicit retry
    await runtime.stop(spec.revisionId);
    expect(runtime.instances(spec.revisionId)).toEqual([]);
  });

  it("keeps a never-ready instance running but unready, and waitReady times out saying why", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v2", { env: { VERSION: "v2", NEVER_READY: "1" } });
    await runtime.ensure(spec);
    // once the app listens, the probe sees its 503 (before that: connection refused)
    await eventually("readiness failing with 503", 15_000, () =>
      runtime.instances(spec.revisionId)[0]?.lastError?.endsWith("answered 503"),
    );

    const result = await runtime.waitReady(spec.revisionId, { timeoutMs: 1_500 });
    expect(result.outcome).toBe("timeout");
    const [instance] = runtime.instances(spec.revisionId);
    expect(instance!.state).toBe("unready");
    expect(instance!.restarts).toBe(0);
    expect(isRunning(instance!.pid)).toBe(true);
    expect(instance!.lastError).toBe("readiness: GET /healthz answered 503");
    if (result.outcome === "timeout") {
      expect(result.reason).toBe(
        "not ready after 1500 ms: 1 unready; web/test@v2#0: readiness: GET /healthz answered 503",
      );
    }
  });

  it("restarts an instance that crashes after becoming ready; it comes back ready with a new pid", async () => {
    const runtime = harness.runtime({
      restart: { initialDelayMs: 100, maxDelayMs: 400, maxRestarts: 10, windowMs: 30_000 },
    });
    const spec = harness.spec("v3", { env: { VERSION: "v3", CRASH_AFTER_MS: "800" } });
    await runtime.ensure(spec);
    expect((await runtime.waitReady(spec.revisionId, { timeoutMs: 15_000 })).outcome).toBe("ready");
    const firstPid = runtime.instances(spec.revisionId)[0]!.pid;

    const restarted = await eventually("a ready instance after a restart", 15_000, () => {
      const [instance] = runtime.instances(spec.revisionId);
      return instance && instance.restarts >= 1 && instance.state === "ready" ? instance : undefined;
    });
    expect(restarted.pid).not.toBe(firstPid);
    expect(isRunning(firstPid)).toBe(false);
    expect(restarted.lastError).toBe("exited with code 1");
    const { body } = await getJson(restarted.port);
    expect(body.pid).toBe(restarted.pid);
  });

  it("restarts an instance whose liveness probe fails", async () => {
    const runtime = harness.runtime();
    const liveness: Probe = { ...FAST_HTTP_READINESS, initialDelayMs: 300, failureThreshold: 2 };
    // ready by TCP (the port is open), but /healthz says 503: liveness fails
    const spec = harness.spec("v4", {
      env: { VERSION: "v4", NEVER_READY: "1" },
      readiness: { ...FAST_HTTP_READINESS, check: { kind: "tcp" } },
      liveness,
      stopGraceMs: 500,
    });
    await runtime.ensure(spec);
    const firstPid = runtime.instances(spec.revisionId)[0]!.pid;
    const restarted = await eventually("a restart after liveness failures", 15_000, () => {
      const [instance] = runtime.instances(spec.revisionId);
      return instance && instance.restarts >= 1 ? instance : undefined;
    });
    expect(restarted.lastError).toBe("liveness failed 2 times: GET /healthz answered 503");
    expect(isRunning(firstPid)).toBe(false);
  });

  it("reports a command that cannot start (missing binary) as crashed with its exit code", async () => {
    const runtime = harness.runtime({
      restart: { initialDelayMs: 50, maxDelayMs: 50, maxRestarts: 1, windowMs: 30_000 },
    });
    const spec = harness.spec("v5", { command: "./no-such-server --port $PORT" });
    await runtime.ensure(spec);
    const result = await runtime.waitReady(spec.revisionId, { timeoutMs: 10_000 });
    expect(result.outcome).toBe("failed");
    const [instance] = runtime.instances(spec.revisionId);
    expect(instance!.lastError).toBe("exited with code 127 (gave up after 2 crashes within 30 s)");
    expect(readFileSync(instance!.logFile, "utf8")).toContain("no-such-server");
  });
});

describe("LocalRuntime probes", () => {
  it("exec probe: ready only once the command succeeds (a file appears in the work dir)", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", {
      readiness: {
        ...FAST_HTTP_READINESS,
        check: { kind: "exec", command: 'test -f ready.flag && test -n "$PORT"' },
      },
    });
    await runtime.ensure(spec);
    const unready = await eventually("the exec probe to fail", 15_000, () => {
      const [instance] = runtime.instances(spec.revisionId);
      return instance?.state === "unready" ? instance : undefined;
    });
    expect(unready.lastError).toBe("readiness: probe command exited with code 1");
    expect((await runtime.waitReady(spec.revisionId, { timeoutMs: 300 })).outcome).toBe("timeout");

    writeFileSync(join(harness.workDir, "ready.flag"), "");
    expect((await runtime.waitReady(spec.revisionId, { timeoutMs: 10_000 })).outcome).toBe("ready");
  });

  it("tcp probe: ready once the port accepts connections, whatever HTTP says", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", {
      env: { VERSION: "v1", NEVER_READY: "1" },
      readiness: { ...FAST_HTTP_READINESS, check: { kind: "tcp" } },
    });
    await runtime.ensure(spec);
    expect((await runtime.waitReady(spec.revisionId, { timeoutMs: 10_000 })).outcome).toBe("ready");
    expect((await getJson(runtime.instances(spec.revisionId)[0]!.port, "/healthz")).status).toBe(503);
  });

  it("http probe honours expectStatus and successThreshold", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", {
      env: { VERSION: "v1", NEVER_READY: "1" },
      readiness: {
        ...FAST_HTTP_READINESS,
        check: { kind: "http", path: "/healthz", expectStatus: [503] },
        successThreshold: 3,
        failureThreshold: 50,
      },
    });
    const seen: string[] = [];
    runtime.subscribe((event) => seen.push(event.instance.state));
    await runtime.ensure(spec);
    expect((await runtime.waitReady(spec.revisionId, { timeoutMs: 10_000 })).outcome).toBe("ready");
    expect(seen).toEqual(["starting", "ready"]);
  });

  it("waitReady can be aborted, and fails at once for an unknown revision", async () => {
    const runtime = harness.runtime();
    const spec = harness.spec("v1", { env: { VERSION: "v1", NEVER_READY: "1" } });
    await runtime.ensure(spec);
    const controller = new AbortController();
    const waiting = runtime.waitReady(spec.revisionId, { timeoutMs: 30_000, signal: controller.signal });
    controller.abort();
    expect((await waiting).outcome).toBe("aborted");
    const unknown = await runtime.waitReady("web/test@nope", { timeoutMs: 30_000 });
    expect(unknown).toEqual({
      outcome: "failed",
      reason: "revision web/test@nope is not running (never ensured, or stopped)",
      instances: [],
    });
  });
});
