import type { RawProjectConfig, Report } from "./schema.js";
import { didYouMean } from "./check-channels.js";

/** `assets.<name>.aliases.<alias>` must name a declared environment. */
export function crossCheckAssets(config: RawProjectConfig, report: Report): void {
  const environments = Object.keys(config.environments);
  for (const [name, bundle] of Object.entries(config.assets))
    for (const [alias, environment] of Object.entries(bundle.aliases))
      if (!environments.includes(environment))
        report(
          ["assets", name, "aliases", alias],
          `no environment '${environment}' is declared under environments${didYouMean(environment, environments)}`,
        );
}
