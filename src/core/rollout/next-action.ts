import { evaluateTriggers } from "./triggers.js";
import type { Action, Observations, Rollout, RolloutOutcome, Transition } from "./types.js";

const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;

/**
 * The rollout state machine: given a rollout, what the world looks like and the time, the ONE next
 * thing to do. Pure: the controller commits the returned transition with its event, then performs
 * the side effect its kind names (blue-green: start candidate → wait ready → smoke → switch →
 * analyse → keep the old revision warm → drain → stop).
 */
export function nextAction(rollout: Rollout, obs: Observations, now: number): Action {
  const s = rollout.settings;
  const inPhase = now - rollout.phaseSince;
  switch (rollout.phase) {
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
        return s.smokeCommand ? startSmoke(rollout, now) : switchTraffic(rollout, obs, now);
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
      if (smoke?.status === "passed") return switchTraffic(rollout, obs, now);
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
      if (now - switchedAt >= s.analysisWindowMs) return promote(rollout, now);
      return { kind: "analyse", reason: `analysis ${secs(now - switchedAt)}/${secs(s.analysisWindowMs)}` };
    }
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

function switchTraffic(rollout: Rollout, obs: Observations, now: number): Transition {
  return {
    kind: "switch-traffic",
    patch: { phase: "analysing", phaseSince: now, switchedAt: now, restartsAtSwitch: obs.candidate.restarts },
    traffic: { kind: "switch", to: rollout.candidate.id },
    event: {
      type: "rollout.switched",
      message: `traffic switched to ${rollout.candidate.id}${rollout.stable ? ` from ${rollout.stable.id}` : ""}`,
    },
  };
}

/** Analysis passed: the candidate is the environment's revision; the old one stays warm a while. */
function promote(rollout: Rollout, now: number): Transition {
  const message = `promoted ${rollout.candidate.id}`;
  if (!rollout.stable) {
    return {
      kind: "done",
      patch: { phase: "promoted", phaseSince: now, outcome: "promoted" },
      event: { type: "rollout.promoted", message },
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

/**
 * Ends a rollout that has not been decided (or is promoted but its previous revision still warm):
 * traffic goes back to the stable revision at once and the candidate is drained. With no stable
 * revision (first deploy) the candidate is just removed.
 */
export function abandon(
  rollout: Rollout,
  outcome: Exclude<RolloutOutcome, "promoted">,
  reason: string,
  now: number,
): Transition {
  // After promotion the warm revision is `retire`; before it, `stable`.
  const back = rollout.phase === "warm" ? rollout.retire : rollout.stable;
  const finalOutcome = back ? outcome : outcome === "superseded" ? "superseded" : "failed";
  const type = outcome === "superseded" ? "rollout.superseded" : back ? "rollout.rollback" : "rollout.failed";
  const verb = outcome === "superseded" ? "superseded" : back ? `rolled back to ${back.id}` : "failed";
  return {
    kind: "rollback",
    patch: {
      phase: "draining",
      phaseSince: now,
      outcome: finalOutcome,
      reason,
      retire: rollout.candidate,
    },
    traffic: back
      ? { kind: "switch", to: back.id, drop: rollout.candidate.id }
      : { kind: "remove", revision: rollout.candidate.id },
    event: { type, message: `${rollout.candidate.id} ${verb}: ${reason}` },
  };
}

const rollback = (rollout: Rollout, reason: string, now: number): Transition =>
  abandon(rollout, "rolled-back", reason, now);
