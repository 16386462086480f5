import { describe, expect, it } from "vitest";
import type { FlagStore, StoredFlagDefinition } from "../ports/flag-store.js";

const onOff = (state: "ENABLED" | "DISABLED" = "ENABLED", extra: Partial<StoredFlagDefinition> = {}) => ({
  state,
  variants: { on: true, off: false },
  defaultVariant: "off",
  ...extra,
});

const at = (minute: number) => `2026-12-06T10:${String(minute).padStart(2, "0")}:00.000Z`;

/** One behaviour for every FlagStore adapter. */
export function flagStoreContract(adapter: string, makeStore: () => FlagStore | Promise<FlagStore>): void {
  describe(`FlagStore contract: ${adapter}`, () => {
    it("records concurrent writes of one new flag as one creation, each change with the before it replaced", async () => {
      const store = await makeStore();
      const changes = await Promise.all(
        (["ENABLED", "DISABLED", "ENABLED", "DISABLED"] as const).map((state, i) =>
          store.write({ key: "race", after: onOff(state), actor: `u${i}`, reason: "race", at: at(i) }),
        ),
      );
      const history = await store.history("race");
      expect(history.filter((c) => c.action === "created")).toHaveLength(1);
      expect(history).toHaveLength(changes.filter((c) => c !== undefined).length);
      // Oldest first, each change's before is the previous change's after: no write was lost.
      const oldestFirst = [...history].reverse();
      oldestFirst.slice(1).forEach((c, i) => expect(c.before).toEqual(oldestFirst[i]?.after));
      expect(await store.lastChangeId()).toBe(Math.max(...history.map((c) => c.id)));
    });

    it("creates, updates, toggles and deletes a flag, recording each change with before and after", async () => {
      const store = await makeStore();
      expect(await store.lastChangeId()).toBe(0);
      const created = await store.write({
        key: "checkout",
        after: onOff("DISABLED"),
        actor: "alice",
        reason: "new flow",
        at: at(1),
      });
      expect(created).toMatchObject({ key: "checkout", action: "created", actor: "alice", before: null });
      expect(await store.get("checkout")).toEqual({
        key: "checkout",
        definition: onOff("DISABLED"),
        updatedAt: at(1),
        updatedBy: "alice",
      });

      const enabled = await store.write({
        key: "checkout",
        after: onOff("ENABLED"),
        actor: "bob",
        reason: "go",
        at: at(2),
      });
      expect(enabled?.action).toBe("enabled");
      expect(enabled?.before).toEqual(onOff("DISABLED"));
      const targeting = {
        fractional: [
          ["on", 10],
          ["off", 90],
        ],
      };
      const updated = await store.write({
        key: "checkout",
        after: onOff("ENABLED", { targeting }),
        actor: "bob",
        reason: "10 %",
        at: at(3),
      });
      expect(updated?.action).toBe("updated");
      // Both state and rule changed: an update, not a toggle.
      expect(
        (
          await store.write({
            key: "checkout",
            after: onOff("DISABLED"),
            actor: "carol",
            reason: "x",
            at: at(4),
          })
        )?.action,
      ).toBe("updated");
      expect(
        (
          await store.write({
            key: "checkout",
            after: onOff("ENABLED"),
            actor: "carol",
            reason: "y",
            at: at(5),
          })
        )?.action,
      ).toBe("enabled");
      const deleted = await store.write({
        key: "checkout",
        after: null,
        actor: "dan",
        reason: "done",
        at: at(6),
      });
      expect(deleted).toMatchObject({ action: "deleted", after: null, before: onOff("ENABLED") });
      expect(await store.get("checkout")).toBeUndefined();

      const history = await store.history("checkout");
      expect(history.map((c) => c.action)).toEqual([
        "deleted",
        "enabled",
        "updated",
        "updated",
        "enabled",
        "created",
      ]);
      expect(history[3]).toMatchObject({
        actor: "bob",
        reason: "10 %",
        after: onOff("ENABLED", { targeting }),
      });
      expect(history.map((c) => c.id)).toEqual([...history.map((c) => c.id)].sort((a, b) => b - a));
      expect(await store.lastChangeId()).toBe(deleted?.id);
      expect((await store.history("checkout", { limit: 2 })).map((c) => c.action)).toEqual([
        "deleted",
        "enabled",
      ]);
    });

    it("changes nothing for a write equal to the stored flag (key order aside) or a delete of nothing", async () => {
      const store = await makeStore();
      await store.write({ key: "a", after: onOff(), actor: "alice", reason: "r", at: at(1) });
      const reordered = {
        defaultVariant: "off",
        variants: { off: false, on: true },
        state: "ENABLED" as const,
      };
      expect(
        await store.write({ key: "a", after: reordered, actor: "bob", reason: "r", at: at(2) }),
      ).toBeUndefined();
      expect(
        await store.write({ key: "nope", after: null, actor: "bob", reason: "r", at: at(2) }),
      ).toBeUndefined();
      expect(await store.history("a")).toHaveLength(1);
      expect((await store.get("a"))?.updatedBy).toBe("alice");
      expect(await store.history("nope")).toEqual([]);
    });

    it("lists flags sorted by key and keeps definitions exactly (targeting, metadata, null default)", async () => {
      const store = await makeStore();
      const rich: StoredFlagDefinition = {
        state: "ENABLED",
        variants: { red: { hex: "#f00" }, blue: { hex: "#00f" } },
        defaultVariant: null,
        targeting: { if: [{ in: ["@shop.example", { var: "email" }] }, "red", null] },
        metadata: { owner: "web", rank: 2, beta: true },
      };
      for (const key of ["zeta", "alpha", "Mid/dle ü"]) {
        await store.write({
          key,
          after: key === "alpha" ? rich : onOff(),
          actor: "a",
          reason: "r",
          at: at(1),
        });
      }
      const listed = await store.list();
      expect(listed.map((f) => f.key)).toEqual(["Mid/dle ü", "alpha", "zeta"].sort());
      expect((await store.get("alpha"))?.definition).toEqual(rich);
      // History of one flag is its own.
      expect((await store.history("zeta")).map((c) => c.key)).toEqual(["zeta"]);
    });
  });
}
