import { readFileSync } from "node:fs";
import type { BuiltFiles } from "./command-table.js";
import { SLIPWAY_VERSION } from "../version.js";

/**
 * Answers the command lines whose whole meaning is known without commander: `--version`,
 * `--help` (as the build rendered it) and `status [--json]`. Returns false for every other command
 * line, which is the full program's (program.ts). Starting commander and the ESM loader costs a
 * short command about a quarter of Node's own start.
 */
export async function answerQuickly(args: readonly string[], built: BuiltFiles): Promise<boolean> {
  let help: string | undefined;
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    process.stdout.write(`${SLIPWAY_VERSION}\n`);
  } else if ((help = rootHelp(args, built)) !== undefined) {
    process.stdout.write(help);
  } else if (args[0] === "status" && (args.length === 1 || (args.length === 2 && args[1] === "--json"))) {
    // `status [--json]`: no argument or option to parse; anything else (--help, a typo) is commander's.
    await (await import("./commands/status.js")).showStatus({ json: args[1] === "--json" });
  } else {
    return false;
  }
  return true;
}

/**
 * `slipway --help` (`-h`, `help`) as the build rendered it, when it would be rendered at the same
 * width (80 columns, as commander does for anything but a terminal of another width); otherwise
 * undefined, and commander renders it.
 */
function rootHelp(args: readonly string[], built: BuiltFiles): string | undefined {
  if (args.length !== 1 || !["--help", "-h", "help"].includes(args[0] ?? "")) return undefined;
  if (process.env.SLIPWAY_WRITE_COMMAND_TABLE === "1") return undefined;
  if (process.stdout.isTTY && (process.stdout.columns ?? 80) !== 80) return undefined;
  try {
    return readFileSync(built.help, "utf8");
  } catch {
    return undefined; // an older build without it
  }
}
