// Published asset bundles served through each data plane, on real sockets: the built-in proxy
// (in this process) and HAProxy (real haproxy, in front of Slipway's origin socket). The bundle is
// published and its aliases moved with AssetService over a real SQLite store, as the CLI does.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import pino from "pino";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssetService } from "../../src/assets/service.js";
import { openStore, type Store } from "../../src/store/index.js";
import { startProxy } from "../../src/traffic/builtin/process.js";
import { startHaproxyProxy } from "../../src/traffic/haproxy/process.js";
import { until } from "../proxy/helpers.js";

const WIDGET_V1 = `(function(){window.widget={version:"1.4.0",hello:${JSON.stringify("x".repeat(3000))}}})();\n`;
const WIDGET_V2 = `(function(){window.widget={version:"1.5.0",hello:${JSON.stringify("y".repeat(3000))}}})();\n`;
const sri = (body: string) => `sha384-${createHash("sha384").update(body).digest("base64")}`;

interface Plane {
  url: string;
  close(): Promise<void>;
}

const haproxyMissing = spawnSync("haproxy", ["-v"]).status !== 0;

let work: string;
let store: Store;
let service: AssetService;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "slipway-assets-"));
  const data = join(work, "data");
  store = await openStore(join(data, "slipway.db"));
  service = new AssetService({ store: store.assets, root: join(data, "assets") });
  for (const [version, code] of [
    ["1.4.0", WIDGET_V1],
    ["1.5.0", WIDGET_V2],
  ] as const) {
    const dir = join(work, `bundle-${version}`);
    mkdirSync(join(dir, "js"), { recursive: true });
    writeFileSync(join(dir, "js", `widget.${version.replace(/\./g, "")}abc.js`), code);
    writeFileSync(join(dir, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    await service.publish(dir, "widget", version, "ci");
  }
  await service.moveAlias("widget", "stable", "1.4.0", { actor: "ada", reason: "first" });
});

afterAll(async () => {
  await store?.close();
  rmSync(work, { recursive: true, force: true });
});

