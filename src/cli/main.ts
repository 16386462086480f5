import module from "node:module";
import { dropOutputWhenClosed } from "./closed-output.js";
import { answerQuickly } from "./quick.js";

/**
 * The full CLI (dist/cli.js): commander and the command's module (program.ts). `slipway` starts
 * dist/launch.cjs (launch.ts), which answers the short commands itself and imports this file for
 * the others; run directly, it answers those short commands the same way.
 */
dropOutputWhenClosed();
// Node 22.1+ keeps the compiled code of the modules a command loads on disk (os.tmpdir()), so the
// next command skips compiling them again (npm does the same); Node 20 has no such cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const args = process.argv.slice(2);
/**
 * Written by `npm run build` beside dist/cli.js (command-table.ts): the command list
 * `slipway --help` shows and that help itself as commander prints it at 80 columns.
 */
const built = {
  table: new URL("./commands.json", import.meta.url),
  help: new URL("./help.txt", import.meta.url),
};
try {
  if (!(await answerQuickly(args, built))) await (await import("./program.js")).runProgram(args, built);
} catch (error) {
  process.exitCode = (await import("./failure.js")).handleError(error);
}
