import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { SlipwayError } from "../../core/errors.js";
import { parseProjectConfig } from "../../config/load.js";
import { repositoryRoot } from "../../pipelines/git.js";
import { detectServices } from "../init/detect.js";
import { renderConfig } from "../init/render.js";
import { printJson, style } from "../output.js";

const DATA_DIR_IGNORE = ".slipway/";

/** Adds `.slipway/` (it holds the admin token and the state database) to .gitignore unless listed. */
function ignoreDataDir(dir: string): boolean {
  const file = join(dir, ".gitignore");
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const listed = text.split(/\r?\n/).some((line) => /^\/?\.slipway\/?$/.test(line.trim()));
  if (listed) return false;
  const separator = text === "" || text.endsWith("\n") ? "" : "\n";
  appendFileSync(
    file,
    `${separator}# Slipway's state: admin token, database, releases (slipway init)\n${DATA_DIR_IGNORE}\n`,
  );
  return true;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "Write a commented slipway.yaml for the services found in this repository (workspaces, start scripts, workflow paths) and ignore .slipway/",
    )
    .option("--dir <dir>", "the project's folder (default: the current one)", ".")
    .option("--json", "print what was written as JSON")
    .action((options: { dir: string; json?: boolean }) => {
      const dir = resolve(options.dir);
      if (!existsSync(dir))
        throw new SlipwayError("SLIPWAY_NOT_FOUND", `--dir ${options.dir}: ${dir} does not exist`);
      const existing = ["slipway.yaml", "slipway.yml"].map((n) => join(dir, n)).find((f) => existsSync(f));
      if (existing) {
        throw new SlipwayError(
          "SLIPWAY_CONFLICT",
          `${existing} already exists; slipway init never overwrites it (check it with \`slipway config validate\`)`,
        );
      }
      const found = detectServices(dir);
      const pkgName = readPackageName(dir);
      const rendered = renderConfig(pkgName ?? basename(dir), found);
      // The file must load as written: a failure here is a bug in init, not the user's to fix.
      parseProjectConfig(rendered.text, "slipway.yaml");
      const file = join(dir, "slipway.yaml");
      writeFileSync(file, rendered.text, { flag: "wx" });
      const ignored = ignoreDataDir(dir);
      const inGit = isInGit(dir);
      const first = rendered.services[0]!;
      const rel = relative(process.cwd(), dir) || ".";
      // Run from the project's folder: the CLI finds the project (and its token) from there.
      const next = [
        `${rel === "." ? "" : `cd ${rel} && `}git add slipway.yaml .gitignore && git commit -m "Add slipway.yaml"`,
        "slipway up   # in a second terminal: proxy + control plane; `slipway down` stops everything",
        `slipway deploy ${first} --env production --version v1 --ref HEAD --wait`,
      ];
      if (options.json) {
        printJson({ file, services: rendered.services, found, gitignoreUpdated: ignored, next });
        return;
      }
      const out = [`${style.green("wrote")} ${file}`];
      for (const service of found) {
        out.push(
          `  ${service.path.padEnd(24)} ${service.start ? "service" : style.yellow("no start script, commented out")}  (${service.reasons.join(", ")})`,
        );
      }
      if (found.length === 0) out.push(`  ${style.yellow("no service found")}: edit services.${first}.start`);
      if (ignored) out.push(`${style.green("added")} .slipway/ to .gitignore (it holds the admin token)`);
      if (!inGit)
        out.push(
          style.yellow("not a git repository: run `git init` first; releases are built from committed files"),
        );
      out.push("", "Next:", ...next.map((line) => `  ${line}`), "");
      process.stdout.write(out.join("\n"));
    });
}

function isInGit(dir: string): boolean {
  try {
    repositoryRoot(dir);
    return true;
  } catch {
    return false;
  }
}

function readPackageName(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name;
  } catch {
    return undefined;
  }
}
