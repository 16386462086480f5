import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { newRollout } from "../contract/rollout.contract.js";
import { openPostgresStore } from "./store.js";
import { postgresStores } from "./test-support.js";

const { freshUrl } = postgresStores("connection_loss");

/**
 * A TCP relay in front of the real PostgreSQL server that the test can cut (every connection
 * reset, new ones refused) and mend: the database "goes away" without stopping the shared server.
 */
async function relay(target: URL): Promise<{
  port: number;
  cut: () => Promise<void>;
  mend: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((ok) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server?.address() as AddressInfo).port;
        ok();
      });
    });
  const cut = async () => {
    await new Promise<void>((ok) => {
      server?.close(() => ok());
      for (const s of sockets) s.resetAndDestroy();
    });
  };
  await listen();
  return { port, cut, mend: listen, close: cut };
}

describe("PostgreSQL connection loss", () => {
  const relays: Array<{ close: () => Promise<void> }> = [];
  afterAll(async () => {
    for (const r of relays) await r.close();
  });

  it("fails calls with SLIPWAY_STORE_UNAVAILABLE while the database is away, and works again once it is back", async () => {
    const direct = new URL(await freshUrl());
    const r = await relay(direct);
    relays.push(r);
    const viaRelay = new URL(direct);
    viaRelay.port = String(r.port);
    const store = await openPostgresStore(viaRelay.toString(), { max: 2 });
    const first = await store.rollouts.createRollout(newRollout("v1"));

    await r.cut();
    await expect(store.check()).rejects.toMatchObject({ code: "SLIPWAY_STORE_UNAVAILABLE" });
    await expect(store.rollouts.getRollout(first.id)).rejects.toMatchObject({
      code: "SLIPWAY_STORE_UNAVAILABLE",
    });
    // A transaction that cannot commit changes nothing.
    await expect(store.rollouts.createRollout(newRollout("v1", undefined, "api"))).rejects.toMatchObject({
      code: "SLIPWAY_STORE_UNAVAILABLE",
    });

    await r.mend();
    await store.check();
    expect((await store.rollouts.list()).map((x) => x.id)).toEqual([first.id]);
    expect((await store.rollouts.createRollout(newRollout("v1", undefined, "api"))).id).toBe("r-2");
    await store.close();
  });
});
