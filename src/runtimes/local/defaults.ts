/** The local runtime's defaults, one block (docs/runtime.md lists them). */
import type { Probe } from "../port.js";
import type { RestartPolicy } from "./backoff.js";

export const LOCAL_RUNTIME_DEFAULTS = {
  /** Instances listen on, and are probed at, loopback only: the proxy is the public face. */
  host: "127.0.0.1",
  /** 0.5 s, 1 s, 2 s, 4 s, 8 s…, at most 30 s; the 6th crash within 2 minutes gives up ("crashed"). */
  restart: {
    initialDelayMs: 500,
    maxDelayMs: 30_000,
    maxRestarts: 5,
    windowMs: 120_000,
  } satisfies RestartPolicy,
  /** Without a readiness probe in the spec, an instance is ready once its port accepts connections. */
  defaultReadiness: {
    check: { kind: "tcp" },
    initialDelayMs: 0,
    periodMs: 500,
    timeoutMs: 1_000,
    successThreshold: 1,
    failureThreshold: 3,
  } satisfies Probe,
  adoptedPollMs: 500,
  /**
   * What instances inherit from the control plane's environment; everything else (tokens, the
   * control plane's own settings) stays out. The spec's env comes on top, then PORT and SLIPWAY_*.
   */
  envAllowList: [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
  ],
} as const;
