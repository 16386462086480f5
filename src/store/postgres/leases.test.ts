import { afterAll, describe, expect, it } from "vitest";
import { openLeaderParts, openStore, type LeaderParts } from "../index.js";
import { postgresStores } from "./test-support.js";

const { freshUrl } = postgresStores("leases");

const opened: LeaderParts[] = [];
afterAll(async () => {
  for (const parts of opened) await parts.close();
});

describe("PostgreSQL leader lease", () => {
  it("is held by one holder at a time; a takeover after expiry raises the epoch", async () => {
    const url = await freshUrl();
    const migrated = await openStore(url);
    const a = openLeaderParts(url, { lease: "controller", epoch: () => undefined });
    opened.push(a);
    const first = await a.leases.acquire("controller", "a", 60_000, "http://a");
    expect(first).toMatchObject({ holder: "a", epoch: 1, url: "http://a" });
    expect(await a.leases.acquire("controller", "b", 60_000)).toBeUndefined();
    // The holder re-acquiring keeps its epoch; renewing works while it holds the lease.
    expect((await a.leases.acquire("controller", "a", 60_000))?.epoch).toBe(1);
    expect(await a.leases.renew("controller", "a", 1, 60_000)).toBe(true);
    // Expired (ttl 0 and a moment later): another takes it at epoch 2, and the old holder cannot renew.
    expect(await a.leases.renew("controller", "a", 1, -1)).toBe(true);
    const second = await a.leases.acquire("controller", "b", 60_000, "http://b");
    expect(second).toMatchObject({ holder: "b", epoch: 2, url: "http://b" });
    expect(await a.leases.renew("controller", "a", 1, 60_000)).toBe(false);
    expect(await a.leases.current("controller")).toMatchObject({ holder: "b", epoch: 2, expired: false });
    // A release expires it at once, for the next holder; the epoch keeps growing.
    await a.leases.release("controller", "b", 2);
    expect((await a.leases.acquire("controller", "c", 60_000))?.epoch).toBe(3);
    await migrated.close();
  });

  it("fences writes: a store whose epoch lost the lease cannot commit, the new holder's can", async () => {
    const url = await freshUrl();
    const migrated = await openStore(url);
    const epochs: { a?: number; b?: number } = {};
    const a = openLeaderParts(url, { lease: "controller", epoch: () => epochs.a });
    const b = openLeaderParts(url, { lease: "controller", epoch: () => epochs.b });
    opened.push(a, b);
    const event = (actor: string) => ({ actor, type: "test.write", message: `written by ${actor}` });
    // Not the leader yet: refused.
    await expect(a.fenced.rollouts.recordEvent(event("a"))).rejects.toThrow(/fenced/);
    epochs.a = (await a.leases.acquire("controller", "a", 60_000))?.epoch;
    await a.fenced.rollouts.recordEvent(event("a"));
    // a pauses; its lease runs out; b takes over at the next epoch.
    await a.leases.renew("controller", "a", epochs.a as number, -1);
    epochs.b = (await b.leases.acquire("controller", "b", 60_000))?.epoch;
    expect(epochs.b).toBe((epochs.a as number) + 1);
    await expect(a.fenced.rollouts.recordEvent(event("a-late"))).rejects.toThrow(/fenced.*epoch 1/);
    await b.fenced.rollouts.recordEvent(event("b"));
    // Reads are not fenced; what was written is a's first write and b's.
    expect((await a.fenced.rollouts.events({})).map((e) => e.actor)).toEqual(["a", "b"]);
    await migrated.close();
  });

  it("claims each notification once, and only for the epoch holding the lease", async () => {
    const url = await freshUrl();
    const migrated = await openStore(url);
    const a = openLeaderParts(url, { lease: "controller", epoch: () => undefined });
    opened.push(a);
    const epoch = (await a.leases.acquire("controller", "a", 60_000))?.epoch as number;
    const claims = await Promise.all([1, 2, 3].map(() => a.leases.claim("controller", epoch, "promoted:r1")));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await a.leases.claim("controller", epoch + 1, "promoted:r2")).toBe(false);
    await a.leases.renew("controller", "a", epoch, -1);
    const next = (await a.leases.acquire("controller", "b", 60_000))?.epoch as number;
    expect(await a.leases.claim("controller", epoch, "promoted:r2")).toBe(false);
    expect(await a.leases.claim("controller", next, "promoted:r1")).toBe(false);
    expect(await a.leases.claim("controller", next, "promoted:r2")).toBe(true);
    await migrated.close();
  });

  it("is refused on SQLite, saying why", () => {
    expect(() => openLeaderParts("/tmp/x/slipway.db", { lease: "controller", epoch: () => undefined })).toThrow(
      /needs PostgreSQL: a SQLite file lives on one host/,
    );
  });
});
