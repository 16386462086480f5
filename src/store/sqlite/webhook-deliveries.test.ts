import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { webhookDeliveryStoreContract } from "../contract/webhook-delivery.contract.js";
import { openSqlite, type SqliteDatabase } from "./database.js";
import { SqliteWebhookDeliveryStore } from "./webhook-deliveries.js";

const dir = mkdtempSync(join(tmpdir(), "slipway-deliveries-"));
const open: SqliteDatabase[] = [];
afterAll(() => {
  open.splice(0).forEach((db) => db.close());
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const fresh = (path = join(dir, `db-${n++}.sqlite`)) => {
  const db = openSqlite(path);
  open.push(db);
  return db;
};

webhookDeliveryStoreContract("sqlite", (options) => new SqliteWebhookDeliveryStore(fresh(), options));

describe("SqliteWebhookDeliveryStore", () => {
  it("remembers deliveries across a restart", async () => {
    const path = join(dir, "restart.sqlite");
    const first = fresh(path);
    expect(await new SqliteWebhookDeliveryStore(first).firstSeen("72d3162e", 1000)).toBe(true);
    first.close();
    open.splice(open.indexOf(first), 1);
    expect(await new SqliteWebhookDeliveryStore(fresh(path)).firstSeen("72d3162e", 2000)).toBe(false);
  });
});
