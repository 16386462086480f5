import type { Command } from "commander";

/** Each command module registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * The commands, in --help order. A module is imported only when its command runs (each one is a
 * chunk of its own in dist/, see scripts/build.mjs), so `slipway run` never loads the server,
 * the proxy or PostgreSQL; `name` must be the name the module registers.
 */
export const COMMANDS: { name: string; load: () => Promise<RegisterCommand> }[] = [
  { name: "run", load: async () => (await import("./run.js")).registerRun },
  { name: "runs", load: async () => (await import("./runs.js")).registerRuns },
  { name: "logs", load: async () => (await import("./logs.js")).registerLogs },
  { name: "affected", load: async () => (await import("./affected.js")).registerAffected },
  { name: "proxy", load: async () => (await import("./proxy.js")).registerProxy },
  { name: "init", load: async () => (await import("./init.js")).registerInit },
  { name: "up", load: async () => (await import("./up.js")).registerUp },
  { name: "down", load: async () => (await import("./down.js")).registerDown },
  { name: "server", load: async () => (await import("./server.js")).registerServer },
  { name: "runner", load: async () => (await import("./runner.js")).registerRunner },
  { name: "deploy", load: async () => (await import("./deploy.js")).registerDeploy },
  { name: "rollback", load: async () => (await import("./rollback.js")).registerRollback },
  { name: "preview", load: async () => (await import("./preview.js")).registerPreview },
  { name: "promote", load: async () => (await import("./promote.js")).registerPromote },
  { name: "abort", load: async () => (await import("./abort.js")).registerAbort },
  { name: "status", load: async () => (await import("./status.js")).registerStatus },
  { name: "history", load: async () => (await import("./history.js")).registerHistory },
  { name: "report", load: async () => (await import("./report.js")).registerReport },
  { name: "approve", load: async () => (await import("./approve.js")).registerApprove },
  { name: "token", load: async () => (await import("./token.js")).registerToken },
  { name: "user", load: async () => (await import("./user.js")).registerUser },
  { name: "demo", load: async () => (await import("./demo.js")).registerDemo },
  { name: "config", load: async () => (await import("./config.js")).registerConfig },
  { name: "export", load: async () => (await import("./export.js")).registerExport },
  { name: "release", load: async () => (await import("./release.js")).registerRelease },
  { name: "releases", load: async () => (await import("./releases.js")).registerReleases },
  { name: "evidence", load: async () => (await import("./evidence.js")).registerEvidence },
  { name: "flags", load: async () => (await import("./flags.js")).registerFlags },
  { name: "channel", load: async () => (await import("./channel.js")).registerChannel },
  { name: "experiment", load: async () => (await import("./experiment.js")).registerExperiment },
  { name: "migrate", load: async () => (await import("./migrate.js")).registerMigrate },
  { name: "backup", load: async () => (await import("./backup.js")).registerBackup },
  { name: "assets", load: async () => (await import("./assets.js")).registerAssets },
];
