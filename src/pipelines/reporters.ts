import type { Conclusion } from "../core/workflow/status.js";
import type { JobResult, RunEvent, StepResult } from "../core/workflow/model.js";

/** Output sink: the CLI passes process.stdout/stderr writers; tests pass arrays. */
export interface Sink {
  out(text: string): void;
  err(text: string): void;
}

export interface Paint {
  bold: (text: string) => string;
  dim: (text: string) => string;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
  cyan: (text: string) => string;
}

const SYMBOL: Record<Conclusion, string> = { success: "✓", failure: "✗", cancelled: "⊘", skipped: "-" };

function colourFor(paint: Paint, conclusion: Conclusion): (text: string) => string {
  switch (conclusion) {
    case "success":
      return paint.green;
    case "failure":
      return paint.red;
    case "cancelled":
      return paint.yellow;
    case "skipped":
      return paint.dim;
    default: {
      const unreachable: never = conclusion;
      return unreachable;
    }
  }
}

/** Plain lines for logs and pipes: every output line prefixed by `[job] step |`. */
export function plainReporter(
  sink: Sink,
  paint: Paint,
  formatDuration: (ms: number) => string,
): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case "run-started":
        sink.out(`${paint.bold(`Run ${event.runId}`)} ${event.workflow} (${event.file}) on ${event.event}\n`);
        break;
      case "job-started":
        sink.out(`[${event.key}] ${paint.cyan("started")}\n`);
        break;
      case "step-started":
        sink.out(`[${event.key}] ${paint.bold(`▶ ${event.step}`)}\n`);
        break;
      case "log":
        if (event.line.level === "endgroup") break;
        sink.out(
          `[${event.key}] ${event.line.step} | ${event.line.level === "group" ? `▸ ${event.line.text}` : event.line.text}\n`,
        );
        break;
      case "step-finished":
        if (event.result.conclusion !== "skipped" || event.result.outcome !== "skipped") {
          sink.out(`[${event.key}] ${stepLine(paint, event.result, formatDuration)}\n`);
        }
        break;
      case "job-finished":
        sink.out(`[${event.key}] ${jobLine(paint, event.result, formatDuration)}\n`);
        break;
      case "warning":
        sink.err(`${paint.yellow("warning")}: ${event.message}\n`);
        break;
      case "run-finished": {
        const colour = colourFor(paint, event.result.conclusion);
        sink.out(
          `${colour(`${SYMBOL[event.result.conclusion]} ${event.result.workflow}: ${event.result.conclusion}`)} in ${formatDuration(event.result.durationMs)}\n`,
        );
        break;
      }
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  };
}

function stepLine(paint: Paint, step: StepResult, formatDuration: (ms: number) => string): string {
  const colour = colourFor(paint, step.conclusion);
  const outcome = step.outcome !== step.conclusion ? ` (outcome ${step.outcome})` : "";
  return (
    colour(`${SYMBOL[step.conclusion]} ${step.name}: ${step.conclusion}${outcome}`) +
    paint.dim(` ${formatDuration(step.durationMs)}`)
  );
}

