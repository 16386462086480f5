/**
 * The Runtime port's contract, runnable against any adapter (CONVENTIONS #9): what the rollout
 * controller relies on, whatever runs the instances. `open` returns a runtime on the same backing
 * state each time it is called within one test (a "restarted control plane").
 */
import { describe, expect, it } from "vitest";
import type { RevisionSpec, Runtime } from "../../src/runtimes/port.js";

export interface ContractFixture {
  open(): Runtime;
  spec(version: string, overrides?: Partial<RevisionSpec>): RevisionSpec;
  isRunning(pid: number): boolean;
}

export function runtimeContract(label: string, fixture: () => ContractFixture): void {
  describe(`Runtime contract: ${label}`, () => {
    it("ensure is idempotent and does not wait for readiness", async () => {
      const f = fixture();
      const runtime = f.open();
      const spec = f.spec("c1", { replicas: 2 });
      await runtime.ensure(spec);
      const first = runtime.instances(spec.revisionId);
      expect(first).toHaveLength(2);
      await runtime.ensure(spec);
      expect(runtime.instances(spec.revisionId).map((i) => [i.id, i.pid])).toEqual(
        first.map((i) => [i.id, i.pid]),
      );
      expect(runtime.revisions()).toContain(spec.revisionId);
    });

    it("knows nothing of a revision it never ran; stopping it returns at once", async () => {
      const runtime = fixture().open();
      expect(runtime.instances("nobody/none@v0")).toEqual([]);
      await runtime.stop("nobody/none@v0");
      expect(runtime.revisions()).not.toContain("nobody/none@v0");
      expect(await runtime.resources("nobody/none@v0")).toEqual({ cpuPercent: 0, rssBytes: 0 });
    });

    it("stop ends every instance and forgets the revision; a second stop is a no-op", async () => {
      const f = fixture();
      const runtime = f.open();
      const spec = f.spec("c2", { replicas: 2 });
      await runtime.ensure(spec);
      const pids = runtime.instances(spec.revisionId).map((i) => i.pid);
      await runtime.stop(spec.revisionId, { graceMs: 2_000 });
      expect(runtime.instances(spec.revisionId)).toEqual([]);
      expect(runtime.revisions()).not.toContain(spec.revisionId);
      for (const pid of pids) expect(f.isRunning(pid)).toBe(false);
      await runtime.stop(spec.revisionId);
    });

    it("after detach, a runtime on the same state lists the same instances and ensure adds none", async () => {
      const f = fixture();
      const first = f.open();
      const spec = f.spec("c3", { replicas: 2 });
      await first.ensure(spec);
      const before = first.instances(spec.revisionId).map((i) => [i.id, i.pid, i.port]);
      await first.detach();
      const second = f.open();
      expect(second.revisions()).toContain(spec.revisionId);
      await second.ensure(spec);
      expect(second.instances(spec.revisionId).map((i) => [i.id, i.pid, i.port])).toEqual(before);
      await second.stop(spec.revisionId);
    });
  });
}
