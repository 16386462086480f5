import { ANALYSIS_DEFAULTS } from "../analysis/defaults.js";
import { definitionsFor, stepRecord } from "./analysis-records.js";
import { analysisWindowOf } from "./defaults.js";
import type { AnalysisRecord, CanaryState, Rollout } from "./types.js";

/**
 * Where a rollout is, for people: the current step, what it waits for and how long at most
 * ("analysis 2/3: 41 of 50 requests, up to 4 m 10 s left"). Pure: from the rollout, what is known
 * of its candidate's instances, and now. `slipway status`, `deploy --wait` and the API's status and
 * rollout views all show this one text.
 */
export interface RolloutProgress {
  /** 1-based canary step, when the rollout is on one. */
  step: number | null;
  /** Number of canary steps. */
  of: number | null;
  /** What it does now: "readiness", "analysis", "pause", "approval", "promoted", … */
  doing: string;
  /** What it waits for, in words ("41 of 50 requests"); null when only time passes. */
  waitingFor: string | null;
  /** Time left until the step ends at the latest; null when no bound (a person must act). */
  remainingMs: number | null;
  /** Epoch ms of that bound. */
  deadline: number | null;
  /** The one line: "analysis 2/3: 41 of 50 requests, up to 4 m 10 s left". */
  text: string;
}

/** What the caller saw of the candidate's instances (readiness), if anything. */
export interface ProgressObservations {
  candidate?: { ready: number; desired: number };
}

/** "4 m 10 s", "55 m", "20 s", "1 h 5 m": a time left, rounded up to the second. */
export function durationWords(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} m` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} m ${s} s` : `${m} m`;
  return `${s} s`;
}

const OUTCOME_WORDS: Record<string, string> = {
  promoted: "promoted",
  "rolled-back": "rolled back",
  superseded: "superseded",
  failed: "failed",
};

interface Part {
  doing: string;
  step?: number;
  of?: number;
  waitingFor?: string;
  deadline?: number;
  /** The deadline is a bound ("up to … left"), not when it will happen ("… left"). */
  atMost?: boolean;
  /** A text other than the usual composition. */
  text?: (remaining: string | null) => string;
}

export function rolloutProgress(
  rollout: Rollout,
  now: number,
  obs: ProgressObservations = {},
): RolloutProgress {
  const part = describe(rollout, now, obs);
  const remainingMs = part.deadline === undefined ? null : Math.max(0, part.deadline - now);
  const remaining = remainingMs === null ? null : durationWords(remainingMs);
  const head = part.step !== undefined ? `${part.doing} ${part.step}/${part.of}` : part.doing;
  const left = remaining === null ? undefined : part.atMost ? `up to ${remaining} left` : `${remaining} left`;
  const details = [part.waitingFor, left].filter((d): d is string => d !== undefined);
  return {
    step: part.step ?? null,
    of: part.of ?? null,
    doing: part.doing,
    waitingFor: part.waitingFor ?? null,
    remainingMs,
    deadline: part.deadline ?? null,
    text: part.text ? part.text(remaining) : details.length ? `${head}: ${details.join(", ")}` : head,
  };
}

function describe(r: Rollout, now: number, obs: ProgressObservations): Part {
  const s = r.settings;
  const outcome = r.outcome ? OUTCOME_WORDS[r.outcome] : undefined;
  const retire = r.retire?.version ?? "the previous revision";
  switch (r.phase) {
    case "awaiting-approval": {
      const a = r.approval;
      if (!a) return { doing: "approval", waitingFor: "approval" };
      const who = a.approvers.length ? ` by ${a.approvers.join(" or ")}` : "";
      const votes = a.required > 1 ? `, ${a.votes.length} of ${a.required}` : "";
      return {
        doing: "approval",
        waitingFor: `approval${who}`,
        deadline: a.expiresAt,
        text: (left) => `waiting for approval${who}${votes} (expires in ${left})`,
      };
    }
    case "pending":
      return { doing: "starting" };
    case "starting": {
      const c = obs.candidate;
      return {
        doing: "readiness",
        waitingFor: c ? `${c.ready}/${c.desired} instances ready` : "instances to be ready",
        deadline: r.phaseSince + s.readyTimeoutMs,
        atMost: true,
      };
    }
    case "smoke":
      return { doing: "smoke test", deadline: r.phaseSince + s.smokeTimeoutMs, atMost: true };
    case "analysing":
      return {
        doing: "analysis",
        ...(r.stable ? {} : { waitingFor: "first deploy, nothing to compare with" }),
        deadline: (r.switchedAt ?? r.phaseSince) + analysisWindowOf(r),
      };
    case "stepping":
    case "paused":
      return r.canary ? canaryPart(r, r.canary, now) : { doing: r.phase };
    case "warm":
      return {
        doing: outcome ?? "decided",
        waitingFor: `${retire} kept warm for an instant rollback`,
        deadline: r.phaseSince + s.scaleDownDelayMs,
      };
    case "draining":
      return {
        doing: outcome ?? "decided",
        waitingFor: `draining ${retire}`,
        deadline: r.phaseSince + s.drainTimeoutMs,
        atMost: true,
      };
    case "stopping":
      return { doing: outcome ?? "decided", waitingFor: `stopping ${retire}` };
    case "promoted":
    case "rolled-back":
    case "superseded":
    case "failed": {
      const word = OUTCOME_WORDS[r.phase] as string;
      return { doing: word, text: () => (r.reason ? `${word}: ${r.reason}` : word) };
    }
    default: {
      const never: never = r.phase;
      return never;
    }
  }
}

