import { abandon, rollback } from "./abandon.js";
import { awaitingApproval } from "./approval.js";
import { enterStepping, stepping } from "./canary.js";
import { analysisWindowOf } from "./defaults.js";
import { human, secs } from "./format.js";
import { evaluateTriggers } from "./triggers.js";
import { isTransition, type Action, type Observations, type Rollout, type Transition } from "./types.js";

export { abandon };

/**
 * The rollout state machine: given a rollout, what the world looks like and the time, the ONE next
 * thing to do. Pure: the controller commits the returned transition with its event, then performs
 * the side effect its kind names (blue-green: start candidate → wait ready → smoke → switch →
 * analyse → keep the old revision warm → drain → stop; canary: the same, with its steps in place of
 * the switch and analysis — src/core/rollout/canary.ts).
 */
export function nextAction(rollout: Rollout, obs: Observations, now: number): Action {
  const action = decide(rollout, obs, now);
  // Moving forward on a switch the proxy never took would promote a revision nobody was served by;
  // a rollback still goes ahead (it only asks for the table the proxy is meant to hold anyway).
  if (obs.trafficUnacknowledged && isTransition(action) && movesForward(rollout, action)) {
    return { kind: "wait", reason: "waiting for the proxy to acknowledge the route table" };
  }
  return action;
}

/** Promoting or raising a canary's weight, out of a phase whose traffic the proxy must hold first. */
function movesForward(rollout: Rollout, action: Transition): boolean {
  const judged = rollout.phase === "analysing" || rollout.phase === "stepping" || rollout.phase === "paused";
  const forward =
    action.kind === "scale-down" ||
    action.kind === "done" ||
    action.kind === "promote" ||
    action.kind === "set-weight" ||
    action.kind === "advance";
  return judged && forward;
}

function decide(rollout: Rollout, obs: Observations, now: number): Action {
  const s = rollout.settings;
  const inPhase = now - rollout.phaseSince;
  switch (rollout.phase) {
    case "awaiting-approval":
      return awaitingApproval(rollout, now);
    case "pending":
      return {
        kind: "start-candidate",
        patch: { phase: "starting", phaseSince: now },
        traffic: { kind: "add-preview", revision: rollout.candidate.id },
        event: { type: "rollout.candidate-started", message: `starting ${rollout.candidate.id}` },
      };
    case "starting": {
      const c = obs.candidate;
      if (c.desired > 0 && c.ready >= c.desired) {
        return s.smokeCommand ? startSmoke(rollout, now) : afterReady(rollout, obs, now);
      }
      if (c.restarts >= s.triggers.startCrashes) {
        return rollback(
          rollout,
          `candidate crashed on start (${c.restarts} restarts${c.lastError ? `, last: ${c.lastError}` : ""})`,
          now,
        );
      }
      if (inPhase >= s.readyTimeoutMs) {
        return rollback(
          rollout,
          `candidate not ready within ${secs(s.readyTimeoutMs)} (${c.ready}/${c.desired} instances ready)`,
          now,
        );
      }
      return { kind: "wait-ready", reason: `${c.ready}/${c.desired} instances ready` };
    }
    case "smoke": {
      const smoke = obs.smoke;
      if (smoke?.status === "passed") return afterReady(rollout, obs, now);
      if (smoke?.status === "failed") return rollback(rollout, `smoke command failed: ${smoke.detail}`, now);
      if (inPhase >= s.smokeTimeoutMs) {
        return rollback(rollout, `smoke command did not finish within ${secs(s.smokeTimeoutMs)}`, now);
      }
      return { kind: "wait", reason: "smoke command running" };
    }
    case "analysing": {
      const switchedAt = rollout.switchedAt ?? rollout.phaseSince;
      const trip = evaluateTriggers({
        settings: s.triggers,
        now,
        switchedAt,
        health: obs.candidate,
        restartsAtSwitch: rollout.restartsAtSwitch ?? 0,
        candidate: obs.candidateSamples,
        stable: obs.stableSamples,
      });
      if (trip) return rollback(rollout, trip.reason, now);
      const windowMs = analysisWindowOf(rollout);
      if (now - switchedAt >= windowMs) return promote(rollout, now);
      return { kind: "analyse", reason: `analysis ${secs(now - switchedAt)}/${secs(windowMs)}` };
    }
    case "stepping":
    case "paused":
      return stepping(rollout, obs, now);
    case "warm":
      if (inPhase >= s.scaleDownDelayMs) return drain(rollout, now);
      return { kind: "wait", reason: `${rollout.retire?.id ?? "previous"} warm for rollback` };
    case "draining": {
      const inflight = obs.retiring?.inflight ?? 0;
      if (inflight === 0 || inPhase >= s.drainTimeoutMs) {
        return {
          kind: "stop",
          patch: { phase: "stopping", phaseSince: now },
          event: {
            type: "rollout.stopping",
            message: `stopping ${rollout.retire?.id ?? "?"}${inflight > 0 ? ` (${inflight} requests cut at the drain timeout)` : ""}`,
          },
        };
      }
      return { kind: "wait", reason: `draining ${rollout.retire?.id ?? "?"}: ${inflight} in flight` };
    }
    case "stopping": {
      if ((obs.retiring?.instances ?? 0) === 0) {
        const outcome = rollout.outcome ?? "failed";
        return {
          kind: "done",
          patch: { phase: outcome, phaseSince: now },
          event: { type: "rollout.finished", message: `rollout ${outcome}` },
        };
      }
      return { kind: "wait", reason: `stopping ${rollout.retire?.id ?? "?"}` };
    }
    case "promoted":
    case "rolled-back":
    case "superseded":
    case "failed":
      return { kind: "wait", reason: `finished: ${rollout.phase}` };
    default: {
      const unreachable: never = rollout.phase;
      return unreachable;
    }
  }
}

