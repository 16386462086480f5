import { join, resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULTS } from "../../core/defaults.js";
import { gateAliasMoves } from "../../assets/alias-gate.js";
import { versionDir } from "../../assets/bundle.js";
import { AssetService, assetsRootOf, type AliasMoveGate } from "../../assets/service.js";
import { loadProjectConfig } from "../../config/load.js";
import { configFileIn } from "../../config/project-search.js";
import { SlipwayError } from "../../core/errors.js";
import { ReleasePolicyGate } from "../../evidence/policy-gate.js";
import type { AliasMove } from "../../core/assets/manifest.js";
import type { Store } from "../../store/index.js";
import { printJson } from "../output.js";
import { DATABASE_HELP, projectDatabase, stateUrl, withStore } from "../state.js";

interface StateOptions {
  dir: string;
  database?: string;
  json?: boolean;
}

const actor = () => process.env.USER ?? "cli";

interface GateOptions {
  overridePolicy?: boolean;
  overrideFreeze?: string;
  reason?: string;
}

/**
 * Runs `use` with an AssetService over the project's store and assets directory
 * (`<dir>/.slipway/assets`), the directory the data plane serves. When the project has a
 * slipway.yaml, alias moves are gated as its `assets:` says; the CLI's operator writes the
 * project's database directly, so it is gated as an admin (policy and freeze still refuse unless
 * overridden with a reason, and every refusal and override is audited).
 */
function withAssets<T>(
  options: StateOptions & GateOptions,
  use: (assets: AssetService, store: Store) => Promise<T>,
): Promise<T> {
  const dir = resolve(options.dir);
  const root = assetsRootOf(join(dir, DEFAULTS.dataDir));
  return withStore(stateUrl(options.database, projectDatabase(options.dir)), (store) => {
    // slipway.yaml is read when an alias moves (a broken file does not stop `show` or `history`).
    const gate: AliasMoveGate = (move) => {
      if (!configFileIn(dir)) return Promise.resolve();
      const config = loadProjectConfig(dir);
      return gateAliasMoves({
        config,
        principal: { kind: "user", id: actor(), name: actor(), role: "admin" },
        policy: new ReleasePolicyGate({
          environments: () => config.environments,
          evidence: store.evidence,
          releases: store.releases,
          now: () => Date.now(),
        }),
        filesOf: (name, version) => versionDir(root, name, version),
        record: (event) => store.rollouts.recordEvent(event),
        now: Date.now(),
        ...(options.overrideFreeze ? { freezeOverride: { reason: options.overrideFreeze } } : {}),
        ...(options.overridePolicy && options.reason ? { policyOverride: { reason: options.reason } } : {}),
      })(move);
    };
    return use(new AssetService({ store: store.assets, root, gate }), store);
  });
}

/** CLI moves are audited like API ones, as `api.assets.alias.<action>` with method CLI. */
async function audit(store: Store, move: AliasMove, command: string): Promise<void> {
  await store.audit.record({
    actor: move.actor,
    actorName: move.actor,
    action: `assets.alias.${move.action}`,
    method: "CLI",
    path: command,
    status: 200,
    reason: move.reason,
  });
}

const describeMove = (m: AliasMove) =>
  `${m.name} ${m.alias}: ${m.fromVersion ?? "(new)"} → ${m.toVersion}` +
  ` (/assets/${m.name}/${m.alias}/ now serves ${m.toVersion}; ${m.action} #${m.id})`;

function stateOptions(command: Command): Command {
  return command
    .option("--dir <dir>", "project directory (its .slipway/ holds the database and the assets)", ".")
    .option("--database <url>", DATABASE_HELP)
    .option("--json", "print JSON");
}

/**
 * `slipway assets publish|alias|rollback|show|history`: versioned static bundles served by the
 * data plane under /assets/<name>/<version>/ (immutable) and /assets/<name>/<alias>/ (docs/assets.md).
 */
