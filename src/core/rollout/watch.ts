import { WATCH_OFF } from "./defaults.js";
import { secs } from "./format.js";
import { evaluateTriggers, type Trip } from "./triggers.js";
import type { CandidateHealth, RevisionRef, Rollout, StatsSample, WatchSettings } from "./types.js";

/**
 * The watch over a live release: what the Store says about how the live revision got there. The
 * executor derives it afresh on every check, so a restarted control plane resumes the watch where
 * it was (the window runs from the promotion time the Store recorded).
 */
export interface WatchedRelease {
  /** The revision taking the environment's traffic. */
  live: RevisionRef;
  /** The environment's newest rollout. The watch only acts on it (never on an older promotion). */
  newest?: Rollout;
  /** When `newest` was promoted (its rollout.promoted event), when it made `live` live. */
  promotedAt?: number;
  /** A rollout holds the environment's lock: it decides, so the watch does not roll back. */
  busy: boolean;
  /** The last service.down of the environment has no service.recovered after it. */
  downReported: boolean;
  /** The watch already tried to roll `newest` back and the controller refused: why. Never retried. */
  rollbackRefused?: string;
}

/** What the runtime and the proxy say about the live revision now. */
export interface LiveObservations {
  health: CandidateHealth;
  /** Proxy samples of the live revision, oldest first. */
  samples: StatsSample[];
  /** Since when no instance of the live revision has been ready; undefined while one is. */
  unreadySince?: number;
  /**
   * Restarts already counted when this control plane first saw the live revision. After a
   * control-plane restart (or a reboot) instances that died while it was away are restarted and
   * counted as crashes when re-adopted: that is not the release crashing, so only later ones count.
   */
  restartsBaseline?: number;
  /**
   * This control plane started after the promotion and has not seen the live revision serve yet
   * (every instance ready, or one for downAfter): the release is being started again (a reboot, a
   * crash of everything), not failing. Its probes fail and its requests error while it starts, so
   * only "no ready instance for downAfter" can trip until it serves.
   */
  starting?: boolean;
  /**
   * When this control plane, started after the promotion, first saw the live revision serve. The
   * requests before it were answered while the release was being started again (503s with no
   * instance ready): they are not the release failing, so the triggers count from here.
   */
  servingSince?: number;
}

export type WatchVerdict =
  /** Nothing to do; `reason` says what the watch sees (for logs). */
  | { kind: "quiet"; reason: string }
  /** The promoted release failed inside its window: go back to `to` (the previous release). */
  | { kind: "rollback"; trigger: Trip["trigger"]; to: RevisionRef; reason: string }
  /** Report service.down (once, until it serves again). */
  | { kind: "down"; reason: string }
  /** Report service.recovered: a ready instance again after service.down. */
  | { kind: "recovered"; reason: string };

/**
 * What to do about a live release, given what the Store and the world say and the time. Pure.
 *
 * Inside the window after its promotion, the newest rollout's release goes back to the previous
 * release when it crashes, fails its health checks or trips the error-rate or latency triggers
 * (the same triggers as the analysis before promotion, with no baseline: the previous revision no
 * longer takes traffic). Only a `deploy` rollout is rolled back: a rollback rollout that fails
 * too is never rolled back again (that would loop between two broken releases); it is reported
 * down instead. Whether or not anything is rolled back, a live revision with no ready instance for
 * `downAfterMs`, or whose supervisor gave up on an instance while none is ready, is down; it is
 * recovered once an instance is ready again.
 * @example
 * const verdict = watchVerdict(release, observations, clock());
 * if (verdict.kind === "rollback") await controller.rollback({ ...target, reason: verdict.reason });
 */
