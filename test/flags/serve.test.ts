import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `slipway flags serve` as a real process over real HTTP (`npm run build` first).
const BIN = join(import.meta.dirname, "..", "..", "bin", "slipway.js");
const WAIT_MS = 15_000;

const dir = mkdtempSync(join(tmpdir(), "slipway-flags-serve-"));
const FLAGS = join(dir, "flags.json");

/** Writes through a temporary file and a rename, as editors save. */
function save(content: unknown): void {
  const temp = `${FLAGS}.tmp`;
  writeFileSync(temp, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  renameSync(temp, FLAGS);
}

const flagsWithBanner = (banner: string) => ({
  metadata: { flagSetId: "web" },
  $evaluators: { isBeta: { in: [{ var: "plan" }, ["beta", "internal"]] } },
  flags: {
    banner: { state: "ENABLED", variants: { current: banner, none: "" }, defaultVariant: "current" },
    "beta-search": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: { if: [{ $ref: "isBeta" }, "on", null] },
    },
    "old-nav": { state: "DISABLED", variants: { on: true, off: false }, defaultVariant: "on" },
    "no-default": { state: "ENABLED", variants: { a: 1, b: 2 }, defaultVariant: null },
    "broken-ref": {
      state: "ENABLED",
      variants: { a: 1 },
      defaultVariant: "a",
      targeting: { if: [{ $ref: "missing" }, "a", null] },
    },
  },
});

let child: ChildProcess;
let url = "";
let stderr = "";

function waitFor(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}; stderr: ${stderr}`));
      setTimeout(check, 25);
    };
    check();
  });
}

beforeAll(async () => {
  save(flagsWithBanner("Spring sale"));
  child = spawn(process.execPath, [BIN, "flags", "serve", FLAGS, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.test(stdout), "the listening line");
  url = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout)![1]!;
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    etag: response.headers.get("etag"),
    body: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

const evaluate = (key: string, context: Record<string, unknown> = {}) =>
  post(`/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`, { context });

describe("OFREP single-flag evaluation", () => {
  it("answers 200 with key, value, variant, reason and metadata", async () => {
    expect(await evaluate("banner")).toEqual({
      status: 200,
      etag: null,
      body: {
        key: "banner",
        value: "Spring sale",
        variant: "current",
        reason: "STATIC",
        metadata: { flagSetId: "web" },
      },
    });
    expect((await evaluate("beta-search", { targetingKey: "u1", plan: "beta" })).body).toMatchObject({
      value: true,
      reason: "TARGETING_MATCH",
    });
  });

  it("omits value and variant when the caller's default applies (disabled, no default variant)", async () => {
    expect((await evaluate("old-nav")).body).toEqual({
      key: "old-nav",
      reason: "DISABLED",
      metadata: { flagSetId: "web" },
    });
    expect((await evaluate("no-default")).body).toEqual({
      key: "no-default",
      reason: "DEFAULT",
      metadata: { flagSetId: "web" },
    });
  });

  it("answers 404 FLAG_NOT_FOUND and 400 for evaluation errors and bad contexts", async () => {
    expect(await evaluate("nope")).toMatchObject({
      status: 404,
      body: { key: "nope", errorCode: "FLAG_NOT_FOUND", errorDetails: 'flag "nope" not found' },
    });
    expect(await evaluate("broken-ref")).toMatchObject({
      status: 400,
      body: { key: "broken-ref", errorCode: "PARSE_ERROR" },
    });
    const notJson = await post("/ofrep/v1/evaluate/flags/banner", "{nope");
    expect(notJson).toMatchObject({ status: 400, body: { key: "banner", errorCode: "INVALID_CONTEXT" } });
    const listContext = await post("/ofrep/v1/evaluate/flags/banner", { context: [1] });
    expect(listContext).toMatchObject({
      status: 400,
      body: { errorCode: "INVALID_CONTEXT", errorDetails: "context must be a JSON object" },
    });
  });

  it("answers 405 to other methods and 404 off the OFREP paths", async () => {
    const get = await fetch(`${url}/ofrep/v1/evaluate/flags/banner`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });

  it("serves the provider configuration", async () => {
    const response = await fetch(`${url}/ofrep/v1/configuration`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: "slipway",
      capabilities: { cacheInvalidation: { polling: { enabled: true } } },
    });
  });
});

describe("OFREP bulk evaluation", () => {
  it("evaluates every enabled flag, with an ETag that If-None-Match turns into 304", async () => {
    const first = await post("/ofrep/v1/evaluate/flags", { context: { targetingKey: "u1", plan: "free" } });
    expect(first.status).toBe(200);
    expect(first.etag).toMatch(/^"[\w-]+"$/);
    const flags = (first.body as { flags: { key: string }[] }).flags;
    expect(flags.map((f) => f.key)).toEqual(["banner", "beta-search", "no-default", "broken-ref"]);
    expect(flags[3]).toEqual({
      key: "broken-ref",
      errorCode: "PARSE_ERROR",
      errorDetails: expect.any(String) as string,
    });

    const again = await post(
      "/ofrep/v1/evaluate/flags",
      { context: { targetingKey: "u1", plan: "free" } },
      { "if-none-match": first.etag! },
    );
    expect(again).toEqual({ status: 304, etag: first.etag, body: undefined });

    // Another context changes a value, so the old tag no longer matches.
    const beta = await post(
      "/ofrep/v1/evaluate/flags",
      { context: { targetingKey: "u1", plan: "beta" } },
      { "if-none-match": first.etag! },
    );
    expect(beta.status).toBe(200);
    expect(beta.etag).not.toBe(first.etag);
  });
});

describe("reloading", () => {
  it("serves an edit once saved, and keeps the previous flags when an edit is invalid", async () => {
    const before = await post("/ofrep/v1/evaluate/flags", {});
    save(flagsWithBanner("Summer sale"));
    await waitFor(() => stderr.includes("flags: reloaded 5 flags"), "the reload");
    expect((await evaluate("banner")).body).toMatchObject({ value: "Summer sale" });
    const after = await post("/ofrep/v1/evaluate/flags", {}, { "if-none-match": before.etag! });
    expect(after.status).toBe(200);

    save('{\n  "flags": {\n    "banner": { "state": "ENABLED", "variants": {} }\n  }\n}\n');
    await waitFor(() => stderr.includes("refused the change"), "the refusal");
    expect(stderr).toContain(`${FLAGS}:3:49: /flags/banner/variants: must NOT have fewer than 1 properties`);
    expect((await evaluate("banner")).body).toMatchObject({ value: "Summer sale" });
  });
});