function jobLine(paint: Paint, job: JobResult, formatDuration: (ms: number) => string): string {
  const colour = colourFor(paint, job.conclusion);
  const reason = job.reason ? ` — ${job.reason}` : "";
  return (
    colour(`${SYMBOL[job.conclusion]} job ${job.name}: ${job.conclusion}`) +
    paint.dim(` ${formatDuration(job.durationMs)}${reason}`)
  );
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

interface TreeJob {
  name: string;
  started: number;
  result?: JobResult;
  steps: { name: string; started: number; result?: StepResult }[];
  lastLine?: string;
}

/**
 * A live tree of jobs and steps, redrawn in place on a TTY: spinner for what runs, durations
 * for what finished; the last output line of each running job under it. Warnings and failed
 * steps' output are printed above the tree so they stay in the scrollback.
 */
export function treeReporter(
  sink: Sink,
  paint: Paint,
  formatDuration: (ms: number) => string,
  columns: () => number,
): { onEvent(event: RunEvent): void; stop(): void } {
  const jobs = new Map<string, TreeJob>();
  let header = "";
  let frame = 0;
  let drawnLines = 0;
  const failedOutput = new Map<string, string[]>();
  const erase = (): void => {
    if (drawnLines > 0) sink.out(`\u001b[${drawnLines}A\u001b[0J`);
    drawnLines = 0;
  };
  const draw = (): void => {
    erase();
    const width = Math.max(20, columns() - 1);
    const lines: string[] = [header];
    const now = Date.now();
    const spin = paint.cyan(SPINNER[frame % SPINNER.length] ?? "*");
    for (const job of jobs.values()) {
      const status = job.result
        ? colourFor(paint, job.result.conclusion)(SYMBOL[job.result.conclusion])
        : spin;
      const duration = formatDuration(job.result ? job.result.durationMs : now - job.started);
      lines.push(
        `${status} ${paint.bold(job.name)} ${paint.dim(duration)}${job.result?.reason ? paint.dim(` — ${job.result.reason}`) : ""}`,
      );
      if (job.result && job.result.conclusion === "success") continue;
      for (const step of job.steps) {
        const mark = step.result
          ? colourFor(paint, step.result.conclusion)(SYMBOL[step.result.conclusion])
          : spin;
        const took = step.result ? step.result.durationMs : now - step.started;
        lines.push(`    ${mark} ${step.name} ${paint.dim(formatDuration(took))}`);
      }
      if (!job.result && job.lastLine) lines.push(paint.dim(`      ${job.lastLine}`));
    }
    const text = lines.map((line) => truncate(line, width)).join("\n");
    sink.out(`${text}\n`);
    drawnLines = lines.length;
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, 100);
  timer.unref();
  const above = (text: string): void => {
    erase();
    sink.out(text);
    draw();
  };
  return {
    onEvent(event) {
      switch (event.type) {
        case "run-started":
          header = `${paint.bold(`Run ${event.runId}`)} ${event.workflow} ${paint.dim(`(${event.file}, ${event.event})`)}`;
          break;
        case "job-started":
          jobs.set(event.key, { name: event.name, started: Date.now(), steps: [] });
          break;
        case "step-started":
          jobs.get(event.key)?.steps.push({ name: event.step, started: Date.now() });
          failedOutput.set(`${event.key}\u0000${event.step}`, []);
          break;
        case "log": {
          const job = jobs.get(event.key);
          if (job && event.line.text.trim() !== "") job.lastLine = event.line.text;
          const buffer = failedOutput.get(`${event.key}\u0000${event.line.step}`);
          if (buffer && buffer.length < 200) buffer.push(event.line.text);
          break;
        }
        case "step-finished": {
          const job = jobs.get(event.key);
          const step = job?.steps.find((s) => s.name === event.step && !s.result);
          if (step) step.result = event.result;
          else if (job && event.result.conclusion === "skipped")
            job.steps.push({ name: event.step, started: Date.now(), result: event.result });
          const output = failedOutput.get(`${event.key}\u0000${event.step}`) ?? [];
          failedOutput.delete(`${event.key}\u0000${event.step}`);
          if (event.result.outcome === "failure" && output.length > 0) {
            above(
              `${paint.red(`[${event.key}] ${event.step} failed:`)}\n${output.map((l) => `  ${l}`).join("\n")}\n`,
            );
          }
          break;
        }
        case "job-finished": {
          const job = jobs.get(event.key) ?? { name: event.result.name, started: Date.now(), steps: [] };
          job.result = event.result;
          jobs.set(event.key, job);
          break;
        }
        case "warning":
          above(`${paint.yellow("warning")}: ${event.message}\n`);
          break;
        case "run-finished":
          draw();
          drawnLines = 0;
          sink.out(
            `${colourFor(paint, event.result.conclusion)(`${SYMBOL[event.result.conclusion]} ${event.result.conclusion}`)} in ${formatDuration(event.result.durationMs)}\n`,
          );
          return;
        default: {
          const unreachable: never = event;
          return unreachable;
        }
      }
      draw();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

function truncate(line: string, width: number): string {
  // Count visible characters only (colour codes take no room).
  let visible = 0;
  let result = "";
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (char === "\u001b") {
      const end = line.indexOf("m", i);
      result += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width) continue;
    result += char;
    visible++;
  }
  return result;
}
