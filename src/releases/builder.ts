import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { getService } from "../core/config/map.js";
import type { ProjectConfig } from "../core/config/types.js";
import { SlipwayError } from "../core/errors.js";
import { loadProjectConfig } from "../config/load.js";
import { digestDirectory } from "./digest.js";
import { exportSource, resolveCommit, servicePath } from "./export.js";
import { describeOutcome, runBuild } from "./run-build.js";
import type { ReleaseStore } from "../store/ports/release-store.js";
import { annotationOf, type Release, type ReleaseAnnotation } from "../core/release/types.js";

export interface EnsureReleaseRequest {
  service: string;
  version: string;
  /** Git ref to build from; HEAD when absent. Must be absent (or "working-tree") outside git. */
  ref?: string;
  projectDir: string;
  /** The project's configuration when the caller has loaded it already. */
  config?: ProjectConfig;
  /** Tag and notes from `slipway release`; a rebuild keeps the record's own when absent. */
  annotation?: ReleaseAnnotation;
}

export interface ReleaseBuilderOptions {
  store: ReleaseStore;
  /** Slipway's data directory (absolute); releases go to `<dataDir>/releases/<service>/<version>/`. */
  dataDir: string;
  /** Values masked in build logs and errors, besides env values whose names look secret. */
  secrets?: string[];
  /** Environment the build starts from; the service's env and SLIPWAY_* are added. Default: process.env. */
  baseEnv?: NodeJS.ProcessEnv;
  now?: () => number;
}

/** Versions name directories and revisions ("web/production@v1.2.0"): keep them plain. */
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY/i;

/**
 * Builds releases once. `ensure` returns the recorded release of (service, version) when it was
 * built before — no export, no build — which is what makes a retried deploy of a version cheap and
 * reproducible; otherwise it exports the service's files at the ref into the data directory, runs
 * the service's `build` there with a bounded time, digests the result and records it.
 *
 * @example
 * const builder = new ReleaseBuilder({ store, dataDir: "/srv/app/.slipway" });
 * const release = await builder.ensure({ service: "web", version: "v3", ref: "v3", projectDir: "/srv/app" });
 * // release.dir → "/srv/app/.slipway/releases/web/v3", release.status → "built"
 */
export class ReleaseBuilder {
  private readonly inFlight = new Map<string, Promise<Release>>();
  private readonly now: () => number;

