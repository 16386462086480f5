import { describe, expect, it } from "vitest";
import type { ChannelStore, NewChannelMove } from "../ports/channel-store.js";

const at = (minute: number) => `2026-12-06T10:${String(minute).padStart(2, "0")}:00.000Z`;

const move = (over: Partial<NewChannelMove>): NewChannelMove => ({
  channel: "beta",
  service: "web",
  version: "1.0.0",
  kind: "move",
  strategy: "canary",
  target: "beta",
  actor: "alice",
  reason: "ship it",
  at: at(0),
  ...over,
});

/** One behaviour for every ChannelStore adapter. */
export function channelStoreContract(
  adapter: string,
  makeStore: () => ChannelStore | Promise<ChannelStore>,
): void {
  describe(`ChannelStore contract: ${adapter}`, () => {
    it("records moves with every field and lists them newest first, filtered by channel and service", async () => {
      const store = await makeStore();
      expect(await store.history()).toEqual([]);
      const first = await store.record(move({ version: "1.0.0", rolloutId: "r1", at: at(1) }));
      const second = await store.record(
        move({ version: "1.1.0", previous: "1.0.0", rolloutId: "r2", actor: "bob", at: at(2) }),
      );
      const stable = await store.record(
        move({
          channel: "stable",
          strategy: "blue-green",
          target: "production",
          version: "1.0.0",
          from: "beta",
          at: at(3),
        }),
      );
      const alpha = await store.record(
        move({
          channel: "alpha",
          service: "api",
          strategy: "flag",
          target: "api-release",
          version: "2.0.0-a1",
        }),
      );
      expect(second.id).toBeGreaterThan(first.id);
      expect(await store.history()).toEqual([alpha, stable, second, first]);
      expect(await store.history({ channel: "beta" })).toEqual([second, first]);
      expect(await store.history({ service: "api" })).toEqual([alpha]);
      expect(await store.history({ channel: "beta", service: "api" })).toEqual([]);
      expect(await store.history({ channel: "beta", limit: 1 })).toEqual([second]);
      expect(second).toMatchObject({ previous: "1.0.0", rolloutId: "r2", actor: "bob" });
      expect(stable).toMatchObject({ from: "beta", strategy: "blue-green", target: "production" });
      expect(first).not.toHaveProperty("previous");
      expect(first).not.toHaveProperty("from");
    });

    it("answers the newest move of each channel and service as what it holds now", async () => {
      const store = await makeStore();
      expect(await store.current()).toEqual([]);
      await store.record(move({ version: "1.0.0" }));
      const beta = await store.record(
        move({ version: "1.0.0", previous: "1.1.0", kind: "rollback", reason: "5xx" }),
      );
      const betaApi = await store.record(move({ service: "api", version: "3.0.0" }));
      const stable = await store.record(
        move({ channel: "stable", strategy: "blue-green", version: "0.9.0" }),
      );
      expect(await store.current()).toEqual([betaApi, beta, stable]);
    });
  });
}
