import { describe, expect, it } from "vitest";
import type { AttestationWrite, EvidenceStore } from "../ports/evidence-store.js";

const coverage = (pct: number, digest: string, extra: Partial<AttestationWrite> = {}): AttestationWrite => ({
  service: "web",
  version: "1.4.0",
  kind: "coverage",
  format: "lcov",
  digest,
  source: { file: "lcov.info", runId: 41, job: "test" },
  summary: { kind: "coverage", lines: { covered: pct, total: 100, pct } },
  recordedAt: "2026-12-06T10:00:00.000Z",
  recordedBy: "ci",
  ...extra,
});

/** One behaviour for every EvidenceStore adapter. */
export function evidenceStoreContract(
  adapter: string,
  makeStore: () => EvidenceStore | Promise<EvidenceStore>,
): void {
  describe(`EvidenceStore contract: ${adapter}`, () => {
    it("records attestations per release, oldest first, with source and summary as given", async () => {
      const store = await makeStore();
      const first = await store.add(coverage(84.2, "sha256:aa"));
      const second = await store.add(coverage(91, "sha256:bb", { source: { file: "coverage.xml" } }));
      await store.add(coverage(50, "sha256:cc", { version: "1.3.0" }));
      expect(first.created && second.created).toBe(true);
      expect(second.attestation.id).toBeGreaterThan(first.attestation.id);
      const listed = await store.list("web", "1.4.0");
      expect(listed).toEqual([first.attestation, second.attestation]);
      expect(listed[0]).toMatchObject({
        source: { file: "lcov.info", runId: 41, job: "test" },
        summary: { lines: { pct: 84.2 } },
      });
      expect(listed[1]?.source).toEqual({ file: "coverage.xml" });
      expect(await store.list("web", "9.9.9")).toEqual([]);
    });

    it("records the same report once per release and kind, even when uploaded concurrently", async () => {
      const store = await makeStore();
      const results = await Promise.all([1, 2, 3].map(() => store.add(coverage(90, "sha256:same"))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.attestation.id)).size).toBe(1);
      expect(await store.list("web", "1.4.0")).toHaveLength(1);
      // The same bytes attached to another release are that release's own attestation.
      expect((await store.add(coverage(90, "sha256:same", { version: "2.0.0" }))).created).toBe(true);
    });
  });
}
