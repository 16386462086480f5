import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { killProjectProcesses } from "./processes.js";

const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");

/** A real `slipway up` of a test project, on ports the system picks. */
export interface RunningUp {
  apiUrl: string;
  /** Stops the server, the detached proxy and every instance, then removes the project folder. */
  stop(): Promise<void>;
}

/** Starts `slipway up --dir DIR` and resolves once it printed its API address and admin token. */
export async function startUp(dir: string, timeoutMs = 30_000): Promise<RunningUp> {
  const up = spawn(process.execPath, [BIN, "up", "--dir", dir, "--port", "0", "--proxy-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" },
  });
  let out = "";
  up.stdout.on("data", (d: Buffer) => (out += d.toString()));
  up.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    up.kill("SIGTERM");
    await new Promise((ok) => (up.exitCode !== null ? ok(undefined) : up.once("exit", ok)));
    killProjectProcesses(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !/token\s+\S+admin-token/.test(out) && up.exitCode === null)
    await sleep(50);
  const apiUrl = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
  if (!apiUrl) {
    await stop();
    throw new Error(`slipway up did not start: ${out}`);
  }
  return { apiUrl, stop };
}
