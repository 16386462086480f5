import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import pino from "pino";
import { createRuntime } from "../../runtimes/index.js";
import { SERVER_INFO_FILE, dataDirOf } from "../../server/serve.js";
import { runningHaproxyMaster } from "../../traffic/haproxy/master.js";
import { isAlive, readProxyInfo } from "../../traffic/spawn.js";
import { printJson, style } from "../output.js";
import { projectDirFor } from "../project.js";

/** One thing `slipway down` stopped, for its report. */
export interface Stopped {
  what: "control plane" | "instances" | "proxy";
  detail: string;
}

/** SIGTERM (to the process group when `group`), then SIGKILL after `graceMs`; true when it had to kill. */
async function terminate(pid: number, graceMs: number, group: boolean): Promise<boolean> {
  const send = (signal: NodeJS.Signals): void => {
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      // already gone
    }
  };
  send("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return false;
    await sleep(50);
  }
  send("SIGKILL");
  while (isAlive(pid)) await sleep(25);
  return true;
}

/** The pid in server.json runs Slipway (a reused pid of another program is left alone). */
function runsSlipway(pid: number): boolean {
  try {
    return /slipway|dist\/cli\.js/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * Stops what `slipway up` started for the project in `dir`, in the order that leaves nothing to
 * restart the rest: the control plane first (it would restart a dead proxy and missing instances),
 * then every instance the runtime supervises, then the proxy. Idempotent: what is not running is
 * skipped, and a second call stops nothing.
 */
export async function down(dir: string): Promise<Stopped[]> {
  const data = dataDirOf(dir);
  const stopped: Stopped[] = [];

  const infoFile = join(data, SERVER_INFO_FILE);
  if (existsSync(infoFile)) {
    let info: { pid?: number; apiUrl?: string } = {};
    try {
      info = JSON.parse(readFileSync(infoFile, "utf8")) as typeof info;
    } catch {
      // unreadable: treated as no server
    }
    if (info.pid && info.pid !== process.pid && isAlive(info.pid) && runsSlipway(info.pid)) {
      const killed = await terminate(info.pid, 15_000, false);
      stopped.push({
        what: "control plane",
        detail: `pid ${info.pid}, ${info.apiUrl ?? "?"}${killed ? " (killed after 15 s)" : ""}`,
      });
    }
    rmSync(infoFile, { force: true }); // a crashed server's file must not send the CLI to a dead port
  }

  if (existsSync(join(data, "runtime"))) {
    const runtime = createRuntime(
      { runtime: { kind: "local" } },
      { dataDir: data, logger: pino({ enabled: false }) },
    );
    for (const revision of runtime.revisions()) {
      const count = runtime.instances(revision).length;
      await runtime.stop(revision);
      stopped.push({ what: "instances", detail: `${revision} (${count} instance${count === 1 ? "" : "s"})` });
    }
    await runtime.detach();
  }

  const proxyDir = join(data, "proxy");
  const proxy = readProxyInfo(proxyDir);
  if (proxy && isAlive(proxy.pid)) {
    const killed = await terminate(proxy.pid, 10_000, true);
    stopped.push({
      what: "proxy",
      detail: `pid ${proxy.pid}, traffic ${proxy.listen}${killed ? " (killed after 10 s)" : ""}`,
    });
  }
  // HAProxy runs detached from its controller (it survives a crash of it): a controller that was
  // already dead, or killed above, left it serving. SIGTERM to the master stops its workers too.
  const master = runningHaproxyMaster(proxyDir);
  if (master !== undefined) {
    const killed = await terminate(master, 10_000, false);
    stopped.push({
      what: "proxy",
      detail: `HAProxy master pid ${master}${proxy ? `, traffic ${proxy.listen}` : ""}${killed ? " (killed after 10 s)" : ""}`,
    });
  }
  return stopped;
}

export function registerDown(program: Command): void {
  program
    .command("down")
    .description(
      "Stop what `slipway up` started for a project: the control plane, every service instance, the proxy",
    )
    .option("--dir <dir>", "project directory (default: found from the current folder upwards)")
    .option("--json", "print what was stopped as JSON")
    .action(async (options: { dir?: string; json?: boolean }) => {
      const dir = projectDirFor(options.dir);
      const stopped = await down(dir);
      if (options.json) return printJson({ dir, stopped });
      if (stopped.length === 0) {
        process.stdout.write(`nothing running for ${dir}\n`);
        return;
      }
      for (const s of stopped) process.stdout.write(`${style.green("stopped")} ${s.what}: ${s.detail}\n`);
    });
}
