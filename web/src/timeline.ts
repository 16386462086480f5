import { duration } from "./format.js";
import type { CanaryStep, Rollout } from "./types.js";

export type StepState = "done" | "current" | "upcoming" | "failed";
export interface TimelineItem {
  label: string;
  state: StepState;
  note?: string;
}

const BLUE_GREEN = ["pending", "starting", "smoke", "analysing", "warm", "draining", "stopping"];
const FINAL = ["promoted", "rolled-back", "superseded", "failed"];

export function stepLabel(step: CanaryStep): string {
  switch (step.kind) {
    case "setWeight":
      return `set weight ${step.weight}%`;
    case "pause":
      return step.manual || step.durationMs === undefined
        ? "pause until promoted"
        : `pause ${duration(step.durationMs)}`;
    case "analysis":
      return `analysis${step.metrics?.length ? `: ${step.metrics.map((m) => m.name).join(", ")}` : ""}`;
    default:
      return JSON.stringify(step);
  }
}

/** Canary steps with the one in effect, or the blue-green phases with the current one. Pure. */
export function timelineOf(r: Rollout): TimelineItem[] {
  const final = FINAL.includes(r.phase);
  const bad = r.outcome !== undefined && r.outcome !== "promoted";
  if (r.strategy === "canary" && r.canary) {
    const { steps, stepIndex, paused, weight } = r.canary;
    const items: TimelineItem[] = steps.map((step, i) => {
      const state: StepState =
        i < stepIndex
          ? "done"
          : i === stepIndex
            ? final || bad
              ? bad
                ? "failed"
                : "done"
              : "current"
            : "upcoming";
      const item: TimelineItem = { label: stepLabel(step), state };
      // The step in effect may not be applied yet (paused just before it): say the weight it has.
      const pending =
        i === stepIndex && state === "current" && step.kind === "setWeight" && step.weight !== weight
          ? `not applied yet, weight stays ${weight}%`
          : undefined;
      if (i === stepIndex && paused) item.note = `${pending ? `${pending}; ` : ""}paused: ${paused.reason}`;
      else if (pending) item.note = pending;
      return item;
    });
    items.push({ label: r.outcome ?? "promote", state: final ? (bad ? "failed" : "done") : "upcoming" });
    return items;
  }
  const at = BLUE_GREEN.indexOf(r.phase);
  const items: TimelineItem[] = [];
  if (r.phase === "awaiting-approval" || r.approval) {
    items.push({ label: "approval", state: r.phase === "awaiting-approval" ? "current" : "done" });
  }
  for (const [i, phase] of BLUE_GREEN.entries()) {
    // No smoke command configured: the rollout never enters that phase.
    if (phase === "smoke" && !r.settings?.smokeCommand && r.phase !== "smoke") continue;
    items.push({
      label: phase,
      state: final ? "done" : at < 0 ? "upcoming" : i < at ? "done" : i === at ? "current" : "upcoming",
    });
  }
  items.push({ label: r.outcome ?? "promoted", state: final ? (bad ? "failed" : "done") : "upcoming" });
  return items;
}
