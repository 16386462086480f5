/**
 * Test support: a real Prometheus (Debian package `prometheus`) on a loopback port scraping the
 * proxy's admin `/metrics` every second with the admin API's bearer token. The proxy's metrics are
 * per revision (`slipway_proxy_requests_total{route,revision,class}` and the latency histogram
 * `slipway_proxy_request_duration_seconds`), which is what the canary metrics below query.
 * `stop()` kills Prometheus' process group and removes its temp dir.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../analysis/prometheus-server.js";

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
  const dir = await mkdtemp(join(tmpdir(), "slipway-canary-prom-"));
  const port = await freePort();
  await writeFile(join(dir, "token"), target.bearerToken, { mode: 0o600 });
  await writeFile(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: slipway-proxy",
      "    scrape_interval: 1s",
      "    scrape_timeout: 900ms",
      "    metrics_path: /metrics",
      "    authorization:",
      "      type: Bearer",
      `      credentials_file: ${JSON.stringify(join(dir, "token"))}`,
      "    static_configs:",
      `      - targets: [${JSON.stringify(target.hostPort)}]`,
      "",
    ].join("\n"),
  );
  const child = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { detached: true, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const address = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const gone = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!gone) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
        await exited;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

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
      const up = await query('up{job="slipway-proxy"}').catch(() => []);
      if (up[0] === 1) return;
      await sleep(250);
    }
    throw new Error(`prometheus never scraped ${target.hostPort} within ${deadline} ms: ${stderr}`);
  };

  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${address}/-/ready`)).ok) return { address, waitForTarget, query, stop };
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`prometheus did not become ready within ${deadlineMs} ms: ${stderr}`);
}
