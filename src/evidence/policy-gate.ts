import { existsSync } from "node:fs";
import type { Attestation } from "../core/evidence/types.js";
import type { EnvironmentConfig } from "../core/config/types.js";
import { evaluatePolicy } from "../core/policy/evaluate.js";
import type { PolicyVerdict } from "../core/policy/types.js";
import { own } from "../core/own.js";
import type { EvidenceStore } from "../store/ports/evidence-store.js";
import type { ReleaseStore } from "../store/ports/release-store.js";
import { digestOf } from "./read-report.js";
import { scanDirectory } from "./secret-scan.js";

/** The environments that have a policy, by name (a release's verdicts are listed for these). */
export const policedEnvironments = (environments: Readonly<Record<string, EnvironmentConfig>>): string[] =>
  Object.values(environments)
    .filter((e) => e.policy !== undefined)
    .map((e) => e.name);

export interface PolicyGateOptions {
  environments: () => Readonly<Record<string, EnvironmentConfig>>;
  evidence: EvidenceStore;
  releases: ReleaseStore;
  now: () => number;
}

/**
 * Judges a release against an environment's policy from the stored evidence. Where the policy
 * reads a secret scan and the release has none yet, Slipway scans the release's built files
 * itself and records that as the release's `secrets` attestation (source: `release files`).
 */
export class ReleasePolicyGate {
  constructor(private readonly options: PolicyGateOptions) {}

  /**
   * The verdict for deploying `service version` to `environment`; allowed when it has no policy.
   * `scan: false` (reads such as the dashboard's) judges without scanning the release's files;
   * `files` scans that directory instead of the release's (an asset bundle's published files).
   */
  async verdict(
    service: string,
    version: string,
    environment: string,
    options: { scan?: boolean; files?: string } = {},
  ): Promise<PolicyVerdict> {
    const env = own(this.options.environments(), environment);
    const policy = env?.policy;
    const release = await this.options.releases.getRelease(service, version);
    let attestations = await this.options.evidence.list(service, version);
    if (policy && options.scan !== false && (policy.require.includes("secrets") || policy.noSecrets)) {
      const scanned = await this.scanIfMissing(
        attestations,
        service,
        version,
        options.files ?? release?.dir,
        policy.secretScan,
      );
      if (scanned) attestations = [...attestations, scanned];
    }
    return evaluatePolicy({
      environment,
      service,
      version,
      ...(release?.ref ? { ref: release.ref } : {}),
      ...(policy ? { policy } : {}),
      attestations,
      now: this.options.now(),
    });
  }

  private async scanIfMissing(
    attestations: readonly Attestation[],
    service: string,
    version: string,
    dir: string | undefined,
    allow: { allowPaths: string[]; allowRules: string[] },
  ): Promise<Attestation | undefined> {
    if (attestations.some((a) => a.kind === "secrets") || !dir || !existsSync(dir)) return undefined;
    const summary = scanDirectory(dir, { paths: allow.allowPaths, rules: allow.allowRules });
    const { attestation } = await this.options.evidence.add({
      service,
      version,
      kind: "secrets",
      format: "secret-scan",
      digest: digestOf(JSON.stringify(summary)),
      source: { file: "release files" },
      summary,
      recordedAt: new Date(this.options.now()).toISOString(),
      recordedBy: "slipway",
    });
    return attestation;
  }
}
