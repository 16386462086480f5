import { duration } from "../format.js";
import type { CanaryStep, Rollout } from "../types.js";

type State = "done" | "current" | "upcoming" | "failed";
interface Item {
  label: string;
  state: State;
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
export function timelineOf(r: Rollout): Item[] {
  const final = FINAL.includes(r.phase);
  const bad = r.outcome !== undefined && r.outcome !== "promoted";
  if (r.strategy === "canary" && r.canary) {
    const { steps, stepIndex, paused } = r.canary;
    const items: Item[] = steps.map((step, i) => {
      const state: State =
        i < stepIndex
          ? "done"
          : i === stepIndex
            ? final || bad
              ? bad
                ? "failed"
                : "done"
              : "current"
            : "upcoming";
      const item: Item = { label: stepLabel(step), state };
      if (i === stepIndex && paused) item.note = `paused: ${paused.reason}`;
      return item;
    });
    items.push({ label: r.outcome ?? "promote", state: final ? (bad ? "failed" : "done") : "upcoming" });
    return items;
  }
  const at = BLUE_GREEN.indexOf(r.phase);
  const items: Item[] = [];
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

export function Timeline({ rollout }: { rollout: Rollout }) {
  const items = timelineOf(rollout);
  return (
    <ol class="timeline" aria-label={rollout.strategy === "canary" ? "canary steps" : "rollout phases"}>
      {items.map((item, i) => (
        <li key={i} class={item.state} aria-current={item.state === "current" ? "step" : undefined}>
          <span class="marker" aria-hidden="true" />
          <span class="label">{item.label}</span>
          <span class="sr-only"> ({item.state})</span>
          {item.note && <span class="note">{item.note}</span>}
        </li>
      ))}
    </ol>
  );
}
