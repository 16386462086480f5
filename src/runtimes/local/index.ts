export { LocalRuntime, hashSpec, type LocalRuntimeOptions } from "./local-runtime.js";
export { LOCAL_RUNTIME_DEFAULTS } from "./defaults.js";
export type { RestartPolicy } from "./backoff.js";