function canaryPart(r: Rollout, c: CanaryState, now: number): Part {
  const of = c.steps.length;
  if (c.stepIndex >= of) return { doing: "promoting", waitingFor: `after ${of} step(s)` };
  const at = { step: c.stepIndex + 1, of };
  if (r.phase === "paused") {
    return {
      doing: "paused",
      ...at,
      waitingFor: `${c.paused?.reason ?? "until promoted"}; \`slipway promote\` to go on`,
    };
  }
  const step = c.steps[c.stepIndex];
  if (!step) return { doing: "stepping", ...at };
  switch (step.kind) {
    case "setWeight":
      return { doing: "weight", ...at, waitingFor: `moving to ${step.weight}%` };
    case "pause":
      return "manual" in step
        ? { doing: "pause", ...at, waitingFor: "`slipway promote`" }
        : { doing: "pause", ...at, deadline: c.stepSince + step.durationMs };
    case "analysis": {
      const record = stepRecord(r, c.stepIndex, c.stepSince);
      if (!record) return { doing: "analysis", ...at, waitingFor: "starting" };
      const deadline = recordDeadline(r, record, now);
      const waiting = recordWaitingFor(record);
      return {
        doing: "analysis",
        ...at,
        ...(waiting ? { waitingFor: waiting } : {}),
        ...(deadline !== undefined ? { deadline, atMost: true } : {}),
      };
    }
    default: {
      const never: never = step;
      return never;
    }
  }
}

/** What the first metric that waits for data still needs ("41 of 50 requests"), else measurements taken. */
function recordWaitingFor(record: AnalysisRecord): string | undefined {
  const live = record.metrics.filter((m) => !m.dryRun && m.state.phase === "running");
  for (const m of live) {
    const w = m.state.waitingSince !== undefined ? m.state.measurements.at(-1)?.waitingFor : undefined;
    if (w) return `${w.have} of ${w.needed} ${w.what}${w.side === "stable" ? " on stable" : ""}`;
  }
  if (live.length === 0) return undefined;
  const taken = live.reduce((n, m) => n + m.state.taken, 0);
  return `${taken} measurement(s) taken`;
}

/**
 * The latest time the run can end: each running metric's remaining measurements at its interval,
 * after a wait for data that lasts `maxWaitMs` at most. Undefined when a metric has no count.
 */
function recordDeadline(r: Rollout, record: AnalysisRecord, now: number): number | undefined {
  const defs = definitionsFor(r, record);
  let latest: number | undefined;
  for (const m of record.metrics) {
    if (m.dryRun || m.state.phase !== "running") continue;
    const run = defs.find((d) => d.name === m.name)?.run;
    if (!run) return undefined;
    const count = run.count ?? (run.intervalMs === undefined ? 1 : undefined);
    if (count === undefined) return undefined;
    const next = m.state.nextMeasurementAt ?? now;
    const waitEnds =
      m.state.waitingSince !== undefined
        ? m.state.waitingSince + (run.maxWaitMs ?? ANALYSIS_DEFAULTS.maxWaitMs)
        : next;
    const end = Math.max(next, waitEnds) + Math.max(0, count - m.state.taken - 1) * (run.intervalMs ?? 0);
    latest = latest === undefined ? end : Math.max(latest, end);
  }
  return latest;
}
