/**
 * `slipway proxy` on its own (dist/proxy.js): the data plane's entry, without the rest of the CLI,
 * so a restarted proxy loads a fraction of the code and serves again sooner (bench/proxy-recovery.mjs).
 * `slipway proxy` (the CLI) runs the same command.
 */
import { Command, CommanderError } from "commander";
import { registerProxy } from "./commands/proxy.js";
import { exitCodeFor, isSlipwayError } from "../core/errors.js";

const program = new Command().name("slipway").exitOverride();
registerProxy(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help text).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (isSlipwayError(error)) {
    process.stderr.write(`slipway: ${error.message}\n`);
    process.exitCode = exitCodeFor(error);
  } else {
    process.stderr.write(`slipway: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  }
}
