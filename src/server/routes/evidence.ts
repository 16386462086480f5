import { z } from "zod";
import { EVIDENCE_KINDS, type Attestation } from "../../core/evidence/types.js";
import { SlipwayError } from "../../core/errors.js";
import { artifactFiles } from "../../evidence/artifact-reports.js";
import { policedEnvironments, ReleasePolicyGate } from "../../evidence/policy-gate.js";
import { readReport } from "../../evidence/read-report.js";
import { actorOf } from "../actor.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";

const kind = z
  .enum(EVIDENCE_KINDS)
  .optional()
  .describe("The kind the report must be (else recognised from its content)");
const source = {
  runId: z.int().min(1).optional().describe("The workflow run that produced the report"),
  job: z.string().min(1).max(200).optional().describe("The job that produced the report"),
};
const evidenceBody = z.union([
  z.strictObject({
    file: z
      .string()
      .min(1)
      .max(500)
      .describe("The report's file name (named in errors and in the attestation)"),
    content: z.string().describe("The report's bytes: UTF-8 text, or base64 with encoding: base64"),
    encoding: z.enum(["utf8", "base64"]).default("utf8"),
    kind,
    ...source,
  }),
  z.strictObject({
    artifact: z
      .strictObject({ runId: z.int().min(1), name: z.string().min(1).max(200) })
      .describe("Read every file of this run's artifact as a report"),
    kind,
    job: source.job,
  }),
]);

/** This server's release policy judge (also what gates asset alias moves). */
export const policyGateOf = (app: AppContext) =>
  app.singleton(
    "evidence.gate",
    () =>
      new ReleasePolicyGate({
        environments: () => app.config().environments,
        evidence: app.store.evidence,
        releases: app.store.releases,
        now: () => app.now(),
      }),
  );

const releaseOf = (params: Record<string, string>) => {
  const service = params.service ?? "";
  const version = params.version ?? "";
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(version))
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `not a version: ${JSON.stringify(version)}`);
  return { service, version };
};

/** Evidence attached to a release (docs/releases.md) and its verdict under each environment's policy. */
export const evidenceRoutes: ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/api/releases/:service/:version/evidence",
    tag: "releases",
    summary:
      "Attach a report (JUnit, coverage, npm audit, OSV, SARIF) to a release, or every report of a run's artifact",
    description:
      "The report's format is recognised from its content. Every file is read before anything is recorded: " +
      "one malformed report answers 400 naming file:line:col, and nothing is recorded. The same report " +
      "attached twice is recorded once (200); new attestations answer 201. Bodies are at most 1 MB: attach " +
      "larger reports through a run's artifact.",
    body: evidenceBody,
    handler: async ({ app, params, body, principal }) => {
      const { service, version } = releaseOf(params);
      const config = app.config();
      // An asset bundle's evidence is attached under its name (its gated aliases read it).
      if (!Object.hasOwn(config.services, service) && !Object.hasOwn(config.assets, service))
        throw new SlipwayError(
          "SLIPWAY_NOT_FOUND",
          `no service or asset bundle ${JSON.stringify(service)} in slipway.yaml`,
        );
      const files =
        "artifact" in body
          ? artifactFiles(app.dataDir, body.artifact.runId, body.artifact.name).map((f) => ({
              ...f,
              runId: body.artifact.runId,
            }))
          : [
              {
                file: body.file,
                bytes: Buffer.from(body.content, body.encoding === "base64" ? "base64" : "utf8"),
                runId: body.runId,
              },
            ];
      // All read first: a malformed one throws before anything is recorded.
      const reports = files.map((f) => ({ ...f, report: readReport(f.file, f.bytes, body.kind) }));
      const recordedAt = new Date(app.now()).toISOString();
      const results: { attestation: Attestation; created: boolean }[] = [];
      for (const { file, runId, report } of reports) {
        results.push(
          await app.store.evidence.add({
            service,
            version,
            kind: report.kind,
            format: report.format,
            digest: report.digest,
            source: { file, ...(runId !== undefined && { runId }), ...(body.job && { job: body.job }) },
            summary: report.summary,
            recordedAt,
            recordedBy: actorOf(principal),
          }),
        );
      }
      return {
        status: results.some((r) => r.created) ? 201 : 200,
        body: { attestations: results.map((r) => ({ ...r.attestation, created: r.created })) },
        audit: {
          action: "evidence.add",
          reason: `${service} ${version}: ${reports.map((r) => `${r.report.format} ${r.file}`).join(", ")}`,
        },
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/releases/:service/:version/evidence",
    tag: "releases",
    summary: "A release's attestations and its verdict under each environment's policy",
    handler: async ({ app, params }) => {
      const { service, version } = releaseOf(params);
      const gate = policyGateOf(app);
      const environments = policedEnvironments(app.config().environments);
      const verdicts = await Promise.all(
        environments.map((e) => gate.verdict(service, version, e, { scan: false })),
      );
      return {
        status: 200,
        body: {
          service,
          version,
          release: (await app.store.releases.getRelease(service, version)) ?? null,
          attestations: await app.store.evidence.list(service, version),
          verdicts,
        },
      };
    },
  }),
];
