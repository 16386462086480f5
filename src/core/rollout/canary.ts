import { ANALYSIS_DEFAULTS } from "../analysis/defaults.js";
import { rollback } from "./abandon.js";
import {
  backgroundRecord,
  closeAnalysis,
  finishRecord,
  recordOutcome,
  replaceRecord,
  startAnalysis,
  stepRecord,
} from "./analysis-records.js";
import { describeStep, secs } from "./format.js";
import { evaluateTriggers } from "./triggers.js";
import type { Action, CanaryState, CanaryStep, Observations, Rollout, Transition } from "./types.js";

/**
 * The canary part of the state machine (Argo Rollouts' step semantics). A ready candidate enters
 * `stepping` at weight 0; each step in turn:
 * - `setWeight N`: the candidate gets N % of the traffic, the stable revision the rest; done at once;
 * - `pause` with a duration: wait that long; `pause: manual`: phase `paused` until promoted;
 * - `analysis`: start a run of its metrics and wait for its outcome: continue → next step,
 *   inconclusive → `paused` for a human, failed/error → roll back with the run's explanation.
 * The background analysis (settings.metrics) runs from the first weight above 0 until the end; a
 * failed or errored metric rolls back at once. The rollback triggers apply throughout. After the
 * last step all traffic goes to the candidate and the stable revision stays warm (blue-green's tail).
 */

const total = (c: CanaryState) => c.steps.length;
const stepName = (c: CanaryState, i = c.stepIndex) => `step ${i + 1}/${total(c)}`;

/** Ready candidate, stable revision present: begin the steps at weight 0. */
export function enterStepping(rollout: Rollout, obs: Observations, now: number): Transition {
  const c = rollout.canary as CanaryState;
  return {
    kind: "advance",
    patch: {
      phase: "stepping",
      phaseSince: now,
      restartsAtSwitch: obs.candidate.restarts,
      canary: { ...c, stepIndex: 0, weight: 0, stepSince: now },
    },
    event: {
      type: "rollout.step",
      message: `${rollout.candidate.id} ready: ${total(c)} canary step(s) (${c.steps.map(describeStep).join(", ") || "none"})`,
    },
  };
}

/** Phases `stepping` and `paused`. */
export function stepping(rollout: Rollout, obs: Observations, now: number): Action {
  const c = rollout.canary;
  if (!c) return rollback(rollout, "canary rollout without canary state (corrupt document)", now);
  const trip = evaluateTriggers({
    settings: rollout.settings.triggers,
    now,
    // Before any traffic reaches the canary only its health can trip.
    switchedAt: rollout.switchedAt ?? now,
    health: obs.candidate,
    restartsAtSwitch: rollout.restartsAtSwitch ?? 0,
    candidate: obs.candidateSamples,
    stable: obs.stableSamples,
    // The canary is compared with stable serving alongside it, and only once warm (as in its analysis).
    concurrentBaseline: true,
    ...(rollout.switchedAt !== undefined && {
      comparedFrom: rollout.switchedAt + (rollout.settings.analysisWarmUpMs ?? ANALYSIS_DEFAULTS.warmUpMs),
    }),
  });
  if (trip) return rollback(rollout, trip.reason, now);

  const background = backgroundRecord(rollout);
  if (background && background.finishedAt === undefined) {
    const outcome = recordOutcome(rollout, background);
    if (outcome.decision === "abort") return rollback(rollout, outcome.explanation, now);
    if (outcome.decision === "pause" && rollout.phase === "stepping") {
      return pause(rollout, now, "analysis", `background analysis inconclusive: ${outcome.explanation}`, {
        analysis: replaceRecord(rollout.analysis, finishRecord(background, outcome, now)),
      });
    }
    if (outcome.decision === "pause") {
      // Already paused (a manual pause step): the run has ended all the same, so record its outcome
      // rather than show it "running" forever; promote starts a fresh background run.
      return {
        kind: "analysis",
        patch: {
          phase: rollout.phase,
          phaseSince: rollout.phaseSince,
          analysis: replaceRecord(rollout.analysis, finishRecord(background, outcome, now)),
        },
        event: {
          type: "rollout.analysis-finished",
          message: `background analysis inconclusive while paused: ${outcome.explanation}`,
        },
      };
    }
    // Every run over (count reached): record the outcome. Dry runs still measuring keep it open.
    if (outcome.decision === "continue" && background.metrics.every((m) => m.state.phase !== "running")) {
      return {
        kind: "analysis",
        patch: {
          phase: rollout.phase,
          phaseSince: now,
          analysis: replaceRecord(rollout.analysis, finishRecord(background, outcome, now)),
        },
        event: {
          type: "rollout.analysis-finished",
          message: `background analysis finished: ${outcome.explanation}`,
        },
      };
    }
  }
  const metrics = rollout.settings.metrics ?? [];
  if (!background && c.weight > 0 && metrics.length > 0) {
    const record = startAnalysis(rollout, metrics, now);
    return {
      kind: "analysis",
      patch: {
        phase: rollout.phase,
        phaseSince: now,
        analysis: [...(rollout.analysis ?? []), record],
      },
      event: {
        type: "rollout.analysis-started",
        message: `background analysis started (${metrics.map((m) => m.name).join(", ")})`,
      },
    };
  }

  if (rollout.phase === "paused") {
    return { kind: "wait", reason: `paused: ${c.paused?.reason ?? "until promoted"}` };
  }
  if (c.stepIndex >= total(c)) return promoteCanary(rollout, now, `after ${total(c)} step(s)`);
  const step = c.steps[c.stepIndex] as CanaryStep;
  switch (step.kind) {
    case "setWeight":
      return setWeight(rollout, step.weight, now);
    case "pause": {
      if ("manual" in step) return pause(rollout, now, "step", `${stepName(c)}: paused until promoted`);
      const waited = now - c.stepSince;
      if (waited >= step.durationMs) {
        return advance(rollout, now, `${stepName(c)}: pause of ${secs(step.durationMs)} over`);
      }
      return { kind: "wait", reason: `${stepName(c)}: pause ${secs(waited)}/${secs(step.durationMs)}` };
    }
    case "analysis": {
      const record = stepRecord(rollout, c.stepIndex, c.stepSince);
      if (!record) {
        const started = startAnalysis(rollout, step.metrics, now, c.stepIndex);
        return {
          kind: "analysis",
          patch: {
            phase: "stepping",
            phaseSince: now,
            analysis: [...(rollout.analysis ?? []), started],
          },
          event: {
            type: "rollout.analysis-started",
            message: `${stepName(c)}: analysis started (${step.metrics.map((m) => m.name).join(", ") || "no metrics"})`,
          },
        };
      }
      const outcome = recordOutcome(rollout, record);
      const finished = () => replaceRecord(rollout.analysis, finishRecord(record, outcome, now));
      switch (outcome.decision) {
        case "wait":
          return { kind: "analyse", reason: `${stepName(c)}: analysis running (${outcome.explanation})` };
        case "continue":
          return advance(rollout, now, `${stepName(c)}: analysis passed: ${outcome.explanation}`, {
            analysis: finished(),
          });
        case "pause":
          return pause(
            rollout,
            now,
            "analysis",
            `${stepName(c)}: analysis inconclusive: ${outcome.explanation}`,
            {
              analysis: finished(),
            },
          );
        case "abort":
          // The failed run keeps its verdict when abandon() closes the records.
          return rollback(rollout, outcome.explanation, now);
        default: {
          const never: never = outcome.decision;
          return never;
        }
      }
    }
    default: {
      const never: never = step;
      return never;
    }
  }
}

