import type { Command } from "commander";
import type { Logger } from "../../log.js";
import { join } from "node:path";
import { DEFAULTS } from "../../core/defaults.js";
import { SlipwayError } from "../../core/errors.js";
import { ProxyAdminClient } from "../../traffic/admin-client.js";
import { resolveAdminToken } from "../../traffic/admin-token.js";
import { readProxyInfo, spawnProxy, type SpawnedProxy } from "../../traffic/spawn.js";
import { dataDirOf, serve, type RunningServer } from "../../server/serve.js";
import { makePrivate } from "../../store/private-files.js";
import { storageFault } from "../../store/storage-faults.js";
import { style } from "../output.js";
import { projectDirFor } from "../project.js";
import { DATABASE_HELP, stateUrl } from "../state.js";
import { loadProjectConfig } from "../../config/load.js";
import { CONFIG_DEFAULTS } from "../../core/config/defaults.js";
import type { DataPlaneKind } from "../../core/traffic/index.js";
import { parseDataPlane } from "../data-plane-option.js";

export function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `${flag} must be a port number from 0 to 65535, got "${text}"`,
    );
  }
  return port;
}

/** Resolves on SIGINT/SIGTERM (once), so a foreground command can shut down cleanly. */
export function waitForShutdown(): Promise<void> {
  return new Promise((ok) => {
    process.once("SIGINT", () => ok());
    process.once("SIGTERM", () => ok());
  });
}

/**
 * Starts the project's proxy (a detached process that outlives this one, reused when already
 * running) and the control plane in this process.
 */
export async function up(options: {
  dir: string;
  port: number;
  proxyPort: number;
  workers?: number;
  /** What carries the traffic; default: slipway.yaml's `dataPlane`, else builtin. */
  dataPlane?: DataPlaneKind;
  /** Where the control plane logs; stdout when absent. */
  logger?: Logger;
  /** Mark the session cookie Secure (the dashboard is reached over https through a TLS proxy). */
  secureCookies?: boolean;
  /** The state database's URL or path; the project's .slipway/slipway.db when absent. */
  database?: string;
}): Promise<{
  server: RunningServer;
  proxyPid: number;
  proxyReused: boolean;
  dataPlane: DataPlaneKind;
}> {
  const stateDir = join(dataDirOf(options.dir), "proxy");
  const dataPlane = options.dataPlane ?? configuredDataPlane(options.dir);
  // Before the proxy starts: a read-only or full data directory is refused with nothing left running.
  makePrivate(dataDirOf(options.dir));
  const existing = readProxyInfo(stateDir);
  let proxyPid: number | undefined;
  let proxyReused = false;
  if (existing && isAlive(existing.pid)) {
    const client = new ProxyAdminClient({
      url: existing.adminUrl,
      token: resolveAdminToken(stateDir),
      timeoutMs: 2000,
    });
    try {
      await client.health();
      proxyPid = existing.pid;
      proxyReused = true;
    } catch {
      // a stale proxy.json: start a new proxy below
    } finally {
      await client.close();
    }
  }
  const running = existing?.dataPlane ?? "builtin";
  if (proxyReused && running !== dataPlane) {
    throw new SlipwayError(
      "SLIPWAY_CONFLICT",
      `the proxy of ${options.dir} (pid ${proxyPid}) runs the ${running} data plane, not ${dataPlane}: ` +
        `stop it first (kill ${proxyPid}; traffic stops until the new one listens) or start with --data-plane ${running}`,
    );
  }
  let spawned: SpawnedProxy | undefined;
  if (proxyPid === undefined) {
    spawned = await spawnProxy({
      listen: `127.0.0.1:${options.proxyPort}`,
      admin: "127.0.0.1:0",
      stateDir,
      dataPlane,
      ...(options.workers ? { workers: options.workers } : {}),
    }).catch((error: unknown) => {
      // A write error carries no path (a full disk at the token or log): name the proxy's folder.
      throw storageFault(error, stateDir) ?? error;
    });
    proxyPid = spawned.pid;
    await spawned.client.close();
  }
  try {
    const server = await serve({
      ...(options.secureCookies ? { secureCookies: true } : {}),
      dir: options.dir,
      port: options.port,
      ...(options.database ? { database: options.database } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return { server, proxyPid, proxyReused, dataPlane };
  } catch (error) {
    // The proxy this command started would outlive it, serving nothing: stop it (a reused one stays).
    await spawned?.stop();
    throw error;
  }
}

export function registerUp(program: Command): void {
  program
    .command("up")
    .summary("Start the proxy (detached) and the control plane for a project")
    .description(
      "Start the proxy (detached, survives this process) and the control plane for a project. On first start, " +
        "creates an admin API token in <dir>/.slipway/admin-token (mode 0600), which the CLI sends (or SLIPWAY_TOKEN)",
    )
    .option(
      "--dir <dir>",
      "project directory (holds slipway.yaml; default: found from the current folder upwards)",
    )
    .option("--port <n>", "API port on 127.0.0.1 (0 = any free port)", String(DEFAULTS.serverPort))
    .option("--proxy-port <n>", "traffic port on 127.0.0.1 (0 = any free port)", String(DEFAULTS.upProxyPort))
    .option("--database <url>", DATABASE_HELP)
    .option(
      "--secure-cookies",
      "mark the dashboard's session cookie Secure (served over https through a TLS proxy)",
    )
    .option(
      "--data-plane <kind>",
      "what carries the traffic: builtin or haproxy (default: slipway.yaml's dataPlane)",
    )
    .action(
      async (options: {
        dir?: string;
        port: string;
        proxyPort: string;
        database?: string;
        secureCookies?: boolean;
        dataPlane?: string;
      }) => {
        const database = stateUrl(options.database, "");
        const { server, proxyPid, proxyReused, dataPlane } = await up({
          ...(database ? { database } : {}),
          dir: projectDirFor(options.dir),
          ...(options.dataPlane !== undefined ? { dataPlane: parseDataPlane(options.dataPlane) } : {}),
          port: parsePort(options.port, "--port"),
          proxyPort: parsePort(options.proxyPort, "--proxy-port"),
          ...(options.secureCookies ? { secureCookies: true } : {}),
        });
        process.stdout.write(
          [
            `${style.bold("slipway up")} ${server.projectDir}`,
            `  API      ${server.apiUrl}   (export SLIPWAY_URL=${server.apiUrl})`,
            `  traffic  ${server.proxyUrl}   (${dataPlane} proxy pid ${proxyPid}${proxyReused ? ", already running" : ""}; keeps serving after Ctrl-C)`,
            `  token    ${server.adminTokenFile}   (admin; the CLI reads it, or set SLIPWAY_TOKEN)`,
            "",
          ].join("\n"),
        );
        await waitForShutdown();
        await server.close();
        process.stdout.write(
          "control plane stopped; the proxy and the services keep running (`slipway down` stops them)\n",
        );
      },
    );
}

/** slipway.yaml's `dataPlane`, or the default when the file is missing or invalid (serve reports that). */
function configuredDataPlane(dir: string): DataPlaneKind {
  try {
    return loadProjectConfig(dir).dataPlane;
  } catch {
    return CONFIG_DEFAULTS.dataPlane;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