const get = async (
  plane: Plane,
  path: string,
  headers: Record<string, string> = {},
  method: "GET" | "HEAD" = "GET",
) => {
  const res = await request(`${plane.url}${path}`, { method, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
};

function servingSuite(kind: string, start: (stateDir: string) => Promise<Plane>, skip = false) {
  describe.skipIf(skip)(`assets through the ${kind} data plane`, () => {
    let plane: Plane;
    beforeAll(async () => {
      plane = await start(join(work, "data", `proxy-${kind}`));
    });
    afterAll(async () => plane?.close());

    it("serves a version immutable, with its content type, strong ETag, 304 and HEAD", async () => {
      const path = "/assets/widget/1.4.0/js/widget.140abc.js";
      const res = await get(plane, path);
      expect(res.status).toBe(200);
      expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(res.headers["content-type"]).toBe("text/javascript; charset=utf-8");
      expect(res.headers.vary).toBe("Accept-Encoding");
      expect(res.headers["content-encoding"]).toBeUndefined();
      expect(res.body.toString()).toBe(WIDGET_V1);
      const etag = String(res.headers.etag);
      expect(etag).toMatch(/^"[^"]+"$/);
      const again = await get(plane, path, { "if-none-match": etag });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      const head = await get(plane, path, {}, "HEAD");
      expect(head.status).toBe(200);
      expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(WIDGET_V1)));
      expect(head.body.length).toBe(0);
      const png = await get(plane, "/assets/widget/1.4.0/logo.png", { "accept-encoding": "br, gzip" });
      expect(png.headers["content-type"]).toBe("image/png");
      expect(png.headers["content-encoding"]).toBeUndefined();
    });

    it("negotiates br, gzip and identity, each with its own ETag, bytes matching the SRI hash", async () => {
      const path = "/assets/widget/1.4.0/js/widget.140abc.js";
      const br = await get(plane, path, { "accept-encoding": "gzip, deflate, br" });
      expect(br.headers["content-encoding"]).toBe("br");
      expect(brotliDecompressSync(br.body).toString()).toBe(WIDGET_V1);
      const gz = await get(plane, path, { "accept-encoding": "gzip" });
      expect(gz.headers["content-encoding"]).toBe("gzip");
      expect(gunzipSync(gz.body).toString()).toBe(WIDGET_V1);
      const identity = await get(plane, path, { "accept-encoding": "br;q=0, gzip;q=0" });
      expect(identity.headers["content-encoding"]).toBeUndefined();
      expect(new Set([br.headers.etag, gz.headers.etag, identity.headers.etag]).size).toBe(3);
      const manifest = await get(plane, "/assets/widget/1.4.0/.manifest.json");
      const listed = JSON.parse(manifest.body.toString()) as { files: { path: string; integrity: string }[] };
      expect(listed.files.find((f) => f.path === "js/widget.140abc.js")?.integrity).toBe(sri(WIDGET_V1));
    });

    it("serves an alias with a short max-age and follows its moves and rollback at once", async () => {
      const path = "/assets/widget/stable/js/widget.140abc.js";
      const first = await get(plane, path);
      expect(first.status).toBe(200);
      expect(first.headers["cache-control"]).toBe("public, max-age=60");
      expect(first.headers["x-asset-version"]).toBe("1.4.0");
      await service.moveAlias("widget", "stable", "1.5.0", { actor: "ada", reason: "ship" });
      // The new version has its own hashed file name; the old one is not in it.
      expect((await get(plane, path)).status).toBe(404);
      const moved = await get(plane, "/assets/widget/stable/js/widget.150abc.js");
      expect(moved.body.toString()).toBe(WIDGET_V2);
      expect(moved.headers["x-asset-version"]).toBe("1.5.0");
      await service.rollback("widget", "stable", { actor: "ada", reason: "bad release" });
      expect((await get(plane, path)).body.toString()).toBe(WIDGET_V1);
      // The version rolled back from stays available under its own URL.
      expect((await get(plane, "/assets/widget/1.5.0/js/widget.150abc.js")).status).toBe(200);
    });

    it("answers 404 for what was never published, 405 for other methods, 400 for traversal", async () => {
      expect((await get(plane, "/assets/widget/9.9.9/js/widget.140abc.js")).status).toBe(404);
      expect((await get(plane, "/assets/widget/1.4.0/js/nope.js")).status).toBe(404);
      expect((await get(plane, "/assets/widget/nightly/js/widget.140abc.js")).status).toBe(404);
      const post = await request(`${plane.url}/assets/widget/1.4.0/logo.png`, { method: "POST", body: "x" });
      await post.body.dump();
      expect(post.statusCode).toBe(405);
      for (const path of [
        "/assets/widget/1.4.0/../../../data/slipway.db",
        "/assets/widget/1.4.0/%2e%2e/%2e%2e/aliases.json",
        "/assets/widget/1.4.0/%2E%2E%2F%2E%2E%2Faliases.json",
        "/assets/widget/1.4.0/js%00.js",
        "/assets/widget/1.4.0/..%5c..%5caliases.json",
        "/assets/widget/1.4.0/.br/js/widget.140abc.js",
      ]) {
        const res = await get(plane, path);
        expect([400, 404], path).toContain(res.status);
        expect(res.body.toString(), path).not.toContain("stable");
      }
    });

    it("leaves an app's own /assets/ paths to the routes, and serves a name published after start", async () => {
      // No app is routed here: the routes' own 404, not the origin's.
      const app = await get(plane, "/assets/index-4f2a.js");
      expect(app.status).toBe(404);
      expect(app.body.toString()).toContain("no route for this host and path");
      expect((await get(plane, "/assets/banner/1.0.0/banner.js")).body.toString()).toContain("no route");
      const dir = join(work, `banner-${kind}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "banner.js"), "console.log('banner')\n");
      const name = `banner-${kind.toLowerCase().replace(/[^a-z]/g, "")}`;
      await service.publish(dir, name, "1.0.0", "ci");
      const served = await until(async () => {
        const res = await get(plane, `/assets/${name}/1.0.0/banner.js`);
        return res.status === 200 ? res : undefined;
      }, `${name} served`);
      expect(served?.body.toString()).toBe("console.log('banner')\n");
    });
  });
}

servingSuite("built-in", async (stateDir) => {
  const running = await startProxy({
    listen: "127.0.0.1:0",
    admin: "127.0.0.1:0",
    stateDir,
    log: pino({ level: "silent" }),
  });
  return { url: `http://${running.listen}`, close: () => running.close() };
});

servingSuite(
  "HAProxy",
  async (stateDir) => {
    const running = await startHaproxyProxy({
      listen: "127.0.0.1:0",
      admin: "127.0.0.1:0",
      stateDir,
      log: pino({ level: "silent" }),
    });
    return { url: `http://${running.listen}`, close: () => running.close({ stopHaproxy: true }) };
  },
  haproxyMissing,
);
