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
import { advance, promoteCanary } from "./canary.js";
import { promote } from "./next-action.js";
import { isDeciding, type AnalysisRecord, type Rollout, type Transition } from "./types.js";

/** A manual action's decision: the transition to commit, or why it is refused (SLIPWAY_CONFLICT). */
export type ManualDecision = { ok: true; transition: Transition } | { ok: false; message: string };

const by = (actor: string, reason?: string) => `by ${actor}${reason ? `: ${reason}` : ""}`;

/**
 * `slipway promote`: a paused canary resumes (past its manual pause or inconclusive analysis
 * step; a pause by the background analysis restarts that analysis); a stepping canary skips its
 * current step; `full` sends all traffic to the candidate now, skipping the remaining steps and
 * analysis. A blue-green rollout in its analysis window is promoted now.
 */
export function promoteDecision(
  rollout: Rollout,
  opts: { actor: string; full?: boolean; reason?: string },
  now: number,
): ManualDecision {
  const who = by(opts.actor, opts.reason);
  if (
    rollout.strategy === "canary" &&
    rollout.canary &&
    (rollout.phase === "stepping" || rollout.phase === "paused")
  ) {
    const c = rollout.canary;
    if (opts.full) return { ok: true, transition: promoteCanary(rollout, now, `in full ${who}`) };
    const current = `step ${Math.min(c.stepIndex + 1, c.steps.length)}/${c.steps.length}`;
    if (rollout.phase === "paused") {
      const stepPause = stepRecord(rollout, c.stepIndex, c.stepSince)?.outcome?.decision === "pause";
      // A background run that ended inconclusive (or is about to) would pause the rollout again at
      // once: the person promoting has read its verdict, so it starts afresh and the rollout moves on.
      const restart = backgroundToRestart(rollout, now);
      if (c.paused?.by === "analysis" && !stepPause) {
        // Paused by the background analysis: stay on this step (it is applied next) and measure afresh.
        const restarted = startAnalysis(rollout, rollout.settings.metrics ?? [], now);
        const { paused: _, ...rest } = c;
        return {
          ok: true,
          transition: {
            kind: "resume",
            patch: {
              phase: "stepping",
              phaseSince: now,
              canary: rest,
              analysis: [...(restart ?? rollout.analysis ?? []), restarted],
            },
            event: {
              type: "rollout.resumed",
              message: `${current} resumed ${who}; background analysis restarted`,
            },
          },
        };
      }
      const t = advance(
        rollout,
        now,
        `${current} resumed ${who}${restart ? "; background analysis restarted" : ""}`,
        restart
          ? {
              analysis: [
                ...restart,
                startAnalysis({ ...rollout, analysis: restart }, rollout.settings.metrics ?? [], now),
              ],
            }
          : {},
      );
      return {
        ok: true,
        transition: { ...t, kind: "resume", event: { type: "rollout.resumed", message: t.event.message } },
      };
    }
    if (c.stepIndex >= c.steps.length) return { ok: true, transition: promoteCanary(rollout, now, who) };
    const analysis = closeAnalysis(rollout, `skipped ${who}`, now, (r) => r.step === c.stepIndex);
    return {
      ok: true,
      transition: advance(rollout, now, `${current} skipped ${who}`, analysis ? { analysis } : {}),
    };
  }
  if (rollout.strategy === "blue-green" && rollout.phase === "analysing") {
    const t = promote(rollout, now);
    return {
      ok: true,
      transition: { ...t, event: { ...t.event, message: `${t.event.message} (analysis skipped ${who})` } },
    };
  }
  return {
    ok: false,
    message: `rollout ${rollout.id} is ${rollout.phase}: nothing to promote (a canary can be promoted while it steps or is paused, a blue-green rollout during its analysis)`,
  };
}

/**
 * The rollout's analysis records with the background run closed, when that run has ended (or would
 * end) in a pause; undefined when the background analysis is fine or absent.
 */
function backgroundToRestart(rollout: Rollout, now: number): AnalysisRecord[] | undefined {
  const background = backgroundRecord(rollout);
  if (!background || (rollout.settings.metrics ?? []).length === 0) return undefined;
  if (background.finishedAt !== undefined) {
    return background.outcome?.decision === "pause" ? rollout.analysis : undefined;
  }
  const outcome = recordOutcome(rollout, background);
  if (outcome.decision !== "pause") return undefined;
  return replaceRecord(rollout.analysis, finishRecord(background, outcome, now));
}

/** `slipway abort`: an undecided rollout goes back to its stable revision at once. */
export function abortDecision(
  rollout: Rollout,
  opts: { actor: string; reason: string },
  now: number,
): ManualDecision {
  if (!isDeciding(rollout.phase)) {
    const hint = rollout.phase === "warm" ? "; use `slipway rollback` to switch back while it is warm" : "";
    return { ok: false, message: `rollout ${rollout.id} is ${rollout.phase}: nothing to abort${hint}` };
  }
  return { ok: true, transition: rollback(rollout, `aborted by ${opts.actor}: ${opts.reason}`, now) };
}
