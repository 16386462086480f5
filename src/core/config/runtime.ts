/** The runtimes `runtime:` in slipway.yaml may name. Each has an adapter in src/runtimes. */
export const RUNTIME_KINDS = ["local"] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/** An object, so a runtime's own settings (a Kubernetes namespace, a list of hosts) have a place. */
export interface RuntimeConfig {
  kind: RuntimeKind;
}
