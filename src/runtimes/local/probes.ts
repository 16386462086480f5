/**
 * One probe attempt against one instance: HTTP GET, TCP connect, or a shell command. Each attempt
 * is bounded by the probe's timeout and never throws: the outcome says why it failed, which ends up
 * in the instance's `lastError`.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import type { ProbeCheck } from "../port.js";

export type ProbeOutcome = { ok: true } | { ok: false; reason: string };

export interface ProbeTarget {
  host: string;
  port: number;
  /** For exec probes: the instance's working directory and environment. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Kubernetes' rule when no statuses are listed: any 2xx or 3xx is healthy. */
const isDefaultHealthy = (status: number): boolean => status >= 200 && status < 400;

export function runProbe(check: ProbeCheck, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  switch (check.kind) {
    case "http":
      return httpProbe(check.path, check.expectStatus, target, timeoutMs);
    case "tcp":
      return tcpProbe(target, timeoutMs);
    case "exec":
      return execProbe(check.command, target, timeoutMs);
    default: {
      const unreachable: never = check;
      return Promise.resolve({ ok: false, reason: `unknown probe ${JSON.stringify(unreachable)}` });
    }
  }
}

function httpProbe(
  path: string,
  expectStatus: number[] | undefined,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: target.host,
        port: target.port,
        path,
        agent: false,
        timeout: timeoutMs,
        headers: { "user-agent": "slipway-probe" },
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        const healthy =
          expectStatus && expectStatus.length > 0 ? expectStatus.includes(status) : isDefaultHealthy(status);
        resolve(healthy ? { ok: true } : { ok: false, reason: `GET ${path} answered ${status}` });
      },
    );
    request.on("timeout", () => {
      request.destroy();
      resolve({ ok: false, reason: `GET ${path} timed out after ${timeoutMs} ms` });
    });
    request.on("error", (error) => resolve({ ok: false, reason: `GET ${path} failed: ${error.message}` }));
  });
}

function tcpProbe(target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, reason: `TCP connect to ${target.port} timed out after ${timeoutMs} ms` });
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `TCP connect to ${target.port} failed: ${error.message}` });
    });
  });
}

function execProbe(command: string, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    // Own process group, so a timeout kills the command and anything it started.
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: target.cwd,
      env: target.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-300);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `probe command failed to start: ${error.message}` });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ ok: false, reason: `probe command timed out after ${timeoutMs} ms` });
      else if (code === 0) resolve({ ok: true });
      else {
        const tail = output.trim().split("\n").pop() ?? "";
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        resolve({ ok: false, reason: `probe command ${how}${tail ? `: ${tail}` : ""}` });
      }
    });
  });
}
