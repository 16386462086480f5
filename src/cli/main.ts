import { Command, CommanderError } from "commander";
import { exitCodeFor, isSlipwayError } from "../core/errors.js";
import { COMMANDS } from "./commands/index.js";

const program = new Command()
  .name("slipway")
  .description(
    "Self-hosted delivery: GitHub Actions workflows on the host, blue-green and canary rollouts through Slipway's own router.",
  )
  .version(process.env.SLIPWAY_VERSION ?? "0.1.0")
  // Program options only before the command: `slipway deploy web --version v3` is the deploy's version.
  .enablePositionalOptions()
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

for (const register of COMMANDS) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = handleError(error);
}

function handleError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help text).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isSlipwayError(error)) {
    process.stderr.write(`slipway: ${error.message}\n`);
    for (const problem of error.details.problems ?? []) process.stderr.write(`  ${problem}\n`);
    return exitCodeFor(error);
  }
  process.stderr.write(
    `slipway: internal error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug in Slipway; please report it with the command you ran.\n`,
  );
  return 70;
}