function setWeight(rollout: Rollout, weight: number, now: number): Transition {
  const c = rollout.canary as CanaryState;
  const stable = rollout.stable as { id: string };
  const firstTraffic = rollout.switchedAt === undefined && weight > 0;
  return {
    kind: "set-weight",
    patch: {
      phase: "stepping",
      phaseSince: now,
      canary: { ...c, weight, stepIndex: c.stepIndex + 1, stepSince: now },
      ...(firstTraffic ? { switchedAt: now } : {}),
    },
    traffic: { kind: "set-weight", canary: rollout.candidate.id, stable: stable.id, weight },
    event: {
      type: "rollout.weight",
      message: `${stepName(c)}: canary ${rollout.candidate.id} at ${weight}%, stable ${stable.id} at ${100 - weight}%`,
    },
  };
}

/** Go on to the next step. */
export function advance(
  rollout: Rollout,
  now: number,
  message: string,
  extra: Partial<Rollout> = {},
): Transition {
  const c = rollout.canary as CanaryState;
  const { paused: _, ...rest } = c;
  return {
    kind: "advance",
    patch: {
      phase: "stepping",
      phaseSince: now,
      canary: { ...rest, stepIndex: c.stepIndex + 1, stepSince: now },
      ...extra,
    },
    event: { type: "rollout.step", message },
  };
}

function pause(
  rollout: Rollout,
  now: number,
  by: "step" | "analysis",
  reason: string,
  extra: Partial<Rollout> = {},
): Transition {
  const c = rollout.canary as CanaryState;
  return {
    kind: "pause",
    patch: {
      phase: "paused",
      phaseSince: now,
      canary: { ...c, paused: { since: now, reason, by } },
      ...extra,
    },
    event: {
      type: "rollout.paused",
      message: `${reason}; \`slipway promote\` to go on, \`slipway abort\` to roll back`,
    },
  };
}

/**
 * All traffic to the candidate now: the stable revision stays warm for scaleDownDelay (then it is
 * drained and stopped, as after a blue-green promotion). Running analyses end.
 */
export function promoteCanary(rollout: Rollout, now: number, why: string): Transition {
  const c = rollout.canary;
  const analysis = closeAnalysis(rollout, "promoted", now);
  const { paused: _, ...rest } = c ?? { steps: [], stepIndex: 0, weight: 0, stepSince: now };
  const patch = {
    phaseSince: now,
    outcome: "promoted" as const,
    ...(c ? { canary: { ...rest, weight: 100, stepIndex: c.steps.length, stepSince: now } } : {}),
    ...(analysis ? { analysis } : {}),
  };
  const message = `promoted ${rollout.candidate.id} ${why}`;
  if (!rollout.stable) {
    return {
      kind: "promote",
      patch: { ...patch, phase: "promoted" },
      traffic: { kind: "switch", to: rollout.candidate.id },
      event: { type: "rollout.promoted", message },
    };
  }
  return {
    kind: "promote",
    patch: { ...patch, phase: "warm", retire: rollout.stable },
    traffic: { kind: "switch", to: rollout.candidate.id },
    event: { type: "rollout.promoted", message: `${message}; ${rollout.stable.id} stays warm` },
  };
}
