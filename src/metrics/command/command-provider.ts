import { spawn } from "node:child_process";
import { ANALYSIS_DEFAULTS } from "../../core/analysis/defaults.js";
import type { MetricSample } from "../../core/analysis/sample.js";
import { MetricQueryError, type MetricProvider, type MetricWindow, type TemplateVars } from "../provider.js";
import { escapeShell, renderTemplate } from "../template.js";

export interface CommandSpec {
  provider: "command";
  /** Shell command line; {{placeholders}} are shell-quoted, and vars are exported as SLIPWAY_<NAME>. */
  command: string;
  vars: TemplateVars;
  cwd?: string;
  env?: Record<string, string>;
  /**
   * Regular expression whose first group is the measured number (e.g. "p95=(\\d+\\.?\\d*)ms").
   * Without it, the last number printed on stdout is taken.
   */
  valuePattern?: string;
  timeoutMs?: number;
}

const MAX_OUTPUT = 1024 * 1024;
const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;

/** The number a command's output reports: the pattern's first group, or the last number printed. */
export function parseNumberFromOutput(output: string, pattern?: string): number | undefined {
  if (pattern !== undefined) {
    const match = new RegExp(pattern, "m").exec(output);
    const group = match?.[1];
    if (group === undefined) return undefined;
    const n = Number(group);
    return Number.isNaN(n) ? undefined : n;
  }
  const all = output.match(NUMBER);
  const last = all?.at(-1);
  return last === undefined ? undefined : Number(last);
}

/**
 * Command provider (a smoke or load test): run it in its own process group, with a deadline; the
 * exit code and a number parsed from its output are the measurement. A timeout kills the group
 * and is an error, since the test said nothing.
 */
export class CommandProvider implements MetricProvider<CommandSpec> {
  constructor(private readonly now: () => number = Date.now) {}

  async query(spec: CommandSpec, window: MetricWindow): Promise<MetricSample> {
    if (spec.valuePattern !== undefined) {
      try {
        new RegExp(spec.valuePattern);
      } catch (error) {
        throw new MetricQueryError(
          "bad-spec",
          `valuePattern is not a valid regular expression: ${(error as Error).message}`,
        );
      }
    }
    const command = renderTemplate(spec.command, spec.vars, escapeShell);
    const timeoutMs = spec.timeoutMs ?? ANALYSIS_DEFAULTS.providerTimeoutMs;
    const exported = Object.fromEntries(
      Object.entries(spec.vars).map(([k, v]) => [`SLIPWAY_${k.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`, v]),
    );
    const { code, stdout, timedOut, spawnError } = await run(command, {
      cwd: spec.cwd,
      env: { ...process.env, ...exported, ...spec.env },
      timeoutMs,
    });
    const shown = `command \`${spec.command}\``;
    if (spawnError) throw new MetricQueryError("unreachable", `${shown} could not start: ${spawnError}`);
    if (timedOut)
      throw new MetricQueryError("timeout", `${shown} did not finish within ${timeoutMs} ms (killed)`);
    const value = parseNumberFromOutput(stdout, spec.valuePattern);
    return {
      values: value === undefined ? [] : [value],
      series: [],
      window: { startMs: window.startMs, endMs: this.now() },
      exitCode: code,
      source: shown,
    };
  }
}

function run(
  command: string,
  options: { cwd: string | undefined; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number; stdout: string; timedOut: boolean; spawnError?: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: "/bin/sh",
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString("utf8");
    });
    child.stderr.resume();
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, timedOut: false, spawnError: error.message });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, timedOut });
    });
  });
}
