/**
 * Test support: a real Prometheus (Debian package `prometheus`) on a loopback port scraping the
 * proxy's admin `/metrics` every second with the admin API's bearer token. The proxy's metrics are
 * per revision (`slipway_proxy_requests_total{route,revision,class}` and the latency histogram
 * `slipway_proxy_request_duration_seconds`), which is what the canary metrics below query.
 * `stop()` kills Prometheus' process group and removes its temp dir.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startPrometheus } from "../analysis/prometheus-server.js";

export interface ScrapedPrometheus {
  address: string;
  /** Resolves once Prometheus has scraped the target successfully (`up == 1`). */
  waitForTarget(deadlineMs?: number): Promise<void>;
  /** Instant query, for assertions; returns the numbers of the vector. */
  query(promql: string): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startPrometheusFor(
  target: { hostPort: string; bearerToken: string },
  deadlineMs = 30_000,
): Promise<ScrapedPrometheus> {
  const job = "slipway-proxy";
  const prometheus = await startPrometheus([target.hostPort], deadlineMs, {
    job,
    bearerToken: target.bearerToken,
  });
  const { address } = prometheus;

  const query = async (promql: string): Promise<number[]> => {
    const res = await fetch(`${address}/api/v1/query`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: promql }).toString(),
    });
    const body = (await res.json()) as {
      status: string;
      data?: { resultType: string; result: { value: [number, string] }[] };
    };
    if (body.status !== "success" || body.data?.resultType !== "vector")
      throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
    return body.data.result.map((r) => Number(r.value[1]));
  };

  const waitForTarget = async (deadline = 20_000) => {
    const until = Date.now() + deadline;
    while (Date.now() < until) {
      const up = await query(`up{job="${job}"}`).catch(() => []);
      if (up[0] === 1) return;
      await sleep(250);
    }
    throw new Error(
      `prometheus never scraped ${target.hostPort} within ${deadline} ms: ${prometheus.stderr()}`,
    );
  };

  return { address, waitForTarget, query, stop: () => prometheus.stop() };
}
