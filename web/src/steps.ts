import type { RunJob, RunLogLine } from "./types.js";

/** One collapsible section of a job's log: a step with its lines, or the job's set-up or end. */
export interface StepSection {
  name: string;
  /** running, completed, or pending (lines whose step the job has not reported, e.g. Set up job). */
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  durationMs: number | null;
  lines: RunLogLine[];
  /** Shown open: the step failed or is running, or (no step) it logged an error. */
  open: boolean;
}

const FAILED = new Set(["failure", "cancelled", "timed_out"]);

/**
 * A job's log cut into sections, one per step in the job's order, as GitHub's run page shows it.
 * Lines name their step; when two steps share a name, a line goes to the last of them that had
 * started when it was written (lines carry their time), else to the next one not yet passed.
 * Lines of no step (Set up job, Complete job) make sections of their own where they fall. Pure.
 */
export function stepSections(
  job: Pick<RunJob, "steps" | "status">,
  lines: readonly RunLogLine[],
): StepSection[] {
  const steps: StepSection[] = (job.steps ?? []).map((step) => ({
    name: step.name,
    status: step.status,
    conclusion: step.conclusion,
    startedAt: step.startedAt,
    durationMs: step.durationMs,
    lines: [],
    open: false,
  }));
  // Sections in order: the steps, with sections of lines of no step slotted in where they fall.
  const before = new Map<number, StepSection[]>();
  const extras = (at: number): StepSection[] => {
    let list = before.get(at);
    if (!list) before.set(at, (list = []));
    return list;
  };
  let cursor = 0;
  for (const line of lines) {
    if (line.level === "summary" || line.level === "endgroup") continue;
    const time = line.at === undefined ? NaN : Date.parse(line.at);
    let chosen = -1;
    for (let i = cursor; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.name !== line.step) continue;
      if (chosen < 0) chosen = i;
      else if (!Number.isNaN(time) && step.startedAt !== null && Date.parse(step.startedAt) <= time)
        chosen = i;
      else break;
    }
    if (chosen >= 0) {
      cursor = chosen;
      steps[chosen]!.lines.push(line);
      continue;
    }
    // Where it falls: after the steps that had started before it was written (or, without times,
    // after the step that logged last).
    let slot = (steps[cursor]?.lines.length ?? 0) > 0 ? cursor + 1 : cursor;
    if (!Number.isNaN(time)) {
      for (let i = cursor; i < steps.length; i++) {
        const startedAt = steps[i]!.startedAt;
        if (startedAt === null || Date.parse(startedAt) >= time) break;
        slot = i + 1;
      }
    }
    const list = extras(slot);
    let section = list.at(-1);
    if (section?.name !== line.step) {
      section = {
        name: line.step,
        status: "pending",
        conclusion: null,
        startedAt: line.at ?? null,
        durationMs: null,
        lines: [],
        open: false,
      };
      list.push(section);
    }
    section.lines.push(line);
  }
  const out: StepSection[] = [];
  for (let i = 0; i <= steps.length; i++) {
    out.push(...(before.get(i) ?? []));
    const step = steps[i];
    if (step) out.push(step);
  }
  for (const section of out) {
    section.open =
      section.status === "running" ||
      (section.conclusion !== null && FAILED.has(section.conclusion)) ||
      (section.status === "pending" && section.lines.some((line) => line.level === "error"));
  }
  return out;
}