export function registerAssets(program: Command): void {
  const assets = program
    .command("assets")
    .description(
      "Versioned static asset bundles with aliases (channels), served by the data plane under /assets/",
    );

  stateOptions(
    assets
      .command("publish")
      .description(
        "Store DIR as an immutable version: precompressed (br, gzip), with an SRI manifest (sha384) printed as JSON",
      )
      .argument("<bundle-dir>", "directory of the built files (hidden files are skipped)")
      .requiredOption("--name <name>", "bundle name, e.g. widget")
      .requiredOption("--version <version>", "semantic version, e.g. 1.4.0")
      .option(
        "--alias <alias>",
        "then point this alias at it, e.g. latest (repeatable; audited like `assets alias`)",
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      ),
  ).action(
    async (dir: string, options: StateOptions & { name: string; version: string; alias: string[] }) => {
      const result = await withAssets(options, async (service, store) => {
        const published = await service.publish(resolve(dir), options.name, options.version, actor());
        for (const alias of options.alias) {
          const moved = await service.moveAlias(options.name, alias, options.version, {
            actor: actor(),
            reason: `published ${options.version}`,
          });
          if (moved) await audit(store, moved, `slipway assets publish --alias ${alias}`);
        }
        return published;
      });
      if (options.json) return printJson(result);
      const { manifest } = result;
      process.stderr.write(
        `${result.status === "created" ? "published" : "already published (same content)"} ${manifest.name} ${manifest.version}: ` +
          `${manifest.files.length} files at /assets/${manifest.name}/${manifest.version}/\n`,
      );
      // The SRI manifest on stdout, so `> manifest.json` keeps it.
      printJson(manifest);
    },
  );

  stateOptions(
    assets
      .command("alias")
      .description(
        "Point an alias (latest, stable, beta, any name) at a published version; audited, kept in its history",
      )
      .argument("<name>", "bundle name")
      .argument("<alias>", "alias (a name starting with a letter)")
      .argument("<version>", "published version")
      .option("--reason <text>", "why (recorded in the history and the audit trail)", "")
      .option(
        "--override-policy",
        "move to a version the alias's environment policy refuses (needs --reason; audited)",
      )
      .option(
        "--override-freeze <reason>",
        "move inside a freeze window of the alias's environment (audited)",
      ),
  ).action(
    async (
      name: string,
      alias: string,
      version: string,
      options: StateOptions & GateOptions & { reason: string },
    ) => {
      if (options.overridePolicy && !options.reason)
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          '--override-policy needs --reason "why" (it is audited)',
        );
      const move = await withAssets(options, async (service, store) => {
        const moved = await service.moveAlias(name, alias, version, {
          actor: actor(),
          reason: options.reason,
        });
        if (moved) await audit(store, moved, `slipway assets alias ${name} ${alias} ${version}`);
        return moved;
      });
      if (options.json) return printJson({ moved: move ?? null });
      process.stdout.write(
        move ? `${describeMove(move)}\n` : `${name} ${alias} already points at ${version}\n`,
      );
    },
  );

  stateOptions(
    assets
      .command("rollback")
      .description("Return an alias to the version it pointed at before its latest move (one step; audited)")
      .argument("<name>", "bundle name")
      .argument("<alias>", "alias")
      .option("--reason <text>", "why (recorded in the history and the audit trail)", ""),
  ).action(async (name: string, alias: string, options: StateOptions & { reason: string }) => {
    const move = await withAssets(options, async (service, store) => {
      const moved = await service.rollback(name, alias, { actor: actor(), reason: options.reason });
      await audit(store, moved, `slipway assets rollback ${name} ${alias}`);
      return moved;
    });
    if (options.json) return printJson({ moved: move });
    process.stdout.write(`${describeMove(move)}\n`);
  });

  stateOptions(
    assets
      .command("show")
      .description("A bundle's versions (newest first) and aliases; without a name, the bundle names")
      .argument("[name]", "bundle name"),
  ).action(async (name: string | undefined, options: StateOptions) => {
    const shown = await withAssets(options, async (service) =>
      name === undefined ? { names: await service.listNames() } : service.describe(name),
    );
    if (options.json) return printJson(shown);
    if ("names" in shown) {
      process.stdout.write(shown.names.length ? `${shown.names.join("\n")}\n` : "no bundles published\n");
      return;
    }
    for (const [alias, version] of Object.entries(shown.aliases))
      process.stdout.write(`${alias} → ${version}\n`);
    for (const v of shown.versions)
      process.stdout.write(
        `${v.version}  ${v.files} files  ${v.digest}  ${v.publishedAt} by ${v.publishedBy}\n`,
      );
  });

  stateOptions(
    assets
      .command("history")
      .description("An alias's moves, newest first")
      .argument("<name>", "bundle name")
      .argument("<alias>", "alias"),
  ).action(async (name: string, alias: string, options: StateOptions) => {
    const history = await withAssets(options, (service) => service.history(name, alias));
    if (options.json) return printJson({ history });
    for (const m of history)
      process.stdout.write(
        `#${m.id} ${m.at} ${m.action} ${m.fromVersion ?? "(new)"} → ${m.toVersion} by ${m.actor}${m.reason ? `: ${m.reason}` : ""}\n`,
      );
  });
}
