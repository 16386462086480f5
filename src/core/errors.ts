/**
 * The error catalogue. Every error a user can see carries a stable `SLIPWAY_*` code, documented in
 * docs/errors.md (a unit test keeps the two in step). User errors print one clear line; anything
 * else is a bug and the CLI asks for a report.
 */
export const ERROR_CODES = {
  SLIPWAY_INVALID_WORKFLOW: "A workflow file is not valid; the message names file:line:col.",
  SLIPWAY_INVALID_CONFIG: "slipway.yaml is not valid; the message names file:line:col.",
  SLIPWAY_INVALID_FLAGS:
    "A flag file does not follow flagd's schema; the message names file:line:col and the JSON pointer.",
  SLIPWAY_INVALID_ARGUMENT: "A command-line argument or API parameter is missing or malformed.",
  SLIPWAY_NOT_FOUND: "The named run, service, environment, release or rollout does not exist.",
  SLIPWAY_CONFLICT: "The request conflicts with current state (for example a rollout already running).",
  SLIPWAY_MISSING_INTERPRETER: "A step's shell (bash, sh, python, node) is not installed on this host.",
  SLIPWAY_UNSUPPORTED: "The workflow uses a feature Slipway does not run on the host (named in the message).",
  SLIPWAY_BUILD_FAILED: "A release's build command failed; nothing was deployed.",
  SLIPWAY_UNAVAILABLE: "A Slipway process (server, proxy) could not be reached.",
  SLIPWAY_STORE: "The state database could not be opened or migrated.",
  SLIPWAY_DISK_FULL: "A file under the data directory could not be written: its file system is full.",
  SLIPWAY_READ_ONLY: "A file under the data directory could not be written: its file system is read-only.",
  SLIPWAY_STORE_CORRUPT:
    "The state database is damaged; Slipway refuses to start on it (the message says how to recover).",
  SLIPWAY_STORE_UNAVAILABLE:
    "The PostgreSQL database cannot be reached; the control plane keeps serving traffic and retries.",
  SLIPWAY_INTERNAL: "A bug in Slipway: the server logged the details; please report it.",
  SLIPWAY_UNAUTHENTICATED:
    "The API needs a valid token or session; the one sent is missing, wrong, expired or revoked.",
  SLIPWAY_FORBIDDEN:
    "The caller's role does not allow this here (the message names the role needed), or CSRF failed.",
  SLIPWAY_RATE_LIMITED: "Too many API requests with this token; retry after the time the server gives.",
  SLIPWAY_METRIC_QUERY:
    "A metric provider could not take a measurement (bad query, unreachable server, timeout, unexpected answer).",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where in a file a problem is, 1-based as editors show it. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** An error caused by the user's input or environment, shown as one line without a stack. */
export class SlipwayError extends Error {
  override readonly name = "SlipwayError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { location?: SourceLocation; problems?: string[] } = {},
  ) {
    super(message);
  }
}

export const isSlipwayError = (error: unknown): error is SlipwayError => error instanceof SlipwayError;

/** Exit codes shared by every command: 0 success, 1 the thing ran and failed, 2 invalid input. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

export function exitCodeFor(error: SlipwayError): number {
  switch (error.code) {
    case "SLIPWAY_INVALID_WORKFLOW":
    case "SLIPWAY_INVALID_CONFIG":
    case "SLIPWAY_INVALID_FLAGS":
    case "SLIPWAY_INVALID_ARGUMENT":
    case "SLIPWAY_UNSUPPORTED":
    case "SLIPWAY_MISSING_INTERPRETER":
      return EXIT.invalid;
    case "SLIPWAY_NOT_FOUND":
    case "SLIPWAY_CONFLICT":
    case "SLIPWAY_BUILD_FAILED":
    case "SLIPWAY_UNAVAILABLE":
    case "SLIPWAY_STORE":
    case "SLIPWAY_DISK_FULL":
    case "SLIPWAY_READ_ONLY":
    case "SLIPWAY_STORE_CORRUPT":
    case "SLIPWAY_STORE_UNAVAILABLE":
    case "SLIPWAY_INTERNAL":
    case "SLIPWAY_METRIC_QUERY":
    case "SLIPWAY_UNAUTHENTICATED":
    case "SLIPWAY_FORBIDDEN":
    case "SLIPWAY_RATE_LIMITED":
      return EXIT.failed;
    default: {
      const unreachable: never = error.code;
      return unreachable;
    }
  }
}
