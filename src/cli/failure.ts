import { exitCodeFor, isSlipwayError, type ErrorCode } from "../core/errors.js";
import { isStorageFaultCode, storageFault } from "../store/storage-faults.js";
import { printJson } from "./output.js";

/** `--json` among the arguments (before a `--`): a failure is one JSON document on stdout too. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

/** With `--json`, a failure as one JSON document on stdout (the message is on stderr as well). */
export function printJsonError(code: ErrorCode, message: string, problems?: readonly string[]): void {
  if (!wantsJson(process.argv.slice(2))) return;
  printJson({ error: { code, message, ...(problems?.length ? { problems } : {}) } });
}

/** A command's failure said on stderr (and as JSON with `--json`); returns the exit code. */
export function handleError(error: unknown): number {
  const known = isSlipwayError(error) ? error : storageFault(error);
  if (known) {
    process.stderr.write(`slipway: ${known.message}\n`);
    for (const problem of known.details.problems ?? []) process.stderr.write(`  ${problem}\n`);
    // A disk or database fault: its recovery steps are under its code in docs/errors.md.
    if (isStorageFaultCode(known.code)) process.stderr.write(`  ${known.code} (see docs/errors.md)\n`);
    printJsonError(known.code, known.message, known.details.problems);
    return exitCodeFor(known);
  }
  process.stderr.write(
    `slipway: internal error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug in Slipway; please report it with the command you ran.\n`,
  );
  printJsonError("SLIPWAY_INTERNAL", `internal error: ${(error as Error)?.message ?? String(error)}`);
  return 70;
}
