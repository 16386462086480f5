import type { Command } from "commander";
import { registerInit } from "./init.js";
import { registerUp } from "./up.js";
import { registerDown } from "./down.js";
import { registerServer } from "./server.js";
import { registerDeploy } from "./deploy.js";
import { registerRollback } from "./rollback.js";
import { registerPreview } from "./preview.js";
import { registerPromote } from "./promote.js";
import { registerAbort } from "./abort.js";
import { registerStatus } from "./status.js";
import { registerHistory } from "./history.js";
import { registerReport } from "./report.js";
import { registerApprove } from "./approve.js";
import { registerToken } from "./token.js";
import { registerUser } from "./user.js";
import { registerDemo } from "./demo.js";
import { registerAffected } from "./affected.js";
import { registerProxy } from "./proxy.js";
import { registerLogs } from "./logs.js";
import { registerRun } from "./run.js";
import { registerRuns } from "./runs.js";
import { registerConfig } from "./config.js";
import { registerReleases } from "./releases.js";
import { registerRelease } from "./release.js";
import { registerEvidence } from "./evidence.js";
import { registerFlags } from "./flags.js";
import { registerChannel } from "./channel.js";
import { registerExperiment } from "./experiment.js";
import { registerMigrate } from "./migrate.js";
import { registerBackup } from "./backup.js";
import { registerExport } from "./export.js";
import { registerAssets } from "./assets.js";

/** Each command module registers itself on the program; the order here is the order in --help. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  registerRun,
  registerRuns,
  registerLogs,
  registerAffected,
  registerProxy,
  registerInit,
  registerUp,
  registerDown,
  registerServer,
  registerDeploy,
  registerRollback,
  registerPreview,
  registerPromote,
  registerAbort,
  registerStatus,
  registerHistory,
  registerReport,
  registerApprove,
  registerToken,
  registerUser,
  registerDemo,
  registerConfig,
  registerExport,
  registerRelease,
  registerReleases,
  registerEvidence,
  registerFlags,
  registerChannel,
  registerExperiment,
  registerMigrate,
  registerBackup,
  registerAssets,
];
