/**
 * The composition root's one way to get a Runtime: `runtime:` in slipway.yaml names the adapter,
 * and each adapter keeps its own settings (directories, hosts) to itself.
 * @example const runtime = createRuntime(loadProjectConfig(dir), { dataDir: ".slipway", logger });
 */
import { join } from "node:path";
import type { ProjectConfig } from "../core/config/types.js";
import type { Logger } from "../log.js";
import { LocalRuntime } from "./local/index.js";
import type { Runtime } from "./port.js";

export type * from "./port.js";

export interface RuntimeDeps {
  /** The project's data directory (`<project>/.slipway`); an adapter keeps its state under it. */
  dataDir: string;
  logger: Logger;
}

export function createRuntime(config: Pick<ProjectConfig, "runtime">, deps: RuntimeDeps): Runtime {
  const { kind } = config.runtime;
  switch (kind) {
    case "local":
      return new LocalRuntime({ stateDir: join(deps.dataDir, "runtime"), logger: deps.logger });
    default: {
      const unknown: never = kind;
      return unknown;
    }
  }
}