export function watchVerdict(release: WatchedRelease, obs: LiveObservations, now: number): WatchVerdict {
  const { live, newest } = release;
  const settings: WatchSettings = newest?.settings.watch ?? WATCH_OFF;
  const health = obs.health;
  const promoted = promotedLive(release);
  const inWindow = promoted !== undefined && now - promoted.at < settings.windowMs;

  if (promoted && inWindow && !release.busy && settings.rollback && release.rollbackRefused === undefined) {
    const previous = promoted.rollout.stable;
    const trip =
      previous && promoted.rollout.kind === "deploy" ? tripOf(promoted, obs, settings, now) : undefined;
    if (previous && trip) {
      return {
        kind: "rollback",
        trigger: trip.trigger,
        to: previous,
        reason: `${live.id} failed ${secs(now - promoted.at)} after its promotion: ${trip.reason}`,
      };
    }
  }

  if (health.ready > 0) {
    if (release.downReported) {
      return {
        kind: "recovered",
        reason: `${live.id} serves again (${health.ready}/${health.desired} instances ready)`,
      };
    }
    return {
      kind: "quiet",
      reason: inWindow
        ? `${live.id} watched until ${secs(settings.windowMs)} after its promotion`
        : `${live.id} serves`,
    };
  }

  const gaveUp = health.crashed > 0;
  const unreadyFor = obs.unreadySince === undefined ? 0 : now - obs.unreadySince;
  if (!gaveUp && unreadyFor < settings.downAfterMs) {
    return { kind: "quiet", reason: `${live.id}: no ready instance for ${secs(unreadyFor)}` };
  }
  if (release.downReported) return { kind: "quiet", reason: `${live.id} is down (reported)` };
  const what = gaveUp
    ? `the supervisor gave up on ${health.crashed}/${health.desired} instances of ${live.id} and none is ready`
    : `no ready instance of ${live.id} for ${secs(unreadyFor)}`;
  const detail = `${health.restarts} restarts${health.lastError ? `, last: ${health.lastError}` : ""}`;
  return { kind: "down", reason: `${what} (${detail}); ${noRollbackBecause(release, settings, inWindow)}` };
}

/** The newest rollout if it is promoted and made the live revision live, with its promotion time. */
function promotedLive(release: WatchedRelease): { rollout: Rollout; at: number } | undefined {
  const { newest, promotedAt } = release;
  if (!newest || promotedAt === undefined || newest.outcome !== "promoted") return undefined;
  if (newest.candidate.id !== release.live.id) return undefined;
  return { rollout: newest, at: promotedAt };
}

function tripOf(
  promoted: { rollout: Rollout; at: number },
  obs: LiveObservations,
  settings: WatchSettings,
  now: number,
): Trip | undefined {
  // Instances that neither crash nor fail a probe but never get ready (a hung restart) are down too.
  const unreadyFor = obs.unreadySince === undefined ? 0 : now - obs.unreadySince;
  if (obs.health.ready === 0 && unreadyFor >= settings.downAfterMs) {
    return { trigger: "health", reason: `no ready instance for ${secs(unreadyFor)}` };
  }
  if (obs.starting) return undefined;
  return evaluateTriggers({
    settings: promoted.rollout.settings.triggers,
    now,
    switchedAt: Math.max(promoted.at, obs.servingSince ?? promoted.at),
    health: obs.health,
    // Restarts while it started, before the switch, were tolerated then and are not counted now.
    restartsAtSwitch: Math.max(promoted.rollout.restartsAtSwitch ?? 0, obs.restartsBaseline ?? 0),
    candidate: obs.samples,
    // No baseline after promotion: the previous revision takes no traffic to compare with.
    stable: [],
  });
}

/** Why a down service was not (or cannot be) rolled back automatically: what a person needs next. */
function noRollbackBecause(release: WatchedRelease, settings: WatchSettings, inWindow: boolean): string {
  const newest = release.newest;
  if (release.busy && newest) {
    return `rollout ${newest.id} (${newest.kind} of ${newest.candidate.version}) is in progress`;
  }
  if (newest?.kind === "rollback" && newest.candidate.id === release.live.id) {
    return `it is the rollback to ${newest.candidate.version} (${newest.actor}): not rolling back again`;
  }
  if (newest?.kind === "rollback" && newest.outcome !== "promoted") {
    return `the rollback to ${newest.candidate.version} failed (${newest.reason ?? newest.phase}): not rolling back again`;
  }
  if (newest && newest.candidate.id !== release.live.id) {
    return `the newest rollout ${newest.id} (${newest.candidate.version}) ended ${newest.outcome ?? newest.phase}: nothing newer to roll back`;
  }
  if (release.rollbackRefused !== undefined) {
    return `the automatic rollback was refused: ${release.rollbackRefused}`;
  }
  const promoted = promotedLive(release);
  const previous = promoted?.rollout.stable;
  if (!promoted || !previous) return "no previous release to roll back to";
  const hint = `\`slipway rollback ${promoted.rollout.service} --env ${promoted.rollout.environment} --reason TEXT\` returns to ${previous.version}`;
  if (!settings.rollback) return `automatic rollback is off for this environment; ${hint}`;
  if (!inWindow)
    return `promoted more than ${secs(settings.windowMs)} ago (outside the watch window); ${hint}`;
  return `rolling back to ${previous.version}`;
}