  constructor(private readonly options: ReleaseBuilderOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The directory a release of `service` at `version` lives in. */
  releaseDir(service: string, version: string): string {
    return join(resolve(this.options.dataDir), "releases", service, version);
  }

  async ensure(request: EnsureReleaseRequest): Promise<Release> {
    if (!VERSION_PATTERN.test(request.version)) {
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        `version '${request.version}' must be letters, digits, '.', '_', '+' or '-' (up to 128), starting with a letter or digit`,
      );
    }
    const key = `${request.service}@${request.version}`;
    // Two deploys of the same new version at once share one build.
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = this.ensureOnce(request).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private async ensureOnce(request: EnsureReleaseRequest): Promise<Release> {
    const { service, version } = request;
    const existing = await this.options.store.getRelease(service, version);
    if (existing?.status === "built") {
      // Releases are immutable: the same version from another commit is a mistake worth stopping.
      if (request.ref !== undefined && existing.commit !== null) {
        const commit = await resolveCommit(request.projectDir, request.ref);
        if (commit !== undefined && commit !== existing.commit) {
          throw new SlipwayError(
            "SLIPWAY_CONFLICT",
            `${service} ${version} was built from ${existing.commit.slice(0, 12)} (${existing.ref}); ${request.ref} is ${commit.slice(0, 12)}: deploy it as a new version`,
          );
        }
      }
      if (request.annotation === undefined) return existing;
      const annotated = { ...existing, ...request.annotation };
      await this.options.store.saveRelease(annotated);
      return annotated;
    }
    // A failed or interrupted ("building") release is built again from scratch.

    const config = request.config ?? loadProjectConfig(request.projectDir);
    const svc = getService(config, service);
    const dir = this.releaseDir(service, version);
    const buildLog = `${dir}.build.log`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(buildLog, "");

    const release: Release = {
      service,
      version,
      ref: request.ref ?? "HEAD",
      commit: null,
      digest: null,
      status: "building",
      dir,
      buildLog,
      createdAt: new Date(this.now()).toISOString(),
      ...(request.annotation ?? annotationOf(existing)),
    };
    await this.options.store.saveRelease(release);

    const fail = async (error: string, exitCode?: number): Promise<never> => {
      await this.options.store.saveRelease({
        ...release,
        status: "failed",
        error,
        ...(exitCode !== undefined && { exitCode }),
        finishedAt: new Date(this.now()).toISOString(),
      });
      throw new SlipwayError("SLIPWAY_BUILD_FAILED", `${service} ${version}: ${error}`);
    };

    try {
      const source = await exportSource({
        projectDir: request.projectDir,
        sourcePath: servicePath(request.projectDir, svc.path),
        ref: request.ref,
        dest: dir,
        exclude: [this.options.dataDir],
      });
      release.ref = source.ref;
      release.commit = source.commit;
      if (source.committedAt !== undefined) release.committedAt = source.committedAt;
    } catch (error) {
      // A ref that does not exist is the user's mistake, not a build failure: record and rethrow as is.
      const message = (error as Error).message;
      await this.options.store.saveRelease({
        ...release,
        status: "failed",
        error: `export failed: ${message}`,
        finishedAt: new Date(this.now()).toISOString(),
      });
      throw error;
    }

    if (svc.build !== undefined) {
      const env = {
        ...stringEnv(this.options.baseEnv ?? process.env),
        ...svc.env,
        SLIPWAY_PROJECT: config.project.name,
        SLIPWAY_SERVICE: service,
        SLIPWAY_VERSION: version,
        SLIPWAY_REF: release.ref,
        ...(release.commit && { SLIPWAY_COMMIT: release.commit }),
      };
      const secrets = [
        ...(this.options.secrets ?? []),
        ...Object.entries(svc.env)
          .filter(([name]) => SECRET_NAME.test(name))
          .map(([, value]) => value),
      ];
      const outcome = await runBuild({
        command: svc.build,
        cwd: dir,
        env,
        logFile: buildLog,
        timeoutMs: svc.buildTimeoutMs,
        secrets,
      });
      if (outcome.kind !== "succeeded") {
        const detail = outcome.lastLine ? `: ${outcome.lastLine}` : "";
        await fail(
          `build failed (${describeOutcome(outcome)})${detail}`,
          outcome.kind === "exited" ? outcome.exitCode : undefined,
        );
      }
    } else {
      writeFileSync(buildLog, "# no build command: the exported files are the release\n", { flag: "a" });
    }

    const built: Release = {
      ...release,
      status: "built",
      digest: await digestDirectory(dir),
      finishedAt: new Date(this.now()).toISOString(),
    };
    await this.options.store.saveRelease(built);
    return built;
  }
}

/** The control plane's own SLIPWAY_* variables (tokens, URLs) are not the build's business. */
function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith("SLIPWAY_"),
    ),
  );
}

/**
 * Adapts a builder to the rollout controller's `buildRelease` hook (src/rollouts/release-source.ts):
 * builds (or finds) the release and answers the directory the revision runs from.
 * @example new ProjectReleaseSource(projectDir, releaseDirFor(builder, projectDir))
 */
export function releaseDirFor(
  builder: ReleaseBuilder,
  projectDir: string,
): (request: { service: string; version: string; ref?: string }, config: ProjectConfig) => Promise<string> {
  return async (request, config) =>
    (
      await builder.ensure({
        service: request.service,
        version: request.version,
        ...(request.ref !== undefined && { ref: request.ref }),
        projectDir,
        config,
      })
    ).dir;
}
