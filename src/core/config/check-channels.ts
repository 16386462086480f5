import type { RawProjectConfig, Report } from "./schema.js";
import { closest } from "./suggest.js";
import { own } from "../own.js";

export const didYouMean = (word: string, known: readonly string[]) => {
  const guess = closest(word, known);
  return guess ? ` — did you mean '${guess}'?` : ` (declared: ${known.join(", ") || "none"})`;
};

/**
 * Rules of `channels:` that span the file: what a strategy needs, names that must exist, and one
 * channel per (environment, service), since two channels moving the same routes would undo each
 * other's releases.
 */
export function crossCheckChannels(config: RawProjectConfig, report: Report): void {
  const services = Object.keys(config.services);
  const environments = Object.keys(config.environments);
  const owner = new Map<string, string>();
  for (const [name, ch] of Object.entries(config.channels)) {
    const at = (...rest: (string | number)[]) => ["channels", name, ...rest];
    (ch.services ?? []).forEach((service, i) => {
      if (!services.includes(service))
        report(
          at("services", i),
          `no service '${service}' is declared under services${didYouMean(service, services)}`,
        );
    });
    if (ch.strategy === "flag") {
      if (ch.flag === undefined)
        report(at(), "a flag channel needs `flag`: the flag whose variant holds the version");
      if (ch.variant === undefined)
        report(at(), "a flag channel needs `variant`: the variant of the flag that takes the version");
      const moved = ch.services ?? services;
      if (moved.length !== 1)
        report(
          at(ch.services ? "services" : "strategy"),
          `a flag channel holds one version, so it moves one service: name it in services (${moved.length} ${ch.services ? "named" : "declared"})`,
        );
      for (const key of ["environment", "steps"] as const)
        if (ch[key] !== undefined)
          report(at(key), `${key} applies to blue-green and canary channels, not to flag channels`);
      continue;
    }
    for (const key of ["flag", "variant"] as const)
      if (ch[key] !== undefined) report(at(key), `${key} applies to flag channels only (strategy: flag)`);
    if (ch.steps && ch.strategy !== "canary")
      report(at("steps"), "steps apply to canary channels only (set strategy: canary)");
    if (ch.environment === undefined) {
      report(at(), `a ${ch.strategy} channel needs \`environment\`: where its rollouts run`);
      continue;
    }
    if (!own(config.environments, ch.environment)) {
      report(
        at("environment"),
        `no environment '${ch.environment}' is declared under environments${didYouMean(ch.environment, environments)}`,
      );
      continue;
    }
    for (const service of ch.services ?? services) {
      const key = `${ch.environment}\u0000${service}`;
      const other = owner.get(key);
      if (other !== undefined)
        report(
          at("environment"),
          `channel '${other}' already moves ${service} in ${ch.environment}; give each channel its own environment`,
        );
      else owner.set(key, name);
    }
  }
}
