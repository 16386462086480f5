import type { Traffic, TrafficChange } from "./types.js";

/**
 * Applies a change to one environment's desired traffic. Revisions stay listed with weight 0 while
 * they are warm (reachable by preview header, instantly switchable back); only `remove` or `drop`
 * takes a revision out, which makes the proxy drain it.
 */
export function applyTrafficChange(traffic: Traffic, change: TrafficChange): Traffic {
  switch (change.kind) {
    case "add-preview":
      return traffic.some((t) => t.revision === change.revision)
        ? traffic
        : [...traffic, { revision: change.revision, weight: 0 }];
    case "switch": {
      const kept = traffic.filter((t) => t.revision !== change.to && t.revision !== change.drop);
      return [
        { revision: change.to, weight: 100 },
        ...kept.map((t) => ({ revision: t.revision, weight: 0 })),
      ];
    }
    case "remove":
      return traffic.filter((t) => t.revision !== change.revision);
    default: {
      const unreachable: never = change;
      return unreachable;
    }
  }
}

/** The revision taking all traffic, if any. */
export const liveRevision = (traffic: Traffic): string | undefined =>
  traffic.find((t) => t.weight > 0)?.revision;
