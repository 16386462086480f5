/**
 * Test support: a real Prometheus (Debian package `prometheus`) on a loopback port with a temp
 * config and storage dir, scraping targets every second (with a bearer token when given, as the
 * proxy's admin `/metrics` needs). `stop()` kills its process group and removes the temp dir.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface PrometheusServer {
  address: string;
  /** The tail of Prometheus' stderr, for error messages. */
  stderr(): string;
  stop(): Promise<void>;
}

export interface ScrapeOptions {
  /** The scrape job's name (`up{job="…"}`). */
  job?: string;
  /** Sent as `Authorization: Bearer` on every scrape. */
  bearerToken?: string;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(
  targets: string[],
  deadlineMs = 30_000,
  options: ScrapeOptions = {},
): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-prom-"));
  const port = await freePort();
  if (options.bearerToken !== undefined) {
    await writeFile(join(dir, "token"), options.bearerToken, { mode: 0o600 });
  }
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  evaluation_interval: 1s",
    "scrape_configs:",
    `  - job_name: ${options.job ?? "slipway-test"}`,
    "    scrape_interval: 1s",
    "    scrape_timeout: 900ms",
    ...(options.bearerToken === undefined
      ? []
      : [
          "    authorization:",
          "      type: Bearer",
          `      credentials_file: ${JSON.stringify(join(dir, "token"))}`,
        ]),
    "    static_configs:",
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}]`,
    "",
  ].join("\n");
  await writeFile(join(dir, "prometheus.yml"), config);
  const child: ChildProcess = spawn(
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
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) {
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
  const address = `http://127.0.0.1:${port}`;
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${address}/-/ready`);
      if (res.ok) return { address, stderr: () => stderr, stop };
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`prometheus did not become ready within ${deadlineMs} ms: ${stderr}`);
}