function startSmoke(rollout: Rollout, now: number): Transition {
  return {
    kind: "run-smoke",
    patch: { phase: "smoke", phaseSince: now },
    event: { type: "rollout.smoke-started", message: `smoke command on ${rollout.candidate.id}` },
  };
}

/**
 * A ready (and smoke-tested) candidate: blue-green switches; a canary starts its steps. A canary
 * without a stable revision (first deploy) has nothing to share traffic with, so it switches too.
 */
function afterReady(rollout: Rollout, obs: Observations, now: number): Transition {
  return rollout.strategy === "canary" && rollout.stable && rollout.canary
    ? enterStepping(rollout, obs, now)
    : switchTraffic(rollout, obs, now);
}

function switchTraffic(rollout: Rollout, obs: Observations, now: number): Transition {
  return {
    kind: "switch-traffic",
    patch: { phase: "analysing", phaseSince: now, switchedAt: now, restartsAtSwitch: obs.candidate.restarts },
    traffic: { kind: "switch", to: rollout.candidate.id },
    event: {
      type: "rollout.switched",
      message: rollout.stable
        ? `traffic switched to ${rollout.candidate.id} from ${rollout.stable.id}`
        : `traffic switched to ${rollout.candidate.id}; first deploy: no stable revision to compare with, ` +
          `so comparisons with stable are skipped and the analysis lasts ${secs(analysisWindowOf(rollout))} at most`,
    },
  };
}

/** Analysis passed: the candidate is the environment's revision; the old one stays warm a while. */
export function promote(rollout: Rollout, now: number): Transition {
  const message = `promoted ${rollout.candidate.id}`;
  if (!rollout.stable) {
    const watched = rollout.settings.watch?.windowMs ?? 0;
    const after = `first deploy, analysed ${secs(analysisWindowOf(rollout))}${watched > 0 ? `; watched for ${human(watched)}` : ""}`;
    return {
      kind: "done",
      patch: { phase: "promoted", phaseSince: now, outcome: "promoted" },
      event: { type: "rollout.promoted", message: `${message} (${after})` },
    };
  }
  return {
    kind: "scale-down",
    patch: { phase: "warm", phaseSince: now, outcome: "promoted", retire: rollout.stable },
    event: { type: "rollout.promoted", message: `${message}; ${rollout.stable.id} stays warm` },
  };
}

function drain(rollout: Rollout, now: number): Transition {
  const retire = rollout.retire ?? rollout.stable;
  return {
    kind: "drain",
    patch: { phase: "draining", phaseSince: now },
    ...(retire ? { traffic: { kind: "remove" as const, revision: retire.id } } : {}),
    event: { type: "rollout.draining", message: `draining ${retire?.id ?? "?"}` },
  };
}
