import module from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { dropOutputWhenClosed } from "./closed-output.js";
import { handleError } from "./failure.js";
import { answerQuickly } from "./quick.js";

/**
 * What `slipway` starts (bin/slipway.js requires dist/launch.cjs): one CommonJS file that answers
 * `--version`, `--help` and `status` itself and hands every other command line to the full CLI,
 * dist/cli.js. Node loads a CommonJS file without starting its ESM loader, and this one without
 * the many chunks of the full CLI: the short commands start nearly as fast as Node itself.
 */
dropOutputWhenClosed();
// Node 22.1+ keeps the compiled code of the modules a command loads on disk (os.tmpdir()), so the
// next command skips compiling them again (npm does the same); Node 20 has no such cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const args = process.argv.slice(2);
const built = {
  table: pathToFileURL(join(__dirname, "commands.json")),
  help: pathToFileURL(join(__dirname, "help.txt")),
};
answerQuickly(args, built)
  .then(async (answered) => {
    // dist/cli.js: the full CLI is a bundle of its own (scripts/build.mjs maps this import to it).
    if (!answered) await import("./main.js");
  })
  .catch((error: unknown) => {
    process.exitCode = handleError(error);
  });
