import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlagServer, type FlagServer } from "./serve.js";

// GET /api/flags/document through the flag server over real HTTP.
const dir = mkdtempSync(join(tmpdir(), "slipway-flags-document-"));
const file = join(dir, "flags.json");
const flags = (banner: string) => ({
  metadata: { flagSetId: "web" },
  $evaluators: { isBeta: { in: [{ var: "plan" }, ["beta"]] } },
  flags: {
    banner: { state: "ENABLED", variants: { current: banner }, defaultVariant: "current" },
    search: {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: { if: [{ $ref: "isBeta" }, "on", null] },
    },
  },
});

let server: FlagServer;
const logs: string[] = [];
beforeAll(async () => {
  writeFileSync(file, JSON.stringify(flags("Spring")));
  server = await startFlagServer({ files: [file], port: 0, log: (line) => logs.push(line) });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /api/flags/document", () => {
  it("answers the whole flagd document with a strong ETag, 304 for If-None-Match", async () => {
    const res = await fetch(`${server.url}/api/flags/document`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(await res.json()).toEqual({
      $schema: "https://flagd.dev/schema/v0/flags.json",
      ...flags("Spring"),
    });

    const again = await fetch(`${server.url}/api/flags/document`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");

    const stale = await fetch(`${server.url}/api/flags/document`, {
      headers: { "if-none-match": '"other"' },
    });
    expect(stale.status).toBe(200);
  });

  it("changes its ETag when the file changes", async () => {
    const before = (await fetch(`${server.url}/api/flags/document`)).headers.get("etag")!;
    writeFileSync(file, JSON.stringify(flags("Summer")));
    let res: Response;
    const deadline = Date.now() + 15_000;
    do {
      await new Promise((r) => setTimeout(r, 50));
      res = await fetch(`${server.url}/api/flags/document`, { headers: { "if-none-match": before } });
    } while (res.status === 304 && Date.now() < deadline);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).not.toBe(before);
    const body = (await res.json()) as { flags: { banner: { variants: { current: string } } } };
    expect(body.flags.banner.variants.current).toBe("Summer");
  });

  it("refuses other methods with 405 and Allow", async () => {
    const res = await fetch(`${server.url}/api/flags/document`, { method: "POST", body: "{}" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain("POST is not allowed");
  });
});
