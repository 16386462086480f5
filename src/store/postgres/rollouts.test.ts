import { describe, expect, it } from "vitest";
import { newRollout, rolloutStoreContract } from "../contract/rollout.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("rollouts");

rolloutStoreContract("postgres", async () => (await fresh()).rollouts);

describe("PostgresRolloutStore: rows from earlier versions", () => {
  it("reads a revision spec stored by a version before artifacts (workDir) in today's shape", async () => {
    const store = await fresh();
    const { artifact: _artifact, ...spec } = newRollout("v1").spec;
    const legacy = { ...spec, workDir: "/srv/.slipway/releases/web/v1" };
    await store.db.run(
      `INSERT INTO revisions (id, service, environment, version, spec, created_at, updated_at)
       VALUES ($1, 'web', 'production', 'v1', $2, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
      [spec.revisionId, JSON.stringify(legacy)],
    );
    const read = await store.rollouts.revisionSpec(spec.revisionId);
    expect(read?.artifact).toEqual({ kind: "directory", path: "/srv/.slipway/releases/web/v1" });
    expect(read?.command).toBe("node app.mjs");
  });
});
