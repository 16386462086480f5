import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeConditions } from "../../core/analysis/judges/conditions.js";
import { parseCondition } from "../../core/analysis/condition.js";
import { freePortForTest } from "../test-support.js";
import { MetricQueryError } from "../provider.js";
import { HttpProbeProvider, jsonPathGet, type HttpProbeSpec } from "./http-probe-provider.js";

let server: Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? "");
    if (req.url?.startsWith("/health")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status: "ok",
          checks: { db: "up", queue: "down" },
          latency: { p95: 182.5 },
          items: [{ ok: true }],
        }),
      );
    } else if (req.url === "/broken") {
      res.writeHead(503).end("upstream down");
    } else if (req.url === "/slow") {
      setTimeout(() => res.writeHead(200).end("{}"), 2000);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const provider = new HttpProbeProvider();
const window = { startMs: 0, endMs: 1 };
const spec = (over: Partial<HttpProbeSpec>): HttpProbeSpec => ({
  provider: "http",
  url: `${base}/health`,
  vars: {},
  ...over,
});

describe("HTTP probe provider (real server)", () => {
  it("checks status and JSON fields, templating the URL with URL-encoded values", async () => {
    const sample = await provider.query(
      spec({
        url: `${base}/health?rev={{revision}}`,
        vars: { revision: "web/production@v2" },
        checks: [
          { path: "$.status", equals: "ok" },
          { path: "checks.db", equals: "up" },
          { path: "$.latency.p95", max: 500 },
          { path: "items[0].ok", equals: true },
        ],
        valuePath: "$.latency.p95",
      }),
      window,
    );
    expect(seen).toContain("/health?rev=web%2Fproduction%40v2");
    expect(sample.checks?.every((c) => c.ok)).toBe(true);
    expect(sample.values).toEqual([182.5]);
    expect(judgeConditions(sample, { metric: "health" }).verdict).toBe("pass");
    expect(
      judgeConditions(sample, { metric: "health p95", successCondition: parseCondition("result < 150") })
        .verdict,
    ).toBe("fail");
  });

  it("a failing field check fails the measurement, naming field, value and expectation", async () => {
    const sample = await provider.query(
      spec({ checks: [{ path: "$.checks.queue", equals: "up" }, { path: "$.missing" }] }),
      window,
    );
    const j = judgeConditions(sample, { metric: "health" });
    expect(j.verdict).toBe("fail");
    expect(j.explanation).toBe(
      'health: 2 of 3 checks failed ($.checks.queue = "down", expected "up"; $.missing is missing) → fail',
    );
  });

  it("a bad status is a failed check, not an error", async () => {
    const sample = await provider.query(
      spec({ url: `${base}/broken`, checks: [{ path: "$.status", equals: "ok" }] }),
      window,
    );
    expect(sample.checks).toEqual([
      { name: "status", ok: false, detail: "status 503, expected 2xx" },
      { name: "$.status", ok: false, detail: "$.status: body is not JSON (upstream down)" },
    ]);
    const accepted = await provider.query(spec({ url: `${base}/broken`, expectStatus: [503] }), window);
    expect(accepted.checks?.[0]?.ok).toBe(true);
  });

  it("an unreachable URL and a timeout are errors", async () => {
    const port = await freePortForTest();
    const down = await provider
      .query(spec({ url: `http://127.0.0.1:${port}/health` }), window)
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(MetricQueryError);
    expect((down as MetricQueryError).failure).toBe("unreachable");
    expect((down as Error).message).toBe(`GET http://127.0.0.1:${port}/health is unreachable (ECONNREFUSED)`);
    const slow = await provider
      .query(spec({ url: `${base}/slow`, timeoutMs: 200 }), window)
      .catch((e: unknown) => e);
    expect((slow as MetricQueryError).failure).toBe("timeout");
    expect((slow as Error).message).toBe(`GET ${base}/slow did not answer within 200 ms`);
  });

  it("resolves JSON paths", () => {
    expect(jsonPathGet({ a: { b: [{ c: 3 }] } }, "$.a.b[0].c")).toBe(3);
    expect(jsonPathGet({ a: { b: [{ c: 3 }] } }, "a.b.0.c")).toBe(3);
    expect(jsonPathGet({ a: 1 }, "$.a.b")).toBeUndefined();
  });
});
