import { describe, expect, it } from "vitest";
import type { ApiAuditRecord, AuditStore } from "../ports/audit-store.js";

const request = (actor: string, action: string, extra: Partial<ApiAuditRecord> = {}): ApiAuditRecord => ({
  actor,
  actorName: actor,
  action,
  method: "POST",
  path: `/api/${action}`,
  status: 202,
  ...extra,
});

/** One behaviour for every AuditStore adapter. */
export function auditStoreContract(adapter: string, makeStore: () => AuditStore | Promise<AuditStore>): void {
  describe(`AuditStore contract: ${adapter}`, () => {
    it("records API requests as api.<action> events and lists the newest, oldest first", async () => {
      const store = await makeStore();
      await store.record(request("alice", "deploy", { environment: "production", reason: "hotfix" }));
      await store.record(request("bob", "abort", { status: 409 }));
      await store.record(request("alice", "promote"));
      const all = await store.events({});
      expect(all.map((e) => e.type)).toEqual(["api.deploy", "api.abort", "api.promote"]);
      expect(all[0]).toMatchObject({
        actor: "alice",
        environment: "production",
        reason: "hotfix",
        message: "alice POST /api/deploy → 202",
      });
      expect(all[0]?.service).toBeUndefined();
      expect(all[1]?.message).toBe("bob POST /api/abort → 409");
      expect((await store.events({ actor: "alice" })).map((e) => e.type)).toEqual([
        "api.deploy",
        "api.promote",
      ]);
      expect((await store.events({ type: "api.abort" })).map((e) => e.actor)).toEqual(["bob"]);
      expect((await store.events({ environment: "production" })).map((e) => e.type)).toEqual(["api.deploy"]);
      expect((await store.events({ limit: 2 })).map((e) => e.type)).toEqual(["api.abort", "api.promote"]);
      const before = all[2]?.seq ?? 0;
      expect((await store.events({ before, limit: 1 })).map((e) => e.type)).toEqual(["api.abort"]);
    });
  });
}
