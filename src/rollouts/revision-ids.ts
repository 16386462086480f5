import type { RevisionRef } from "../core/rollout/types.js";

/** A revision's id: `service/environment@version`. */
export const revisionId = (service: string, environment: string, version: string) =>
  `${service}/${environment}@${version}`;

/** The revision a `service/environment@version` id names. */
export const refOf = (id: string): RevisionRef => ({ id, version: id.slice(id.lastIndexOf("@") + 1) });
